using System.Diagnostics;
using System.Text;
using ApiRoutes.Bundling;
using ApiRoutes.Watch;

namespace ApiRoutes.Development;

/// <summary>
/// The real analysis of the development loop: <c>dotnet msbuild -t:ApiRoutesWatchAnalyze</c> on the app's project.
/// Hot reload keeps its changes in memory, so the assembly on disk is stale; the target compiles the code as it is now
/// into a folder of its own (<c>obj/apiroutes-watch</c>, never the app's output) and runs the build's own analysis on
/// it: the same task, rules and codes as <c>dotnet build</c>. Its diagnostics are read back from MSBuild's output.
/// It compiles with a compiler server of its own (<see cref="CompilerServer"/>), which the app stops when it stops,
/// and only through a <see cref="CompileGate"/>, so that a restart's stop knows whether it may kill it at once.
/// </summary>
internal sealed class ProjectAnalysis : IRouteAnalysis
{
    // Variables dotnet watch gives the app for hot reload; MSBuild and the compiler must not inherit them.
    private static readonly string[] AppOnlyVariables =
        ["DOTNET_STARTUP_HOOKS", "DOTNET_MODIFIABLE_ASSEMBLIES", "DOTNET_WATCH", "DOTNET_WATCH_ITERATION", "ASPNETCORE_HOSTINGSTARTUPASSEMBLIES"];

    private readonly ProjectLocation _project;
    private readonly CompilerServer _compilerServer;
    private readonly CompileGate _gate;
    private readonly Lock _gateLock = new();
    private bool _gateOpen;
    private bool _stopped;

    public ProjectAnalysis(ProjectLocation project)
    {
        _project = project;
        Folder = FolderOf(project, AppContext.GetData(WatchFolderSwitch) as string);
        // The last session's analysis named it already (the file stays in the analysis folder): the snapshot of this
        // one's start goes there, before its first analysis — when the build that started this process used it. That
        // build emptied the snapshot in the folder it used (the package's _ApiRoutesEmptyTombstones); one that holds
        // texts is a folder no build used since an app wrote there: the project switched UseArtifactsOutput off, say,
        // and the snapshot went where nothing reads it until the first analysis (review 49B F2).
        WorkspaceFolder = ReadWorkspaceFolder(WorkspaceFolderPath, project.ProjectFile) is { } named
            && new FileInfo(Path.Combine(named, SourceSnapshot.FileName)) is { Exists: true, Length: 0 }
            ? named
            : Folder;
        _compilerServer = new CompilerServer(project, Folder);
        _gate = new CompileGate(Folder);
    }

    /// <summary>
    /// The app's development folder: the analysis's output and the compiler server's files.
    /// $(BaseIntermediateOutputPath)apiroutes-watch where a build with DotNetWatchBuild names it in the
    /// runtimeconfig.json (the package's targets); otherwise obj/apiroutes-watch, also where the project moves obj/ (SDK
    /// 10's dotnet watch builds without DotNetWatchBuild). The tombstones' snapshot and reevaluate.props go to
    /// <see cref="WorkspaceFolder"/>.
    /// </summary>
    public string Folder { get; }

    /// <summary>The runtimeconfig.json setting that names <see cref="Folder"/>.</summary>
    public const string WatchFolderSwitch = "ApiRoutes.Development.WatchFolder";

    internal static string FolderOf(ProjectLocation project, string? configured) =>
        configured is { Length: > 0 } && Path.IsPathFullyQualified(configured)
            ? Path.TrimEndingDirectorySeparator(Path.GetFullPath(configured))
            : Path.Combine(project.Directory, "obj", "apiroutes-watch");

    public string ManifestPath => Path.Combine(Folder, "bin", "apiroutes.manifest.json");

    /// <summary>The files the last analysis read, one full path a line (the package's <c>_ApiRoutesWatchInputs</c>).</summary>
    public string InputsPath => Path.Combine(Folder, "inputs.txt");

    /// <summary>After each analysis that got as far as its compile, what it read (<see cref="InputsPath"/>): the app watches those outside the folder.</summary>
    public event Action<IReadOnlyList<string>>? InputsRead;

    /// <summary>
    /// The development folder of dotnet watch's own reading of the project: where its hot-reload workspace reads the
    /// tombstones' snapshot and from which its evaluation imports <c>reevaluate.props</c> —
    /// $(BaseIntermediateOutputPath)apiroutes-watch, as the last analysis evaluated it (<see cref="WorkspaceFolderPath"/>),
    /// or <see cref="Folder"/> until one did. The two differ where the project moves obj/ (UseArtifactsOutput, a
    /// BaseIntermediateOutputPath of its own) and no build named the folder in the runtimeconfig.json: SDK 10's dotnet
    /// watch builds without DotNetWatchBuild, the property that makes the build name it.
    /// </summary>
    public string WorkspaceFolder { get; private set; }

    /// <summary>The folder of the project analysed.</summary>
    public string ProjectDirectory => _project.Directory;

    /// <summary>The file in which each analysis names the workspace's development folder (the package's <c>_ApiRoutesWatchWorkspaceFolder</c>).</summary>
    public string WorkspaceFolderPath => Path.Combine(Folder, "workspace-folder.txt");

    /// <summary>After an analysis that named another <see cref="WorkspaceFolder"/> than the one before.</summary>
    public event Action<string>? WorkspaceFolderChanged;

    /// <summary>The pipe name of the compiler server the analyses compile with.</summary>
    public string CompilerServerPipe => _compilerServer.PipeName;

    /// <summary>Stops the compiler server the analyses used; called once the last analysis is over.</summary>
    public Task StopCompilerServerAsync() => _compilerServer.StopAsync();

    public bool TryStopBeforeCompile()
    {
        lock (_gateLock)
        {
            _stopped = true;
            return !_gateOpen || _gate.TryClose();
        }
    }

    public bool Compiling
    {
        get
        {
            lock (_gateLock)
            {
                return _gateOpen && _gate.IsPassed;
            }
        }
    }

    public async Task<RouteAnalysisResult> AnalyzeAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(_project.DotNet)
        {
            WorkingDirectory = _project.Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in Arguments())
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in start.Environment.Keys.Where(IsAppOnly).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        lock (_gateLock)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_stopped)
            {
                throw new OperationCanceledException("the app is stopping", cancellationToken);
            }

            _gate.Open();
            _gateOpen = true;
        }

        try
        {
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                await process.WaitForExitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
                throw;
            }
        }
        finally
        {
            lock (_gateLock)
            {
                _gateOpen = false;
            }
        }

        string text;
        lock (output)
        {
            text = output.ToString();
        }

        if (ReadInputs(InputsPath) is { } inputs)
        {
            InputsRead?.Invoke(inputs);
        }

        if (ReadWorkspaceFolder(WorkspaceFolderPath, _project.ProjectFile) is { } workspaceFolder && workspaceFolder != WorkspaceFolder)
        {
            WorkspaceFolder = workspaceFolder;
            WorkspaceFolderChanged?.Invoke(workspaceFolder);
        }

        var diagnostics = text.Split('\n').Select(BuildDiagnostic.Parse).OfType<BuildDiagnostic>().Distinct().ToList();
        if (process.ExitCode == 0 && File.Exists(ManifestPath))
        {
            return new RouteAnalysisResult(ManifestPath, diagnostics);
        }

        return new RouteAnalysisResult(null, diagnostics, Failure(process.ExitCode, diagnostics, text, MayReferenceProjects(_project.Directory)));
    }

    // Whether the project may reference another project (review 46f F2: every typo was told a referenced project might
    // need a restart, in a project that had none): no, when its restore's assets list no library of type project.
    internal static bool MayReferenceProjects(string projectDirectory)
    {
        try
        {
            var assets = Path.Combine(projectDirectory, "obj", "project.assets.json");
            return !File.Exists(assets) || File.ReadAllText(assets).Contains("\"type\": \"project\"", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return true;
        }
    }

    /// <summary>The paths listed in an inputs file (at most <paramref name="limit"/>), or null when there is none to read.</summary>
    internal static IReadOnlyList<string>? ReadInputs(string path, int limit = 100_000)
    {
        try
        {
            return [.. File.ReadLines(path).Select(line => line.Trim()).Where(line => line.Length > 0).Take(limit)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;   // not written (MSBuild failed before it), or gone: the folders watched stay as they were
        }
    }

    /// <summary>
    /// The folder a workspace-folder file names for <paramref name="projectFile"/>: two lines, the project file an
    /// analysis of which wrote it, this one, and a full path to a development folder (named apiroutes-watch) that exists
    /// (every build of the app makes it); or null — none written yet, written for another project (a project folder
    /// copied with its obj/ names the original's, review 49B F1), or anything else in it, which is never a folder to
    /// write to.
    /// </summary>
    internal static string? ReadWorkspaceFolder(string path, string projectFile)
    {
        try
        {
            // Opened, a FIFO without a writer blocks for good, and the app's start with it.
            if (UnixFileKind.IsSpecial(path))
            {
                return null;
            }

            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (BundleVerifier.ReadAtMost(file, MaxWorkspaceFolderBytes) is not { } bytes)
            {
                return null;
            }

            var lines = Encoding.UTF8.GetString(bytes).Trim().Split('\n', StringSplitOptions.TrimEntries);
            if (lines is not [var project, var folder] || !(Path.IsPathFullyQualified(project) && string.Equals(Path.GetFullPath(project), Path.GetFullPath(projectFile), PathComparison)))
            {
                return null;
            }

            return folder.Length > 0 && !folder.Any(char.IsControl) && folder.IndexOfAny(Path.GetInvalidPathChars()) < 0
                && Path.IsPathFullyQualified(folder) && Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)) is var full
                && string.Equals(Path.GetFileName(full), DevelopmentFolderName, PathComparison) && Directory.Exists(full)
                ? full
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null;
        }
    }

    private const int MaxWorkspaceFolderBytes = 8192;

    // The name of every development folder, $(BaseIntermediateOutputPath)apiroutes-watch (the package's _ApiRoutesDevelopmentFolder).
    private const string DevelopmentFolderName = "apiroutes-watch";

    private static readonly StringComparison PathComparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>Why an analysis gave no manifest, from its exit code, its diagnostics and its output.</summary>
    internal static string Failure(int exitCode, IReadOnlyList<BuildDiagnostic> diagnostics, string output, bool mayReferenceProjects = true)
    {
        var firstError = diagnostics.FirstOrDefault(d => d.IsError);
        return firstError is not null
            ? $"the project does not compile: {firstError}{(mayReferenceProjects && firstError.Code is "CS0103" or "CS0117" or "CS0234" or "CS0246" or "CS1061" ? ReferencedProjectHint : "")}"
            : exitCode == 0
                ? "the build wrote no route manifest (is ApiRoutesEnabled false in the project?)"
                : $"'dotnet msbuild -t:ApiRoutesWatchAnalyze' exited with {exitCode}: {Tail(output)}";
    }

    // A name the compile cannot find, where dotnet watch found it: hot reload applies a referenced project's change in
    // memory, and the analysis compiles against that project as dotnet watch last built it (review 16a F2).
    internal const string ReferencedProjectHint =
        ". If dotnet watch applied this change, the name may be one added to a referenced project, which the routes' analysis "
        + "sees only once dotnet watch builds it again: restart the app (Ctrl+R)";

    private IEnumerable<string> Arguments() =>
    [
        "msbuild", _project.ProjectFile, "-t:ApiRoutesWatchAnalyze", "-nologo", "-nodeReuse:false", "-tl:off", "-v:q",
        "-clp:NoSummary;ForceNoAlign;DisableConsoleColor",
        $"-p:Configuration={_project.Configuration}",
        $"-p:TargetFramework={_project.TargetFramework}",
        $"-p:_ApiRoutesWatchFolder={MSBuildValue.Escape(Folder + Path.DirectorySeparatorChar)}",
        $"-p:_ApiRoutesWatchProject={MSBuildValue.Escape(_project.ProjectFile)}",
        $"-p:_ApiRoutesWatchCompilerServerFile={MSBuildValue.Escape(_compilerServer.PathFile)}",
        $"-p:_ApiRoutesWatchCompileGate={MSBuildValue.Escape(_gate.Path)}",
        .. _compilerServer.BuildArguments,
        // Referenced projects keep the outputs dotnet watch built; only the app's routes are analysed.
        "-p:BuildProjectReferences=false",
        // The analysis reads the assembly's metadata, nothing an analyzer or the nullable analysis adds: the compile
        // skips them, as Visual Studio's builds before a run or a test do (source generators still run).
        "-p:IsImplicitlyTriggeredBuild=true",
        "-p:OptimizeImplicitlyTriggeredBuild=true",
        "-p:ApiRoutesReportFile=",
        // Generated sources written into the project folder (CompilerGeneratedFilesOutputPath=Generated) would be saves
        // of the folder at every compile, each starting the next analysis (review 16d F3): the analysis writes none.
        "-p:EmitCompilerGeneratedFiles=false",
    ];

    private static bool IsAppOnly(string name) =>
        AppOnlyVariables.Contains(name, StringComparer.OrdinalIgnoreCase) || name.StartsWith("ASPNETCORE_AUTO_RELOAD", StringComparison.OrdinalIgnoreCase);

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Tail(string text)
    {
        var trimmed = text.Trim();
        return trimmed.Length == 0 ? "(no output)" : trimmed.Length <= 2000 ? trimmed : "…" + trimmed[^2000..];
    }
}
