using System.Reflection;
using System.Runtime.Versioning;
using ApiRoutes.Hosting;

namespace ApiRoutes.Development;

/// <summary>
/// The app's project as <c>dotnet watch</c> runs it: its folder is the content root (the working folder dotnet watch
/// starts the app in), its configuration and target framework those the running assembly was built with.
/// </summary>
internal sealed record ProjectLocation(string ProjectFile, string Configuration, string TargetFramework, string DotNet)
{
    public string Directory => Path.GetDirectoryName(ProjectFile)!;

    /// <summary>The one project file in <paramref name="contentRoot"/>, or the one named after the app; null otherwise.</summary>
    public static ProjectLocation? Find(string contentRoot, string applicationName, Assembly? entryAssembly)
    {
        if (!System.IO.Directory.Exists(contentRoot))
        {
            return null;
        }

        var projects = System.IO.Directory.GetFiles(contentRoot, "*.csproj");
        var project = projects.Length == 1
            ? projects[0]
            : projects.FirstOrDefault(p => string.Equals(Path.GetFileNameWithoutExtension(p), applicationName, StringComparison.Ordinal));
        if (project is null)
        {
            return null;
        }

        var configuration = entryAssembly?.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration is { Length: > 0 } c ? c : "Debug";
        var framework = entryAssembly?.GetCustomAttribute<TargetFrameworkAttribute>()?.FrameworkName;
        // Never a bare "dotnet", which would be looked up in the current folder first; dotnet watch sets DOTNET_HOST_PATH.
        var dotnet = DotnetHostPath.Find(Environment.GetEnvironmentVariable, Environment.ProcessPath) ?? DotnetHostPath.FileName;
        return new ProjectLocation(Path.GetFullPath(project), configuration, ShortName(framework) ?? "net" + Environment.Version.ToString(2), dotnet);
    }

    // ".NETCoreApp,Version=v10.0" -> "net10.0", as the project file writes it.
    internal static string? ShortName(string? frameworkName)
    {
        const string prefix = ".NETCoreApp,Version=v";
        return frameworkName is not null && frameworkName.StartsWith(prefix, StringComparison.Ordinal) ? "net" + frameworkName[prefix.Length..] : null;
    }
}
