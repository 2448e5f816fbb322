using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace ApiRoutes.Tasks;

/// <summary>
/// Where each of the files that is a symbolic link leads, for dotnet watch's <c>Watch</c> items: while the app is down
/// after a restart whose build failed, dotnet watch waits for a change of a file it watches, and the package's item named
/// a linked <c>apiroutes.yaml</c> by the link only, so fixing the file it leads to did not rebuild (review 35a F6).
/// </summary>
public sealed class ResolveApiRoutesLinks : ApiRoutesTask
{
    /// <summary>The files; those that are not symbolic links, or whose file is not there, give nothing.</summary>
    [Required]
    public ITaskItem[] Files { get; set; } = [];

    /// <summary>The full path of the file each symbolic link leads to, through every link on the way.</summary>
    [Output]
    public ITaskItem[] Targets { get; private set; } = [];

    private protected override void ExecuteCore() =>
        Targets = [.. Files.Select(file => Target(file.GetMetadata("FullPath"))).OfType<string>().Distinct(StringComparer.Ordinal).Select(path => new TaskItem(path))];

    private static string? Target(string path)
    {
        try
        {
            return new FileInfo(path) is { LinkTarget: not null } link && link.ResolveLinkTarget(returnFinalTarget: true) is { Exists: true } target
                ? target.FullName
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;   // a loop of links, no right to a folder on the way: the link alone is watched
        }
    }
}
