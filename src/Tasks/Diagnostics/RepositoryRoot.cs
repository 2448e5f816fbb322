namespace ApiRoutes.Tasks.Diagnostics;

/// <summary>
/// The folder a SARIF report's paths are relative to: the one given (<c>ApiRoutesRepositoryRoot</c>), else the git
/// repository the project is in — the nearest folder up with a <c>.git</c> folder, or a <c>.git</c> file as a worktree
/// or submodule has — which is what code scanning resolves paths against; else the project folder.
/// </summary>
internal static class RepositoryRoot
{
    // Deep enough for any real checkout; bounded so that a strange file system cannot loop.
    private const int MaxLevels = 64;

    public static string Find(string? configured, string projectDirectory)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.GetFullPath(configured, projectDirectory);
        }

        var folder = new DirectoryInfo(Path.GetFullPath(projectDirectory));
        for (var level = 0; folder is not null && level < MaxLevels; level++, folder = folder.Parent)
        {
            var git = Path.Combine(folder.FullName, ".git");
            if (Directory.Exists(git) || File.Exists(git))
            {
                return folder.FullName;
            }
        }

        return Path.GetFullPath(projectDirectory);
    }
}
