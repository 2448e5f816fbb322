using System.Globalization;

namespace ApiRoutes.Development;

/// <summary>
/// Tells the handler files that dotnet watch's last restart missed, for the message of the routes left out once hot
/// reload has not applied their types (review 46f F3, 47A F1). dotnet watch restarts the app by building the project,
/// then reading the project's files, starting the app and only then watching again (dotnet-watch 10's
/// <c>HotReloadDotNetWatcher</c>): a file saved meanwhile is either in the files it read, so that it takes the file as
/// compiled and no save of it is ever a change hot reload applies ("No managed code changes to apply"), or in none, so
/// that a save of it is an update of a file it does not know. Either way only a restart, whose build compiles it,
/// serves it; the message blamed a folder linked or moved in, and advised saving the file again, which does not help.
/// </summary>
/// <remarks>
/// A file of the project folder itself (not through a link, not outside it) written after the running app's assembly
/// was built cannot be in that assembly; one saved while dotnet watch watches is added or updated by hot reload within
/// seconds. So such a file whose type is still not applied after <see cref="RouteRefresher.HotReloadWait"/> is one the
/// restart missed. A folder moved into the project keeps its files' older times, and keeps the general message.
/// </remarks>
/// <param name="projectDirectory">The project folder (the manifest's source files are relative to it).</param>
/// <param name="builtAtUtc">When the running app's assembly was written by its build.</param>
/// <param name="linkedFolders">The symbolic links to folders in the project, as the watch knows them now.</param>
internal sealed class RestartMiss(string projectDirectory, DateTime builtAtUtc, Func<IEnumerable<string>> linkedFolders)
{
    /// <summary>For the app's entry assembly, or null where its file is not found (single file, renamed).</summary>
    public static RestartMiss? ForEntryAssembly(string projectDirectory, Func<IEnumerable<string>> linkedFolders)
    {
        // By name beside the app (Assembly.Location is empty in a single-file app; dotnet watch never runs one).
        var name = System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name;
        var location = name is null ? null : Path.Combine(AppContext.BaseDirectory, name + ".dll");
        return location is null || !File.Exists(location)
            ? null
            : new RestartMiss(projectDirectory, File.GetLastWriteTimeUtc(location), linkedFolders);
    }

    /// <summary>
    /// What to tell of <paramref name="files"/> (as the manifest names them) when dotnet watch's last restart missed
    /// every one of them — each with the time it was saved, and the build's — or null when it did not miss them all
    /// (the general message then stands, which also says to restart).
    /// </summary>
    public string? Describe(IReadOnlyList<string> files)
    {
        if (files.Count == 0)
        {
            return null;
        }

        var linked = linkedFolders().ToList();
        var missed = new List<string>();
        foreach (var file in files)
        {
            var path = Path.GetFullPath(Path.Combine(projectDirectory, file));
            var relative = Path.GetRelativePath(projectDirectory, path);
            DateTime written;
            try
            {
                var info = new FileInfo(path);
                if (relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) || !info.Exists || info.LinkTarget is not null
                    || linked.Any(folder => path.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
                {
                    return null;
                }

                written = info.LastWriteTimeUtc;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                return null;
            }

            if (written <= builtAtUtc)
            {
                return null;
            }

            missed.Add(string.Create(CultureInfo.InvariantCulture, $"{relative} (saved at {written:HH:mm:ss} UTC)"));
        }

        return string.Create(CultureInfo.InvariantCulture, $"{string.Join(", ", missed)}, after the build of the running app ({builtAtUtc:HH:mm:ss} UTC)");
    }
}
