namespace ApiRoutes.Hosting;

/// <summary>
/// The <c>dotnet</c> host to start a process with, always by its absolute path. A bare "dotnet" would be looked up by
/// <see cref="System.Diagnostics.Process"/> in the folder of the running executable and then in the <b>current
/// folder</b> before PATH, so a file named <c>dotnet</c> wherever the user happened to be would run. So:
/// <c>DOTNET_HOST_PATH</c> when it is absolute and a file; else this process's own host when it is dotnet; else
/// <c>DOTNET_ROOT</c>; else PATH's absolute entries, never a relative entry nor the current folder. Used by
/// <c>apiroutes serve</c> and by the development loop's analysis.
/// </summary>
internal static class DotnetHostPath
{
    private static readonly string Name = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";

    /// <summary>The host's file name on this OS.</summary>
    public static string FileName => Name;

    /// <param name="environment">Reads an environment variable (the process's own, or a test's).</param>
    /// <param name="processPath">The running executable (<see cref="Environment.ProcessPath"/>).</param>
    /// <returns>The absolute path of the host, or null when none was found.</returns>
    public static string? Find(Func<string, string?> environment, string? processPath)
    {
        if (environment("DOTNET_HOST_PATH") is { } hostPath && IsFile(hostPath))
        {
            return hostPath;
        }

        if (processPath is not null && string.Equals(Path.GetFileName(processPath), Name, StringComparison.OrdinalIgnoreCase) && IsFile(processPath))
        {
            return processPath;
        }

        var folders = new[] { environment("DOTNET_ROOT") }.Concat((environment("PATH") ?? "").Split(Path.PathSeparator));
        return folders
            .Where(folder => !string.IsNullOrEmpty(folder) && Path.IsPathFullyQualified(folder))
            .Select(folder => Path.Join(folder, Name))
            .FirstOrDefault(IsFile);
    }

    private static bool IsFile(string path) => Path.IsPathFullyQualified(path) && File.Exists(path);
}
