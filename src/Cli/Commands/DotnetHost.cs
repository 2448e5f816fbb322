namespace ApiRoutes.Cli.Commands;

/// <summary>
/// The <c>dotnet</c> that <c>apiroutes serve</c> runs the verified app with, always by its absolute path. A bare
/// "dotnet" would be looked up by <see cref="System.Diagnostics.Process"/> in the folder of the running executable and
/// then in the <b>current folder</b> before PATH: run through its apphost or the global-tool shim, serve would start a
/// file named <c>dotnet</c> in whatever folder the operator happened to be in. So: <c>DOTNET_HOST_PATH</c> when it is
/// absolute and a file; else this process's own host when it is dotnet; else <c>DOTNET_ROOT</c>; else PATH's absolute
/// entries, never a relative entry nor the current folder.
/// </summary>
internal static class DotnetHost
{
    private static readonly string FileName = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";

    /// <param name="environment">Reads an environment variable (the process's own, or a test's).</param>
    /// <param name="processPath">The running executable (<see cref="Environment.ProcessPath"/>).</param>
    /// <returns>The absolute path of the host, or null when none was found.</returns>
    public static string? Find(Func<string, string?> environment, string? processPath)
    {
        if (environment("DOTNET_HOST_PATH") is { } hostPath && IsFile(hostPath))
        {
            return hostPath;
        }

        if (processPath is not null && string.Equals(Path.GetFileName(processPath), FileName, StringComparison.OrdinalIgnoreCase) && IsFile(processPath))
        {
            return processPath;
        }

        var folders = new[] { environment("DOTNET_ROOT") }.Concat((environment("PATH") ?? "").Split(Path.PathSeparator));
        return folders
            .Where(folder => !string.IsNullOrEmpty(folder) && Path.IsPathFullyQualified(folder))
            .Select(folder => Path.Join(folder, FileName))
            .FirstOrDefault(IsFile);
    }

    /// <exception cref="CommandException">No host was found.</exception>
    public static string Require(Func<string, string?> environment, string? processPath) =>
        Find(environment, processPath) ?? throw new CommandException(
            $"no '{FileName}' was found to run the app with: set DOTNET_HOST_PATH to its full path, or DOTNET_ROOT to the folder that holds it, "
            + "or put that folder on PATH as an absolute path (relative PATH entries and the current folder are never searched).");

    private static bool IsFile(string path) => Path.IsPathFullyQualified(path) && File.Exists(path);
}
