using ApiRoutes.Manifest;
using ApiRoutes.Watch;

namespace ApiRoutes.Development;

/// <summary>
/// Keeps, for dotnet watch's hot-reload workspace, the last saved text of every handler source file this process has
/// served routes from (<c>tombstones.txt</c> in <see cref="ProjectAnalysis.WorkspaceFolder"/>, see
/// <see cref="SourceSnapshot"/>): at start-up and after each refresh, before the next save can delete or rename one.
/// The package's tombstone generator re-declares from it the types the code no longer declares, so that hot reload
/// applies a handler's deletion, rename or move to another namespace instead of restarting the app. Older texts of a
/// file are kept (a class renamed in place is still in the process under its old name), newest last, within bounds;
/// the build that starts a new process empties it.
/// </summary>
internal sealed class HandlerSourceSnapshot(string projectDirectory, string path, long maxLength = SourceSnapshot.MaxLength)
{
    private const int MaxTexts = 1_000;

    private readonly Lock _gate = new();
    private readonly List<KeyValuePair<string, string>> _texts = [];
    private readonly Dictionary<string, string> _latest = new(StringComparer.Ordinal);
    private readonly HashSet<string> _retired = new(StringComparer.Ordinal);
    private long _length;
    private bool _written;

    public string Path { get; private set; } = path;

    /// <summary>
    /// Writes the snapshot to <paramref name="path"/> from now on, at once: the analysis found the workspace reads it
    /// there (<see cref="ProjectAnalysis.WorkspaceFolder"/>). The file left where it was is read by nothing.
    /// </summary>
    public void MoveTo(string path)
    {
        lock (_gate)
        {
            if (!string.Equals(path, Path, StringComparison.Ordinal))
            {
                Path = path;
                _written = false;
                Record([]);
            }
        }
    }

    /// <summary>Records the handler source files <paramref name="manifest"/> names; rewrites the snapshot when one changed.</summary>
    public void Record(RouteManifest manifest) =>
        Record(manifest.Routes.Select(route => route.Source?.File).OfType<string>());

    public void Record(IEnumerable<string> files)
    {
        lock (_gate)
        {
            var changed = false;
            foreach (var file in files.Select(f => System.IO.Path.GetFullPath(System.IO.Path.Combine(projectDirectory, f))).Distinct(StringComparer.Ordinal))
            {
                // (A text alone over the bound is left out, as if unreadable: it would push every other one out.)
                if (!_retired.Contains(file) && Read(file) is { } text && !(_latest.TryGetValue(file, out var last) && last == text)
                    && SourceSnapshot.LineLength(new(file, text)) is var length && length <= maxLength)
                {
                    _texts.Add(new(file, text));
                    _length += length;
                    _latest[file] = text;
                    changed = true;
                }
            }

            // Within the size the generator reads (SourceSnapshot.MaxLength), the oldest texts dropped first.
            while (_texts.Count > MaxTexts || (_texts.Count > 0 && _length > maxLength))
            {
                _length -= SourceSnapshot.LineLength(_texts[0]);
                _texts.RemoveAt(0);
            }

            // Written again too when a build emptied it meanwhile (a dotnet build in another terminal).
            if (changed || !_written || (_texts.Count > 0 && !(new FileInfo(Path) is { Exists: true, Length: > 0 })))
            {
                // Whole or not at all: the generator may read it at any moment.
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
                WriteWhole(SourceSnapshot.Write(_texts));
                _written = true;
            }
        }
    }

    /// <summary>
    /// An event named <paramref name="path"/>: when it is a handler file recorded here and holds the bytes of its last
    /// recorded text — saved again unchanged, or removed and made again as it was (<c>git stash</c> and <c>git stash
    /// pop</c>) — its texts leave the snapshot for the rest of this process, so a later deletion of it restarts the app
    /// as without tombstones. Hot reload (Roslyn in SDK 10.0.401) crashed dotnet watch itself when a type added by hot
    /// reload went through such a save and was then deleted with its tombstone (review 24c F3: the whole session gone).
    /// True when it left.
    /// </summary>
    public bool Rewritten(string path)
    {
        lock (_gate)
        {
            var file = System.IO.Path.GetFullPath(path);
            if (!_latest.TryGetValue(file, out var last) || Read(file) != last)
            {
                return false;
            }

            _retired.Add(file);
            _latest.Remove(file);
            foreach (var text in _texts.Where(text => string.Equals(text.Key, file, StringComparison.Ordinal)))
            {
                _length -= SourceSnapshot.LineLength(text);
            }

            _texts.RemoveAll(text => string.Equals(text.Key, file, StringComparison.Ordinal));
            WriteWhole(SourceSnapshot.Write(_texts));
            return true;
        }
    }

    private void WriteWhole(string content) => FileReplacement.Write(Path, content);

    // A file deleted or being written meanwhile is left out: its last recorded text stays.
    private static string? Read(string file)
    {
        try
        {
            return File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
