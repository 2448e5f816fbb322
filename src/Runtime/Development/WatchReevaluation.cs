using System.Globalization;

namespace ApiRoutes.Development;

/// <summary>
/// Makes dotnet watch read the project again, so that its hot reload applies a handler file its last restart missed
/// (<see cref="RestartMiss"/>; review 46f F3, 47A F1): by rewriting a file the project imports under dotnet watch only,
/// <c>reevaluate.props</c> of the development folder. dotnet watch reads the project again when a file it imported
/// changes, and then applies the missed file as added (dotnet-watch 10's <c>HotReloadDotNetWatcher</c>: a change of one
/// of the project graph's import paths is a re-evaluation). The package's targets import the file only in dotnet watch's
/// evaluation of the project and create it, empty, in dotnet watch's builds; each restart builds before it reads the
/// project, so the file is among what it read.
/// </summary>
/// <param name="path">The file: <c>reevaluate.props</c> in the workspace's development folder (<see cref="ProjectAnalysis.WorkspaceFolder"/>).</param>
/// <param name="time">The clock whose time each rewrite writes (its bytes then differ from any earlier one).</param>
internal sealed class WatchReevaluation(string path, TimeProvider time)
{
    /// <summary>The file's name in the development folder (the package's <c>_ApiRoutesReevaluateFile</c>).</summary>
    public const string FileName = "reevaluate.props";

    private int _requests;
    private volatile string _path = path;

    /// <summary>The file this rewrites; set again when an analysis finds the workspace reads another folder (<see cref="ProjectAnalysis.WorkspaceFolderChanged"/>).</summary>
    public string Path
    {
        get => _path;
        set => _path = value;
    }

    /// <summary>
    /// Rewrites the file with other bytes (an MSBuild project that defines nothing). False when there is no such file to
    /// rewrite — dotnet watch then imports none (a build by an older package, or not by dotnet watch), and a file made
    /// now would be one it ignores (obj/ is outside its watch) — or when it cannot be written.
    /// </summary>
    public bool Request()
    {
        var path = _path;
        if (!File.Exists(path))
        {
            return false;
        }

        var request = Interlocked.Increment(ref _requests);
        try
        {
            FileReplacement.Write(path, string.Create(
                CultureInfo.InvariantCulture,
                $"<!-- ApiRoutes under dotnet watch: the app rewrites this file to make dotnet watch read the project again (request {request} of process {Environment.ProcessId}, {time.GetUtcNow():O}). -->\n<Project />\n"));
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
