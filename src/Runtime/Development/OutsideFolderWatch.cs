namespace ApiRoutes.Development;

/// <summary>
/// Watches the files the analysis reads that lie outside the project folder, which the watch of the folder misses
/// (review 16a F5): sources included from elsewhere (<c>&lt;Compile Include="../Shared/*.cs" /&gt;</c>), an
/// <c>ApiRoutesConfigFile</c> elsewhere, the <c>Directory.Build.props</c>, <c>.targets</c> and
/// <c>Directory.Packages.props</c> above it. The list comes from each analysis (<c>inputs.txt</c>, written by the
/// package's targets), so a file the project starts or stops reading is followed from the analysis after. One watcher
/// per folder, not its subfolders; a change counts for a listed file, and in a folder of sources for any <c>.cs</c>
/// file (one new there may match the project's pattern). Never the app's failure: a folder that cannot be watched is
/// reported (event 6010) and left.
/// </summary>
internal sealed class OutsideFolderWatch(string projectDirectory, Action changed, Action<string> degraded) : IDisposable
{
    /// <summary>At most this many folders are watched (each takes an inotify instance of the 128 a user has by default).</summary>
    public const int MaxFolders = 16;

    private readonly string _project = Path.TrimEndingDirectorySeparator(Path.GetFullPath(projectDirectory)) + Path.DirectorySeparatorChar;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Folder> _folders = new(StringComparer.Ordinal);
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);   // said once each, not after every analysis
    private bool _disposed;

    /// <summary>The folders watched now, in order.</summary>
    public IReadOnlyList<string> Folders
    {
        get
        {
            lock (_gate)
            {
                return [.. _folders.Keys.Order(StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>
    /// Watches the inputs of the latest analysis that lie outside the project folder, and no longer those it does not
    /// list; true when the folders watched changed.
    /// </summary>
    public bool Update(IEnumerable<string> inputs)
    {
        var wanted = new Dictionary<string, (HashSet<string> Names, bool Sources)>(StringComparer.Ordinal);
        foreach (var input in inputs)
        {
            if (!Path.IsPathFullyQualified(input) || input.StartsWith(_project, StringComparison.Ordinal))
            {
                continue;
            }

            var path = Path.GetFullPath(input);
            if (Path.GetDirectoryName(path) is not { } folder || Path.GetFileName(path) is not { Length: > 0 } name)
            {
                continue;
            }

            if (!wanted.TryGetValue(folder, out var entry))
            {
                if (wanted.Count == MaxFolders)
                {
                    Report($"the project reads files in more than {MaxFolders} folders outside it; only the first {MaxFolders} are watched, a change elsewhere is followed at the next save in the project");
                    break;
                }

                entry = (new HashSet<string>(StringComparer.Ordinal), false);
            }

            entry.Names.Add(name);
            wanted[folder] = (entry.Names, entry.Sources || name.EndsWith(".cs", StringComparison.OrdinalIgnoreCase));
        }

        lock (_gate)
        {
            if (_disposed)
            {
                return false;
            }

            var before = _folders.Keys.ToHashSet(StringComparer.Ordinal);
            foreach (var (folder, watched) in _folders.ToList())
            {
                if (!wanted.ContainsKey(folder))
                {
                    watched.Dispose();
                    _folders.Remove(folder);
                }
            }

            foreach (var (folder, (names, sources)) in wanted)
            {
                if (_folders.TryGetValue(folder, out var watched))
                {
                    watched.Follow(names, sources);
                }
                else if (Folder.TryStart(folder, names, sources, changed, degraded, out var problem) is { } started)
                {
                    _folders[folder] = started;
                }
                else
                {
                    Report($"'{folder}', which the project reads files from, cannot be watched ({problem}); a change there is followed at the next save in the project");
                }
            }

            return !before.SetEquals(_folders.Keys);
        }
    }

    private void Report(string reason)
    {
        lock (_reported)
        {
            if (!_reported.Add(reason))
            {
                return;
            }
        }

        degraded(reason);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            foreach (var folder in _folders.Values)
            {
                folder.Dispose();
            }

            _folders.Clear();
        }
    }

    // One folder's watcher, and which of its files count.
    private sealed class Folder : IDisposable
    {
        private readonly FileSystemWatcher _watcher;
        private readonly Action _changed;
        private volatile Interest _interest;

        private Folder(FileSystemWatcher watcher, Interest interest, Action changed) => (_watcher, _interest, _changed) = (watcher, interest, changed);

        public static Folder? TryStart(string path, HashSet<string> names, bool sources, Action changed, Action<string> degraded, out string? problem)
        {
            problem = null;
            FileSystemWatcher? watcher = null;
            try
            {
                watcher = new FileSystemWatcher(path) { IncludeSubdirectories = false, NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size };
                var folder = new Folder(watcher, new Interest(names, sources), changed);
                watcher.Changed += folder.OnChanged;
                watcher.Created += folder.OnChanged;
                watcher.Deleted += folder.OnChanged;
                watcher.Renamed += folder.OnChanged;
                watcher.Error += (_, e) =>
                {
                    degraded($"the watcher of '{path}' reported: {e.GetException().Message}; the routes are analysed again");
                    changed();
                };
                watcher.EnableRaisingEvents = true;
                return folder;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or PlatformNotSupportedException)
            {
                // A folder that does not exist (a config file named but not made yet) or cannot be watched.
                watcher?.Dispose();
                problem = e.Message;
                return null;
            }
        }

        public void Follow(HashSet<string> names, bool sources) => _interest = new Interest(names, sources);

        public void Dispose() => _watcher.Dispose();

        private void OnChanged(object sender, FileSystemEventArgs e)
        {
            if (_interest.Counts(e.Name) || (e is RenamedEventArgs renamed && _interest.Counts(renamed.OldName)))
            {
                _changed();
            }
        }

        private sealed record Interest(HashSet<string> Names, bool Sources)
        {
            public bool Counts(string? name) =>
                name is not null && (Names.Contains(name) || (Sources && name.EndsWith(".cs", StringComparison.OrdinalIgnoreCase)));
        }
    }
}
