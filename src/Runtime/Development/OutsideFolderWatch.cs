using System.IO.Enumeration;
using ApiRoutes.Bundling;

namespace ApiRoutes.Development;

/// <summary>
/// Watches the files the analysis reads that lie outside the project folder, which the watch of the folder misses
/// (review 16a F5): sources included from elsewhere (<c>&lt;Compile Include="../Shared/*.cs" /&gt;</c>), an
/// <c>ApiRoutesConfigFile</c> elsewhere, the <c>Directory.Build.props</c>, <c>.targets</c> and
/// <c>Directory.Packages.props</c> above it. The list comes from each analysis (<c>inputs.txt</c>, written by the
/// package's targets), so a file the project starts or stops reading is followed from the analysis after. One watcher
/// per folder, not its subfolders; a change counts for a listed file, and in a folder of sources for any <c>.cs</c>
/// file (one new there may match the project's pattern), when what the file holds changed (<see cref="ContentChanges"/>:
/// <paramref name="touched"/> names the file, <paramref name="changed"/> asks for an analysis outright). Never the
/// app's failure: a folder that cannot be watched is reported (event 6010) and left. Inside the project folder, the
/// files its own watch does not see (<paramref name="missedInside"/>: a dot folder, another extension) are followed the
/// same way (review 24c F1). A listed file reached through a symbolic link — an <c>apiroutes.yaml</c> that links to a
/// shared file, a folder of sources linked into the project — is followed where it really is as well: a save there
/// changes no entry of the link's folder, so no watch of that folder sees it (review 24c F6). A folder linked into the
/// project (<paramref name="linkedFolders"/>: the links the project's watch knows) is followed where it leads, with its
/// subfolders (without them when the analysis listed none of its files and more than <see cref="MaxLinkedSubfolders"/>
/// folders are below it), whatever the analysis listed there — also empty, so that a first handler file in it is seen; and a
/// folder of sources left without one is followed until a source is there again (review 31b F4).
/// </summary>
internal sealed class OutsideFolderWatch(string projectDirectory, Action changed, Action<string> touched, Action<string> degraded, ContentChanges contents, Func<string, bool>? missedInside = null, Func<IEnumerable<string>>? linkedFolders = null) : IDisposable
{
    /// <summary>At most this many folders are watched (each takes an inotify instance of the 128 a user has by default).</summary>
    public const int MaxFolders = 16;

    /// <summary>A folder linked into the project with more folders below it than this is watched without them.</summary>
    public const int MaxLinkedSubfolders = 64;

    // More symbolic links than this on the way to a file is a loop (Linux's own limit, for realpath(3)).
    private const int MaxLinksOnTheWay = 40;

    // A line longer than this is no path MSBuild wrote (a damaged or hostile list): skipped.
    private const int MaxLine = 4096;

    private readonly string _project = Path.TrimEndingDirectorySeparator(Path.GetFullPath(projectDirectory)) + Path.DirectorySeparatorChar;
    private readonly string? _realProject = Real(projectDirectory) is { } real ? Path.TrimEndingDirectorySeparator(real) + Path.DirectorySeparatorChar : null;
    private readonly Lock _gate = new();
    private Dictionary<string, Folder> _folders = new(StringComparer.Ordinal);
    // The folders the latest list named, with what counts in each; and those listed once, then removed, followed until
    // a list names them again (Back: made again since).
    private readonly Dictionary<string, (HashSet<string> Names, bool Sources)> _listed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (HashSet<string> Names, bool Sources, bool Back)> _gone = new(StringComparer.Ordinal);
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);   // said once each, not after every analysis
    // Folders of sources listed once, then left without a source file: emptied, not dropped from the project (its
    // `<Compile Include="../ext/*.cs" />` takes the next one made there).
    private readonly HashSet<string> _emptied = new(StringComparer.Ordinal);
    private IReadOnlyList<string>? _inputs;   // the latest analysis's list, for Refresh
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
    /// list; true when the folders watched changed. A watch whose folder changed since it started is started afresh: a
    /// folder removed and made again since the last analysis keeps no dead watch (review 17c F1). A folder that does
    /// not exist — named but not made yet, or listed before and removed since (a git checkout of a branch without it) —
    /// is followed through its nearest existing parent: its making starts an analysis.
    /// </summary>
    public bool Update(IEnumerable<string> inputs)
    {
        IReadOnlyList<string> listed = [.. inputs];
        _inputs = listed;
        var wanted = new Dictionary<string, (HashSet<string> Names, bool Sources)>(StringComparer.Ordinal);
        var notFollowed = 0;

        // Files other than sources first: past the limit, the config file and the .props are not the ones dropped (F3);
        // a link on a file's way goes with the file (one on a source's way does not push out the config file's).
        var followed = listed.SelectMany(input => WithLinkTarget(input).Select(path => (Path: path, Source: input.EndsWith(".cs", StringComparison.OrdinalIgnoreCase))));
        foreach (var input in followed.OrderBy(entry => entry.Source).Select(entry => entry.Path))
        {
            if (Outside(input) is not { } path
                || Path.GetDirectoryName(path) is not { } folder || Path.GetFileName(path) is not { Length: > 0 } name)
            {
                continue;
            }

            if (!Want(wanted, folder, name, name.EndsWith(".cs", StringComparison.OrdinalIgnoreCase)))
            {
                notFollowed++;
            }
        }

        // A linked folder none of whose files the analysis listed is watched (a first handler file in it is seen) with its
        // subfolders while they are few, as a folder of sources to be has (a subfolder made there, and a handler file
        // in that, were seen by nobody: note 32's leftover), and without them beyond: a link to a big tree (/usr, a data
        // set) took a watch per folder in it (review 32c F6).
        var shallow = new HashSet<string>(StringComparer.Ordinal);
        foreach (var folder in LinkTargets())
        {
            if (!wanted.ContainsKey(folder) && !FewSubfolders(folder))
            {
                shallow.Add(folder);
            }

            // And its parent, for its name: the folder removed and made again (a watch of a folder removed dies with it).
            if (!Want(wanted, folder, null, sources: true)
                || (Path.GetDirectoryName(folder) is { } parent && !Want(wanted, parent, Path.GetFileName(folder), sources: false)))
            {
                notFollowed++;
            }
        }

        lock (_gate)
        {
            if (_disposed)
            {
                return false;
            }

            // A folder listed before that is gone now was removed, not dropped from the project (a git checkout of a
            // branch without it): followed, with what counted in it, until a list names it again. Made again (with its
            // files, or before them), it starts an analysis, once.
            // One that is there with no source left was emptied: followed until a source is there again (then it is
            // listed again, or the project no longer reads the folder).
            foreach (var folder in _listed.Keys.Where(folder => !wanted.ContainsKey(folder)))
            {
                if (!Directory.Exists(folder))
                {
                    _gone[folder] = (_listed[folder].Names, _listed[folder].Sources, Back: false);
                }
                else if (_listed[folder].Sources && !HoldsSources(folder))
                {
                    _emptied.Add(folder);
                }
            }

            _listed.Clear();
            foreach (var (folder, entry) in wanted)
            {
                _listed[folder] = entry;
            }

            foreach (var folder in _emptied.ToList())
            {
                if (wanted.ContainsKey(folder) || !Directory.Exists(folder) || HoldsSources(folder))
                {
                    _emptied.Remove(folder);   // listed again; removed (no source to come back); or not read any more
                }
                else if (!Want(wanted, folder, null, sources: true))
                {
                    notFollowed++;
                }
            }

            var back = false;
            foreach (var (folder, (names, sources, wasBack)) in _gone.ToList())
            {
                if (wanted.ContainsKey(folder))
                {
                    _gone.Remove(folder);
                    continue;
                }

                var exists = Directory.Exists(folder);
                back |= exists && !wasBack;
                _gone[folder] = (names, sources, exists);
                if (Want(wanted, folder, null, sources))
                {
                    wanted[folder].Names.UnionWith(names);
                }
            }

            // What is watched: each folder that exists, and for one that does not, its nearest existing parent, for the
            // name of the folder to make there.
            // The parent is watched for the name of the folder to make there, not as a folder of sources with all its
            // subfolders (a link's folder removed, say: its parent may be a big one).
            var targets = new Dictionary<string, (HashSet<string> Names, bool Sources)>(StringComparer.Ordinal);
            foreach (var (folder, (names, sources)) in wanted)
            {
                var exists = Directory.Exists(folder);
                var (target, interest) = exists ? (folder, names) : Nearest(folder);
                if (!exists && target is not null && !wanted.ContainsKey(target))
                {
                    shallow.Add(target);
                }

                if (target is not null && Want(targets, target, null, sources))
                {
                    targets[target].Names.UnionWith(interest);
                }
                else
                {
                    notFollowed += names.Count;
                }
            }

            // A watcher goes on while its folder and what counts there are as they were; one whose folder changed since (its
            // entries, or the folder itself, made again: no event says that its watch died) starts afresh, and the old one
            // goes on when the new one cannot start (review 17d M3: renewing all at every analysis took twice the inotify
            // instances, and a folder that could not be watched again lost the watch it had).
            var before = _folders;
            var after = new Dictionary<string, Folder>(StringComparer.Ordinal);
            foreach (var (folder, (names, sources)) in targets)
            {
                var kept = before.GetValueOrDefault(folder);
                var subfolders = sources && !shallow.Contains(folder) && !_project.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal);
                ForgetNewlyFollowed(folder, kept, names, sources);
                if (kept is not null && kept.IsStill(names, sources, subfolders))
                {
                    after[folder] = kept;
                }
                else if (Folder.TryStart(folder, names, sources, subfolders, changed, touched, degraded, contents, out var problem) is { } started)
                {
                    after[folder] = started;
                }
                else if (kept is not null)
                {
                    after[folder] = kept.For(names, sources);
                }
                else
                {
                    Report($"'{folder}', which the project reads files from, cannot be watched ({problem}); a change there is followed at the next save in the project");
                }
            }

            _folders = after;
            foreach (var folder in before.Values.Where(folder => !after.ContainsValue(folder)))
            {
                folder.Dispose();
            }

            if (notFollowed > 0)
            {
                Report($"the project reads files in more than {MaxFolders} folders outside it; {notFollowed} of them (sources last) are not followed, a change there is followed at the next save in the project");
            }

            if (back)
            {
                changed();
            }

            return !before.Keys.ToHashSet(StringComparer.Ordinal).SetEquals(after.Keys);
        }
    }

    /// <summary>
    /// Takes the links to folders as they are now with the latest analysis's list (the start-up's scan for links ends
    /// after the first analysis, or during it); true when the folders watched changed. Nothing before a first analysis.
    /// </summary>
    public bool Refresh() => _inputs is { } inputs && Update(inputs);

    // Where each folder linked into the project leads, when that is outside it (inside, the project's watch sees it); a
    // link whose folder is not there (removed, to be made again: review 32c F5) by where it points, followed through the
    // nearest parent that is.
    private IEnumerable<string> LinkTargets()
    {
        foreach (var link in linkedFolders?.Invoke() ?? [])
        {
            if (link.Length <= MaxLine && Path.IsPathFullyQualified(link)
                && (Real(link) ?? Pointed(link)) is { } real
                && !(real + Path.DirectorySeparatorChar).StartsWith(_project, StringComparison.Ordinal)
                && !(_realProject is not null && (real + Path.DirectorySeparatorChar).StartsWith(_realProject, StringComparison.Ordinal)))
            {
                yield return Path.TrimEndingDirectorySeparator(real);
            }
        }
    }

    // Where a link points, as it says it (relative to its folder), when that does not resolve.
    private static string? Pointed(string link)
    {
        try
        {
            return new FileInfo(link).LinkTarget is { Length: > 0 } target && !target.Contains('\0', StringComparison.Ordinal)
                ? Path.GetFullPath(target, Path.GetDirectoryName(link)!)
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    // Whether the folder has at most MaxLinkedSubfolders folders below it, at any depth (each is a watch of its own
    // when its subfolders are watched); counted up to one more, so a big tree costs no more than a small one. A link to
    // a folder in it is not entered, as the watcher does not enter it (Directory.EnumerateDirectories does).
    private static bool FewSubfolders(string folder)
    {
        try
        {
            var folders = new FileSystemEnumerable<bool>(folder, static (ref _) => true, new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 })
            {
                ShouldIncludePredicate = static (ref entry) => entry.IsDirectory && (entry.Attributes & FileAttributes.ReparsePoint) == 0,
                ShouldRecursePredicate = static (ref entry) => (entry.Attributes & FileAttributes.ReparsePoint) == 0,
            };
            return folders.Take(MaxLinkedSubfolders + 1).Count() <= MaxLinkedSubfolders;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return false;   // cannot tell: the folder alone
        }
    }

    // Whether the folder holds a source file itself (its subfolders are folders of their own in the list).
    private static bool HoldsSources(string folder)
    {
        try
        {
            return Directory.EnumerateFiles(folder, "*.cs", SearchOption.TopDirectoryOnly).Any();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return true;   // cannot tell: not taken for emptied
        }
    }

    // Files followed from now on may have changed since an event last named them (not watched meanwhile), so what was
    // remembered of them is not what the analysis that named them read: a folder not watched until now, a name newly
    // listed in one that is, its sources once they count (review 20a F4). Not a watch renewed for the same files: a
    // build step that writes its file through a rename renews it after every analysis, and each would start the next.
    private void ForgetNewlyFollowed(string folder, Folder? kept, HashSet<string> names, bool sources)
    {
        if (kept is null || (sources && !kept.Sources))
        {
            contents.Forget(folder);
            return;
        }

        foreach (var name in names.Where(name => !kept.Names.Contains(name)))
        {
            contents.ForgetFile(Path.Combine(folder, name));
        }
    }

    // The full path of a listed file outside the project folder (or inside, where the folder's watch misses it), or
    // null: inside it, or no path (a damaged or hostile line: relative, too long, a character no path holds).
    // Normalised before it is compared (review 17c F5, F7).
    private string? Outside(string input)
    {
        if (input.Length > MaxLine || !Path.IsPathFullyQualified(input))
        {
            return null;
        }

        string path;
        try
        {
            path = Path.GetFullPath(input);
        }
        catch (Exception e) when (e is ArgumentException or PathTooLongException or NotSupportedException)
        {
            return null;
        }

        if (path + Path.DirectorySeparatorChar == _project)
        {
            return null;
        }

        return !path.StartsWith(_project, StringComparison.Ordinal) || (missedInside?.Invoke(path) ?? false) ? path : null;
    }

    // A listed file, and where it really is when a symbolic link leads there (the file, or a folder on its way). A file
    // whose real place is in the project folder, reached through its real path (a project opened through a link), is
    // the project's own: named by its path there, for the folder's watch. And each link on its way outside the project,
    // for the link's name in its folder: a link re-pointed (`rel/current -> v2`, which the file's own link points
    // through) changes no entry of the file's folders, and was followed by nobody (review 35a F1). A link whose file is
    // not there yet, by where it points, followed through the nearest folder that is (review 35a F2), as a linked
    // folder's (review 32c F5).
    private IEnumerable<string> WithLinkTarget(string input)
    {
        yield return input;
        if (input.Length > MaxLine || !Path.IsPathFullyQualified(input))
        {
            yield break;
        }

        var real = Real(input);
        if (real is not null && string.Equals(real, Path.TrimEndingDirectorySeparator(input), StringComparison.Ordinal))
        {
            yield break;   // no link on its way
        }

        if (Walk(input) is { } walked)
        {
            foreach (var link in walked.Links.Where(link => !_project.StartsWith(link + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                && !(_realProject is not null && _realProject.StartsWith(link + Path.DirectorySeparatorChar, StringComparison.Ordinal))))
            {
                yield return InProject(link);   // not one on the way to the project itself (a project opened through a link)
            }

            real ??= walked.Leads;
        }

        if (real is not null && !string.Equals(real, Path.TrimEndingDirectorySeparator(input), StringComparison.Ordinal))
        {
            yield return InProject(real);
        }
    }

    // A real path in the project folder, by the project's path (opened through a link): inside, the folder's watch has it.
    private string InProject(string real) =>
        _realProject is not null && real.StartsWith(_realProject, StringComparison.Ordinal) ? _project + real[_realProject.Length..] : real;

    // The symbolic links on the way to a path (its own included), each by its path with the links before it resolved, and
    // where the path leads: resolved as far as it exists, the rest as written. Null on Windows, or for a loop of links.
    private static (List<string> Links, string Leads)? Walk(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        var rest = new Stack<string>(path.Split(Path.DirectorySeparatorChar).Reverse());
        var (at, links) = ("/", new List<string>());
        while (rest.TryPop(out var part))
        {
            if (part is "" or ".")
            {
                continue;
            }

            if (part == "..")
            {
                at = Path.GetDirectoryName(at) ?? at;
                continue;
            }

            var next = Path.Join(at, part);
            if (LinkTarget(next) is not { } target)
            {
                at = next;
                continue;
            }

            if (links.Count == MaxLinksOnTheWay)
            {
                return null;   // a loop of links, as realpath(3) says ELOOP
            }

            links.Add(next);
            foreach (var hop in target.Split(Path.DirectorySeparatorChar).Reverse())
            {
                rest.Push(hop);
            }

            at = Path.IsPathRooted(target) ? "/" : at;
        }

        return (links, at);
    }

    // What a symbolic link holds; null for anything else (a file, a folder, nothing there).
    private static string? LinkTarget(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget is { Length: > 0 } target && !target.Contains('\0', StringComparison.Ordinal) ? target : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    // The path with every symbolic link resolved (realpath(3)); null on Windows, or for a path that does not resolve (not
    // made yet, a loop of links, no right to a folder on the way).
    private static string? Real(string path)
    {
        if (OperatingSystem.IsWindows() || path.Contains('\0', StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            return RealPaths.Of(path);
        }
        catch (IOException)
        {
            return null;
        }
    }

    // Adds a name (none: the folder only) to a folder of the set; false when the set is full and the folder not in it.
    private static bool Want(Dictionary<string, (HashSet<string> Names, bool Sources)> set, string folder, string? name, bool sources)
    {
        if (!set.TryGetValue(folder, out var entry))
        {
            if (set.Count == MaxFolders)
            {
                return false;
            }

            entry = (new HashSet<string>(StringComparer.Ordinal), false);
        }

        if (name is not null)
        {
            entry.Names.Add(name);
        }

        set[folder] = (entry.Names, entry.Sources || sources);
        return true;
    }

    // The nearest existing parent of a folder that does not exist, and the name of the folder to make in it.
    private static (string? Parent, HashSet<string> Names) Nearest(string folder)
    {
        for (var (child, parent) = (folder, Path.GetDirectoryName(folder)); parent is not null; (child, parent) = (parent, Path.GetDirectoryName(parent)))
        {
            if (Directory.Exists(parent))
            {
                return (parent, new HashSet<string>([Path.GetFileName(child)], StringComparer.Ordinal));
            }
        }

        return (null, []);
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
        private readonly Action<string> _touched;
        private readonly (DateTime, DateTime) _stamp;
        private volatile Interest _interest;

        private readonly Action _changed;

        private Folder(FileSystemWatcher watcher, Interest interest, Action<string> touched, Action changed)
        {
            (_watcher, _interest, _touched, _changed) = (watcher, interest, touched, changed);
            _stamp = Stamp(watcher.Path);
        }

        /// <summary>The files that count here, by name.</summary>
        public IReadOnlySet<string> Names => _interest.Names;

        /// <summary>Whether any source file counts here.</summary>
        public bool Sources => _interest.Sources;

        // Whether it watches the folder as it was when it started, for the same files: the folder's times change when
        // an entry is made, removed or renamed there, and a folder made again has times of its own.
        public bool IsStill(HashSet<string> names, bool sources, bool subfolders) =>
            _interest.Sources == sources && _interest.Names.SetEquals(names) && _watcher.IncludeSubdirectories == subfolders && Stamp(_watcher.Path) == _stamp;

        // The same watch, for these files now (its folder changed, and a new watch could not start).
        public Folder For(HashSet<string> names, bool sources)
        {
            _interest = new Interest(names, sources);
            return this;
        }

        private static (DateTime, DateTime) Stamp(string path)
        {
            try
            {
                return (Directory.GetCreationTimeUtc(path), Directory.GetLastWriteTimeUtc(path));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                return default;
            }
        }

        // A folder of sources outside the project is watched with its subfolders (unless it holds the project: its own
        // watch has that), so a subfolder made there under a '**' include is followed (a known gap until review 27).
        public static Folder? TryStart(string path, HashSet<string> names, bool sources, bool subfolders, Action changed, Action<string> touched, Action<string> degraded, ContentChanges contents, out string? problem)
        {
            problem = null;
            FileSystemWatcher? watcher = null;
            try
            {
                watcher = new FileSystemWatcher(path) { IncludeSubdirectories = subfolders, NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size };
                var folder = new Folder(watcher, new Interest(names, sources), touched, changed);
                watcher.Changed += folder.OnChanged;
                watcher.Created += folder.OnChanged;
                watcher.Deleted += folder.OnChanged;
                watcher.Renamed += folder.OnChanged;
                watcher.Error += (_, e) =>
                {
                    contents.Forget(path);   // events were lost: what was remembered of its files may be stale
                    degraded($"the watcher of '{path}' reported: {e.GetException().Message}; the routes are analysed again");
                    changed();
                };
                watcher.EnableRaisingEvents = true;
                return folder;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or PlatformNotSupportedException)
            {
                // A folder that cannot be watched (removed meanwhile, no right, no inotify instance left).
                watcher?.Dispose();
                problem = e.Message;
                return null;
            }
        }

        public void Dispose() => _watcher.Dispose();

        // As in the project folder: the file is compared once the burst has settled, and one written again with the bytes
        // it had is no change (review 17c F4).
        private void OnChanged(object sender, FileSystemEventArgs e)
        {
            var interest = _interest;
            if (interest.Counts(e.Name))
            {
                _touched(e.FullPath);
            }

            // A folder made (or moved in) under a folder of sources, with its subfolders watched: the sources in it, which
            // may have come with it, are the analysis's to find.
            // And one removed or moved out: gone, nothing tells a folder from a file, nor do its files' events come (a move
            // out makes none); any name that is not a source is taken for one (review 43c F2: 'Api.V2' was taken for a file
            // by its dot, and its routes stayed served).
            if (_watcher.IncludeSubdirectories && interest.Sources && Interest.IsDevelopers(e.Name)
                && ((e.ChangeType is WatcherChangeTypes.Created or WatcherChangeTypes.Renamed && Directory.Exists(e.FullPath))
                    || (e.ChangeType is WatcherChangeTypes.Deleted && !interest.Counts(e.Name))))
            {
                _changed();
            }

            if (e is RenamedEventArgs renamed && interest.Counts(renamed.OldName))
            {
                _touched(renamed.OldFullPath);
            }
        }

        private sealed record Interest(HashSet<string> Names, bool Sources)
        {
            public bool Counts(string? name) =>
                name is not null && (Names.Contains(name) || (Sources && name.EndsWith(".cs", StringComparison.OrdinalIgnoreCase) && IsDevelopers(name)));

            // Not under a build's folder (another project's obj/ or bin/, which its builds write) nor a tool's (.git,
            // node_modules): only a subfolder's path has any of them.
            public static bool IsDevelopers(string? name) =>
                name is not null && !name.Split(Path.DirectorySeparatorChar).Any(segment => segment is "obj" or "bin" or "node_modules" || segment.StartsWith('.'));
        }
    }
}
