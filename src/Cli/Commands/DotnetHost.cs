using ApiRoutes.Hosting;

namespace ApiRoutes.Cli.Commands;

/// <summary>
/// The <c>dotnet</c> that <c>apiroutes serve</c> runs the verified app with, always by its absolute path
/// (<see cref="DotnetHostPath"/>: never a file named <c>dotnet</c> in the operator's current folder).
/// </summary>
internal static class DotnetHost
{
    public static string? Find(Func<string, string?> environment, string? processPath) => DotnetHostPath.Find(environment, processPath);

    /// <exception cref="CommandException">No host was found.</exception>
    public static string Require(Func<string, string?> environment, string? processPath) =>
        Find(environment, processPath) ?? throw new CommandException(
            $"no '{DotnetHostPath.FileName}' was found to run the app with: set DOTNET_HOST_PATH to its full path, or DOTNET_ROOT to the folder that holds it, "
            + "or put that folder on PATH as an absolute path (relative PATH entries and the current folder are never searched).");
}
