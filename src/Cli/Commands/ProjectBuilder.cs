using System.Runtime.CompilerServices;
using Microsoft.Build.Locator;

namespace ApiRoutes.Cli.Commands;

/// <summary>
/// Builds and reads projects in this process with the SDK's own MSBuild, found by Microsoft.Build.Locator. MSBuild
/// types are only touched in <see cref="MSBuildRunner"/> and <see cref="SolutionProjects"/>, after registration, as the
/// Locator requires.
/// </summary>
internal static class ProjectBuilder
{
    private static readonly Lock Gate = new();

    /// <summary>Restores, then runs the targets; returns the manifest path when the build succeeded, else null.</summary>
    /// <exception cref="CommandException">The project is not an app that references ApiRoutes.</exception>
    public static string? Build(string projectFile, string[] targets, IReadOnlyDictionary<string, string> properties, bool showMessages, TextWriter output)
    {
        EnsureMSBuild();
        return Run(projectFile, targets, properties, showMessages, output);
    }

    /// <summary>The projects of a solution that are apps referencing ApiRoutes.</summary>
    public static IReadOnlyList<string> RouteHostsOf(string solutionFile)
    {
        EnsureMSBuild();
        return ReadSolution(solutionFile);
    }

    private static void EnsureMSBuild()
    {
        lock (Gate)
        {
            if (MSBuildLocator.IsRegistered)
            {
                return;
            }

            if (!MSBuildLocator.QueryVisualStudioInstances().Any())
            {
                throw new CommandException("No .NET SDK was found to build with. Install the .NET 10 SDK, or set DOTNET_ROOT to where it is.");
            }

            MSBuildLocator.RegisterDefaults();
        }
    }

    // Separate methods: the JIT must not load Microsoft.Build before the Locator has registered it.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static string? Run(string projectFile, string[] targets, IReadOnlyDictionary<string, string> properties, bool showMessages, TextWriter output) =>
        MSBuildRunner.Build(projectFile, targets, properties, showMessages, output);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IReadOnlyList<string> ReadSolution(string solutionFile) => SolutionProjects.RouteHosts(solutionFile);
}
