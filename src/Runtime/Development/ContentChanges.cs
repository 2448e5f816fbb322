using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using ApiRoutes.Bundling;

namespace ApiRoutes.Development;

/// <summary>
/// Whether the files that events touched hold other bytes than before. A file written again with the bytes it had is
/// no change: a build step that writes a source on every build (a version file, a code generator's output) is run by
/// each analysis's own build, so every analysis started the next one, without end (review 17c F4: 34 analyses a
/// minute); and an editor's save of an unchanged file starts none. The watches only note the files their events name
/// (<see cref="Note"/>); the files are read once the burst of events has settled (<see cref="Settle"/>), not at each
/// event: an event comes while its write is under way (a rewrite truncates the file first), and the file read then,
/// empty or half written, counted the same bytes written again as two changes. Remembers a hash of each file as a
/// settle last found it; a file it cannot read (gone, in use, over <see cref="MaxBytes"/>) is a change, as is every
/// file seen the first time and every file forgotten (<see cref="Forget"/>): nothing is ever ignored that might differ.
/// </summary>
internal sealed class ContentChanges
{
    /// <summary>Larger files are not read: always a change.</summary>
    public const long MaxBytes = 4 * 1024 * 1024;

    /// <summary>Past this many files remembered, all are forgotten (each next event is then a change).</summary>
    public const int MaxFiles = 100_000;

    /// <summary>
    /// Past this many files noted between two settles (a package restored or a branch checked out into the folder),
    /// they are not read: the settle is a change, and all that was remembered is forgotten.
    /// </summary>
    public const int MaxNoted = 10_000;

    private readonly ConcurrentDictionary<string, byte[]> _seen = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly Lock _settling = new();
    private HashSet<string> _noted = new(StringComparer.Ordinal);
    private bool _overflowed;

    /// <summary>An event named the file at <paramref name="path"/> (made, written, renamed there or away, removed).</summary>
    public void Note(string path)
    {
        lock (_gate)
        {
            if (_noted.Count < MaxNoted)
            {
                _noted.Add(path);
            }
            else
            {
                _overflowed = true;
            }
        }
    }

    /// <summary>
    /// Whether a file noted since the last settle holds other bytes than a settle last found there (or cannot be
    /// compared); each is remembered as it is now. One settle at a time: what one reads, the next compares with.
    /// </summary>
    public bool Settle()
    {
        lock (_settling)
        {
            HashSet<string> noted;
            bool overflowed;
            lock (_gate)
            {
                (noted, overflowed, _noted, _overflowed) = (_noted, _overflowed, new(StringComparer.Ordinal), false);
            }

            if (overflowed)
            {
                // The files past the limit were not read: what is remembered of them may be stale.
                _seen.Clear();
                return true;
            }

            var changed = false;
            foreach (var path in noted)
            {
                changed |= Differs(path);
            }

            return changed;
        }
    }

    /// <summary>
    /// What is remembered of the files in <paramref name="folder"/> (and its subfolders with
    /// <paramref name="subfolders"/>; of all files: null) may be stale — events were lost, the folder was not watched
    /// for a while, or it was moved away and back — and is forgotten: the next event of each is a change.
    /// </summary>
    public void Forget(string? folder = null, bool subfolders = false)
    {
        if (folder is null)
        {
            _seen.Clear();
            return;
        }

        var trimmed = Path.TrimEndingDirectorySeparator(folder);
        var prefix = trimmed + Path.DirectorySeparatorChar;
        foreach (var path in _seen.Keys)
        {
            if (subfolders ? path.StartsWith(prefix, StringComparison.Ordinal) : string.Equals(Path.GetDirectoryName(path), trimmed, StringComparison.Ordinal))
            {
                _seen.TryRemove(path, out _);
            }
        }
    }

    /// <summary>What is remembered of the file at <paramref name="path"/> may be stale: its next event is a change.</summary>
    public void ForgetFile(string path) => _seen.TryRemove(path, out _);

    // Whether the file holds other bytes than the settle before found, remembering what it holds now.
    private bool Differs(string path)
    {
        var hash = TryHash(path);
        if (hash is null)
        {
            _seen.TryRemove(path, out _);
            return true;
        }

        if (_seen.Count >= MaxFiles)
        {
            _seen.Clear();
        }

        var before = _seen.GetValueOrDefault(path);
        _seen[path] = hash;
        return before is null || !before.AsSpan().SequenceEqual(hash);
    }

    // The hash of what the file holds and of where it really is: a file replaced by a symbolic link to a copy elsewhere
    // with the same bytes (moved to a shared folder, linked back), or a link pointed at another file with the same bytes,
    // is a change, so the analysis that follows lists (and the outside watch follows) where it really is; compared by
    // its bytes alone it was none, and every later edit of the shared file was ignored (review 35a F5).
    private static byte[]? TryHash(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
            if (file.Length > MaxBytes || Where(path) is not { } where)
            {
                return null;
            }

            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            hash.AppendData(Encoding.UTF8.GetBytes(where + "\0"));
            hash.AppendData(SHA256.HashData(file));
            return hash.GetHashAndReset();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null;
        }
    }

    // Where the file really is: every symbolic link on its way resolved (realpath(3)); on Windows, where the link leads.
    private static string? Where(string path) =>
        OperatingSystem.IsWindows() ? File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path) : RealPaths.Of(path);
}
