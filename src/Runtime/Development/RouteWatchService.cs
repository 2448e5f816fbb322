using System.Runtime.InteropServices;
using ApiRoutes.Diagnostics;
using ApiRoutes.Manifest;
using ApiRoutes.Watch;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ApiRoutes.Development;

/// <summary>
/// Hosted: in Development under <c>dotnet watch</c> (which sets <c>DOTNET_WATCH=1</c>), refreshes the routes when a
/// source or YAML file of the project folder is saved (<c>apiroutes.yaml</c> is one dotnet watch itself ignores) and
/// when hot reload has applied a change. Off everywhere else.
/// </summary>
internal sealed partial class RouteWatchService(
    IHostEnvironment environment,
    IOptions<ApiRoutesOptions> options,
    RouteTableSwap swap,
    RouteWatchStatus status,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILoggerFactory loggers,
    Microsoft.Extensions.Configuration.IConfiguration? configuration = null,
    IOptionsFactory<ApiRoutesOptions>? optionsFactory = null) : IHostedService, IAsyncDisposable
{
    private SettingsChangeNotice? _settings;
    private readonly ILogger _logger = loggers.CreateLogger(Log.Category);
    private RouteRefresher? _refresher;
    private ProjectAnalysis? _analysis;
    private HandlerSourceSnapshot? _sources;
    private CancellationTokenRegistration _started;
    private FileSystemWatcher? _files;
    private FileSystemWatcher? _folders;
    private FileSystemWatcher? _links;

    // The symbolic links to folders in the project, as made while watched or found at the start: a link's removal is
    // then known for one (its own event says only "a file without a watched extension").
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _linkedFolders = new(StringComparer.Ordinal);
    private OutsideFolderWatch? _outside;
    private PosixSignalRegistration? _interrupt;
    private PosixSignalRegistration? _terminate;
    private int _firstStopSignal;   // 0 until a stop signal comes, then the first one's PosixSignal value
    private readonly ContentChanges _contents = new();

    /// <summary>What the watches remember of the files' bytes (tests read it).</summary>
    internal ContentChanges Contents => _contents;

    // The files whose saves count: sources, the route configuration, the project's own build files (with the
    // <project>.csproj.user that MSBuild imports, where Visual Studio keeps properties: review 24c F2), and the analyzer
    // configuration the compile reads (review 38c F2: a diagnostic's severity relaxed in .editorconfig left the compile
    // error it had made, and the route unserved).
    private static readonly string[] WatchedExtensions = [".cs", ".yaml", ".yml", ".csproj", ".props", ".targets", ".user", ".editorconfig", ".globalconfig"];

    /// <summary>
    /// How long a restart's stop lets an analysis that is compiling finish (one that has not reached its compile is
    /// killed at once, see <see cref="CompileGate"/>): within the 5 s dotnet watch waits for the app to exit before it
    /// kills it.
    /// </summary>
    public static readonly TimeSpan RestartGrace = TimeSpan.FromSeconds(3);

    /// <summary>True in Development under dotnet watch, unless <c>ApiRoutes:Watch:Enabled</c> is false.</summary>
    public static bool IsOn(IHostEnvironment environment, WatchOptions options, string? dotnetWatch) =>
        options.Enabled && environment.IsDevelopment() && dotnetWatch == "1";

    /// <summary>
    /// Whether the app leaves its compiler server running as it stops, by the first stop signal it received. dotnet
    /// watch stops the app with SIGTERM to restart it (a rude edit, Ctrl+R), and the restart's build compiles on the
    /// server (the package's build logic finds it on Unix-like systems): it must still be running then. Any other stop
    /// ends the session and stops the server: Ctrl+C, which the terminal sends the whole foreground process group, the
    /// app included, as SIGINT (dotnet watch's SIGTERM that follows comes second), or the app stopping itself. A server
    /// left running ends itself after Roslyn's idle timeout when no build uses it.
    /// </summary>
    public static bool LeavesCompilerServerRunning(PosixSignal? firstStopSignal) =>
        firstStopSignal == PosixSignal.SIGTERM && !OperatingSystem.IsWindows();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var watch = options.Value.Watch;
        if (!IsOn(environment, watch, Environment.GetEnvironmentVariable("DOTNET_WATCH")))
        {
            return Task.CompletedTask;
        }

        if (configuration is not null)
        {
            _settings = new SettingsChangeNotice(configuration, () => StartProblem(optionsFactory), _logger);
        }

        var project = ProjectLocation.Find(environment.ContentRootPath, environment.ApplicationName, System.Reflection.Assembly.GetEntryAssembly());
        if (project is null)
        {
            _logger.RouteWatchUnavailable($"the content root '{environment.ContentRootPath}' holds no single project file (or none named {environment.ApplicationName}.csproj)");
            return Task.CompletedTask;
        }

        if (!OperatingSystem.IsWindows())
        {
            // Only noted: the host's own handlers still stop the app.
            _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, NoteStopSignal);
            _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, NoteStopSignal);
        }

        _analysis = new ProjectAnalysis(project);
        var restartMiss = RestartMiss.ForEntryAssembly(project.Directory, () => _linkedFolders.Keys);
        var reevaluation = new WatchReevaluation(Path.Combine(_analysis.WorkspaceFolder, WatchReevaluation.FileName), time);
        _refresher = new RouteRefresher(
            _analysis, swap, status, time, watch.Debounce, watch.Timeout, _logger, _contents, restartMiss is null ? null : restartMiss.Describe,
            () => reevaluation.Request() ? Path.GetRelativePath(project.Directory, reevaluation.Path) : null);
        HotReloadSignal.Applied += _refresher.HotReloadApplied;

        // The handlers' source files as this process has them, for the tombstones that let hot reload apply a handler's
        // deletion, rename or move (src/EntryPoint/TombstoneGenerator.cs): now, and after each refresh.
        _sources = new HandlerSourceSnapshot(project.Directory, Path.Combine(_analysis.WorkspaceFolder, SourceSnapshot.FileName));
        swap.Applied += RecordSources;
        // Both where dotnet watch's reading of the project has them, as the analyses find it.
        _analysis.WorkspaceFolderChanged += folder =>
        {
            reevaluation.Path = Path.Combine(folder, WatchReevaluation.FileName);
            MoveSources(Path.Combine(folder, SourceSnapshot.FileName));
        };
        if (swap.Manifest is { } served)
        {
            RecordSources(served);
        }

        // A saved source file starts the analysis while hot reload applies the same change (the two take about as
        // long); apiroutes.yaml is a file dotnet watch ignores, and a change of the project file (a property the analysis
        // reads, such as ApiRoutesConfigFile) one that hot reload applies nothing for. A folder moved in, out or renamed
        // is one event of the folder, whatever it holds; and a file made in a folder made the same instant may have no
        // event of its own (the watch on the new folder comes after it): the analysis then finds it (review 16a F4, F5).
        try
        {
            _files = new FileSystemWatcher(project.Directory) { IncludeSubdirectories = true, NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size };
            foreach (var extension in WatchedExtensions)
            {
                _files.Filters.Add("*" + extension);
            }

            _files.Changed += OnFileChanged;
            _files.Created += OnFileChanged;
            _files.Deleted += OnFileChanged;
            _files.Renamed += OnFileChanged;
            _files.Error += OnWatchError;
            _folders = new FileSystemWatcher(project.Directory) { IncludeSubdirectories = true, NotifyFilter = NotifyFilters.DirectoryName };
            _folders.Created += OnFolderChanged;
            _folders.Deleted += OnFolderChanged;
            _folders.Renamed += OnFolderChanged;
            _folders.Error += OnWatchError;
            _files.EnableRaisingEvents = true;
            _folders.EnableRaisingEvents = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            // Out of inotify instances or watches (128 per user by default; each dotnet watch takes dozens): the routes
            // still follow hot reload's changes, not the saves of files it does not apply (apiroutes.yaml). Never the
            // app's failure (review 16a F6).
            _files?.Dispose();
            _folders?.Dispose();
            _links?.Dispose();
            (_files, _folders, _links) = (null, null, null);
            _logger.RouteWatchDegraded($"the project folder cannot be watched ({e.Message})");
        }

        // Links to folders, made or removed: a watch of its own, whose failure (one inotify instance more than the two
        // above) costs only this (review 31b F7). The links already there are found off the start's path.
        if (_files is not null)
        {
            try
            {
                _links = new FileSystemWatcher(project.Directory) { IncludeSubdirectories = true, NotifyFilter = NotifyFilters.FileName };
                _links.Created += OnLinkChanged;
                _links.Deleted += OnLinkChanged;
                _links.Renamed += OnLinkChanged;
                _links.EnableRaisingEvents = true;
                _ = Task.Run(() =>
                {
                    // The links found are followed where they lead (review 31b F4), from the analysis that came first.
                    if (FindLinkedFolders(project.Directory) > 0 && _outside is { } outside)
                    {
                        FollowOutside(outside, outside.Refresh);
                    }
                });
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
            {
                _links?.Dispose();
                _links = null;
                _logger.RouteWatchDegraded($"links to folders made or removed in the project cannot be watched ({e.Message}); such a change is followed at the next save");
            }
        }

        // Files the project reads from outside its folder, as each analysis lists them.
        var refresher = _refresher;
        // And the folders linked into the project, where they lead.
        var outside = _outside = new OutsideFolderWatch(project.Directory, refresher.Request, refresher.Touched, reason => _logger.RouteWatchDegraded(reason), _contents, path => Misses(project.Directory, path), () => _linkedFolders.Keys);
        _analysis.InputsRead += inputs => FollowOutside(outside, () => outside.Update(inputs));

        status.Watching();
        _logger.RouteWatchStarted(project.ProjectFile, _analysis.CompilerServerPipe);

        // A first analysis once the app serves, so that the first save finds the compiler server running and the
        // analysis folder built (a cold compiler server alone takes seconds to start), without slowing the start-up:
        // it waits a moment (WarmUpDelay), so that the first requests after a start or restart are not served while
        // MSBuild takes the machine's cores; a save meanwhile runs it at once.
        _started = lifetime.ApplicationStarted.Register(() => refresher.Request(RouteRefresher.WarmUpDelay));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    // Said when the folders watched change, also when none is left; the watch's trouble never fails the analysis that
    // read the list (review 17c F5, F8), nor the scan for links.
    private void FollowOutside(OutsideFolderWatch outside, Func<bool> update)
    {
        try
        {
            if (update())
            {
                var folders = outside.Folders;
                _logger.WatchingOutsideFolders(folders.Count, folders.Count == 0 ? "none" : string.Join(", ", folders));
            }
        }
#pragma warning disable CA1031 // the analysis goes on; the watch's trouble is said
        catch (Exception e)
#pragma warning restore CA1031
        {
            _logger.RouteWatchDegraded($"the folders outside the project that it reads files from cannot be watched ({e.Message}); a change there is followed at the next save in the project");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _started.DisposeAsync();
        _settings?.Dispose();
        _settings = null;
        _files?.Dispose();
        _folders?.Dispose();
        _links?.Dispose();
        _outside?.Dispose();
        (_files, _folders, _links, _outside) = (null, null, null, null);
        swap.Applied -= RecordSources;
        var first = Volatile.Read(ref _firstStopSignal);
        var restart = LeavesCompilerServerRunning(first == 0 ? null : (PosixSignal)first);
        if (_refresher is { } refresher)
        {
            _refresher = null;
            HotReloadSignal.Applied -= refresher.HotReloadApplied;

            // A restart's stop lets an analysis that is compiling finish (RestartGrace) rather than kill its compile,
            // which would take the compiler server the restart's build is about to use down with it; one that has not
            // reached its compile is stopped at its gate and killed at once.
            await refresher.StopAsync(restart ? RestartGrace : TimeSpan.Zero);
        }

        _interrupt?.Dispose();
        _terminate?.Dispose();
        (_interrupt, _terminate) = (null, null);
        if (_analysis is { } analysis)
        {
            _analysis = null;
            if (restart)
            {
                _logger.CompilerServerLeftRunning(analysis.CompilerServerPipe);
            }
            else
            {
                await analysis.StopCompilerServerAsync();
            }
        }
    }

    private void RecordSources(RouteManifest manifest) => SaveSources(sources => sources.Record(manifest));

    private void MoveSources(string path) => SaveSources(sources => sources.MoveTo(path));

    // A handler file written again with the bytes it had leaves the tombstones' snapshot (see HandlerSourceSnapshot).
    private void Rewritten(string path) => SaveSources(sources =>
    {
        if (sources.Rewritten(path))
        {
            _logger.HandlerSourceRewritten(path);
        }
    });

    private void SaveSources(Action<HandlerSourceSnapshot> save)
    {
        try
        {
            if (_sources is { } sources)
            {
                save(sources);
            }
        }
        // Never the swap's or the analysis's failure: the routes are in service already; without the snapshot a deletion restarts.
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            _logger.HandlerSourcesNotSaved(_sources?.Path ?? "", e.Message);
        }
    }

    private void NoteStopSignal(PosixSignalContext context) => Interlocked.CompareExchange(ref _firstStopSignal, (int)context.Signal, 0);

    // Events were lost (the kernel's queue overflowed, say under a package restore into the folder), or the watch broke:
    // what changed is unknown, so the whole project is analysed again (review 16a F6), and what was remembered of its
    // files' bytes may be stale: a file written back to those bytes after a lost event is a change.
    private void OnWatchError(object sender, ErrorEventArgs e)
    {
        _contents.Forget();
        _logger.RouteWatchDegraded($"the file watcher reported: {e.GetException().Message}; the routes are analysed again");
        _refresher?.Request();
    }

    // A file's event counts when it changed what the file holds, as read once the burst of events has settled (not when
    // a build step wrote it again as it was, which every analysis's build would otherwise turn into the next analysis:
    // review 17c F4), and a rename where it leaves as well: a file of handlers moved into obj/ or renamed to another
    // extension left the code.
    private void OnFileChanged(object sender, FileSystemEventArgs e)
    {
        if (_refresher is { } refresher)
        {
            foreach (var path in Touches(e))
            {
                refresher.Touched(path);
                if (e.ChangeType != WatcherChangeTypes.Deleted && path.EndsWith(".cs", StringComparison.OrdinalIgnoreCase))
                {
                    Rewritten(path);
                }
            }
        }
    }

    /// <summary>
    /// The files an event of the files' watch names. A rename's new name only when it is a watched file: the watch's
    /// filters let a rename through when either name matches, and an editor's save that first moves the file aside
    /// (<c>Hello.cs</c> to <c>Hello.cs~</c>, vim's and JetBrains' safe write) would name a backup that is gone when
    /// the burst settles: a change for a file saved as it was (review 20a F2).
    /// </summary>
    internal IEnumerable<string> Touches(FileSystemEventArgs e)
    {
        if (IsDevelopers(e.Name, e.FullPath) && (e is not RenamedEventArgs || IsWatched(e.Name)))
        {
            yield return e.FullPath;
        }

        if (e is RenamedEventArgs renamed && IsDevelopers(renamed.OldName, renamed.OldFullPath) && IsWatched(renamed.OldName))
        {
            yield return renamed.OldFullPath;
        }
    }

    // A folder made, removed or renamed: whatever it holds changed with it (a folder of handlers moved in or out), with
    // no event of its files; what was remembered of them is forgotten: moved away, edited and moved back, its files'
    // next saves are compared with nothing stale (review 20a F3).
    // Only the developer's folders: no file under obj/, bin/ or .git is remembered, and their folders come and go with
    // every build and commit.
    internal void OnFolderChanged(object? sender, FileSystemEventArgs e)
    {
        var changed = false;
        if (IsDevelopers(e.Name, e.FullPath))
        {
            _contents.Forget(e.FullPath, subfolders: true);
            changed = true;
        }

        if (e is RenamedEventArgs renamed && IsDevelopers(renamed.OldName, renamed.OldFullPath))
        {
            _contents.Forget(renamed.OldFullPath, subfolders: true);
            changed = true;
        }

        if (changed)
        {
            _refresher?.Request();
        }
    }

    // Why the app would not start with the settings as they are now, the options bound and validated as at start-up: the
    // keys refused, never their values (review 31b F1: the binder's message and some failures quote the value, a
    // connection string with its password pasted under the wrong key).
    internal static string? StartProblem(IOptionsFactory<ApiRoutesOptions>? factory)
    {
        string text;
        try
        {
            factory?.Create(Options.DefaultName);
            return null;
        }
        catch (OptionsValidationException e)
        {
            text = string.Join(" ", e.Failures);
        }
        catch (InvalidOperationException e)
        {
            text = e.Message;   // a value that does not bind (not a number, not a time)
        }

        var keys = ConfigurationKey().Matches(text).Select(match => match.Value.TrimEnd(':', '.')).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        return keys.Count == 0
            ? "the options' validation refuses them (the next start says why)."
            : $"{string.Join(", ", keys)} {(keys.Count == 1 ? "is" : "are")} refused (the next start says why).";
    }

    // A key of the ApiRoutes section as the binder and the validation name it.
    [System.Text.RegularExpressions.GeneratedRegex(@"\bApiRoutes(:[A-Za-z0-9_]+)+")]
    private static partial System.Text.RegularExpressions.Regex ConfigurationKey();

    // A symbolic link to a folder made, removed or renamed: a folder of handlers linked in or out. Its event is a file's
    // (inotify sets no IN_ISDIR for a link), without a watched extension, so neither watch above counted it, and dotnet
    // watch does not follow it either (review 30c F1): counted as the folder's own change.
    private void OnLinkChanged(object? sender, FileSystemEventArgs e)
    {
        if (IsFolderLink(e))
        {
            OnFolderChanged(sender, e);
        }
    }

    /// <summary>Whether an event of a file's name is that of a symbolic link to a folder (made, or one known removed or renamed).</summary>
    internal bool IsFolderLink(FileSystemEventArgs e)
    {
        if (!IsDevelopers(e.Name, e.FullPath) || IsWatched(e.Name))
        {
            return false;
        }

        var known = _linkedFolders.TryRemove(e.FullPath, out _) | (e is RenamedEventArgs renamed && _linkedFolders.TryRemove(renamed.OldFullPath, out _));
        if (e.ChangeType != WatcherChangeTypes.Deleted && LinksToFolder(e.FullPath))
        {
            _linkedFolders[e.FullPath] = 0;
            return true;
        }

        return known;
    }

    // The links to folders already in the project (not under the build's or tools' folders, nor inside a linked folder),
    // a bounded walk: a huge folder is not walked to its end at every start.
    internal int FindLinkedFolders(string projectDirectory)
    {
        var found = 0;
        try
        {
            var folders = new System.IO.Enumeration.FileSystemEnumerable<string>(
                projectDirectory,
                (ref System.IO.Enumeration.FileSystemEntry entry) => entry.ToFullPath(),
                new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true })
            {
                ShouldIncludePredicate = (ref System.IO.Enumeration.FileSystemEntry entry) => entry.IsDirectory,
                // Not into a link (.NET's enumeration follows one to a folder: review 31b F6, a link to /usr walked it).
                ShouldRecursePredicate = (ref System.IO.Enumeration.FileSystemEntry entry) =>
                    (entry.Attributes & FileAttributes.ReparsePoint) == 0
                    && !(entry.FileName.StartsWith('.') || entry.FileName is "obj" or "bin" or "node_modules"),
            };
            foreach (var path in folders.Take(20_000))
            {
                if (IsDevelopers(Path.GetRelativePath(projectDirectory, path), path) && LinksToFolder(path))
                {
                    _linkedFolders[path] = 0;
                    found++;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            // Not found: the removal of such a link is followed at the next save, as before.
        }

        return found;
    }

    private static bool LinksToFolder(string path)
    {
        try
        {
            return new DirectoryInfo(path) is { Exists: true, LinkTarget: not null };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// Whether a file the analysis reads inside the project folder is one the folder's watch does not see: in a folder
    /// whose name starts with '.' (<c>.config/apiroutes.yaml</c>) or of another extension (an <c>ApiRoutesConfigFile</c>
    /// named <c>apiroutes.json</c>), so that the watch of the files the analysis lists follows it (review 24c F1: edits
    /// of it, invalid ones too, were ignored). Never the build's own files (obj/, bin/, the analysis folder), which every
    /// build writes.
    /// </summary>
    internal bool Misses(string projectDirectory, string path)
    {
        var name = Path.GetRelativePath(projectDirectory, path);
        var segments = name.Split(Path.DirectorySeparatorChar);
        return segments[0] != ".." && !Path.IsPathRooted(name) && !IsBuilds(segments, path, _analysis)
            && !(IsWatched(name) && IsDevelopers(name, path));
    }

    private static bool IsWatched(string? name) => name is not null && WatchedExtensions.Any(extension => name.EndsWith(extension, StringComparison.OrdinalIgnoreCase));

    // Not the build's — obj/ and bin/, and the development folder the analysis writes (wherever the project's
    // BaseIntermediateOutputPath puts it) — nor a tool's: a folder whose name starts with '.' (.git, whose folders come
    // and go with every commit, .vs, .idea) or node_modules, where no handler is (review 16d F4). The analyzer
    // configuration's own names start with '.' (.editorconfig, .globalconfig), and count; no other dot file does (an
    // editor's lock file, .#Hello.cs), nor a dot folder's own event (review 38g).
    private bool IsDevelopers(string? name, string fullPath)
    {
        var segments = name?.Split(Path.DirectorySeparatorChar) ?? [];
        return !IsBuilds(segments, fullPath, _analysis)
            && !segments.Where((segment, i) => i < segments.Length - 1 || !IsAnalyzerConfig(segment)).Any(segment => segment.StartsWith('.') || segment == "node_modules");
    }

    private static bool IsAnalyzerConfig(string fileName) =>
        fileName.Equals(".editorconfig", StringComparison.OrdinalIgnoreCase) || fileName.Equals(".globalconfig", StringComparison.OrdinalIgnoreCase);

    // The build's: obj/ and bin/, the development folder the analysis writes, and the one dotnet watch's reading of the
    // project uses, where the app rewrites reevaluate.props, with the rest of the project's BaseIntermediateOutputPath,
    // its parent (review 49C F2: inside the project folder, build/obj/ or artifacts/obj/Shop/, each rewrite started an
    // analysis) — unless that is the project folder itself or one above it.
    internal static bool IsBuilds(string[] segments, string fullPath, ProjectAnalysis? analysis)
    {
        if (segments.FirstOrDefault() is "obj" or "bin")
        {
            return true;
        }

        if (analysis is null)
        {
            return false;
        }

        var intermediate = Path.GetDirectoryName(analysis.WorkspaceFolder) is { } parent
            && !(analysis.ProjectDirectory + Path.DirectorySeparatorChar).StartsWith(parent + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? parent
            : analysis.WorkspaceFolder;
        return fullPath.StartsWith(analysis.Folder + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            || fullPath.StartsWith(intermediate + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }
}
