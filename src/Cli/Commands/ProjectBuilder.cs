using System.Runtime.CompilerServices;
using Microsoft.Build.Locator;

namespace ApiRoutes.Cli.Commands;

/// <summary>
/// Builds a project in this process with the SDK's own MSBuild, found by Microsoft.Build.Locator. MSBuild types are
/// only touched in <see cref="MSBuildRunner"/>, after registration, as the Locator requires.
/// </summary>
internal static class ProjectBuilder
{
    private static readonly Lock Gate = new();

    /// <summary>The project file: the path itself, or the one project file in the folder.</summary>
    /// <exception cref="CommandException">No project, or several.</exception>
    public static string FindProject(string? path)
    {
        var target = Path.GetFullPath(path ?? Directory.GetCurrentDirectory());
        if (File.Exists(target))
        {
            return target;
        }

        if (!Directory.Exists(target))
        {
            throw new CommandException($"'{target}' does not exist. Pass a project file or its folder.");
        }

        var projects = Directory.GetFiles(target, "*.csproj").Order(StringComparer.Ordinal).ToArray();
        return projects.Length switch
        {
            1 => projects[0],
            0 => throw new CommandException($"There is no .csproj in '{target}'. Pass a project file or its folder."),
            _ => throw new CommandException($"'{target}' holds several projects ({string.Join(", ", projects.Select(Path.GetFileName))}); pass one of them."),
        };
    }

    /// <summary>Restores, then runs the targets; returns the manifest path when the build succeeded, else null.</summary>
    public static string? Build(string projectFile, string[] targets, IReadOnlyDictionary<string, string> properties, bool showMessages, TextWriter output)
    {
        lock (Gate)
        {
            if (!MSBuildLocator.IsRegistered)
            {
                MSBuildLocator.RegisterDefaults();
            }
        }

        return Run(projectFile, targets, properties, showMessages, output);
    }

    // Separate method: the JIT must not load Microsoft.Build before the Locator has registered it.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static string? Run(string projectFile, string[] targets, IReadOnlyDictionary<string, string> properties, bool showMessages, TextWriter output) =>
        MSBuildRunner.Build(projectFile, targets, properties, showMessages, output);
}

/// <summary>A failure the user can fix; its message is printed without a stack trace and the exit code is 1.</summary>
internal sealed class CommandException(string message) : Exception(message);
