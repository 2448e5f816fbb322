using ApiRoutes.Text;
using Microsoft.Build.Construction;
using Microsoft.Build.Evaluation;
using Microsoft.Build.Exceptions;

namespace ApiRoutes.Cli.Commands;

/// <summary>
/// The MSBuild side of finding a project from a solution: MSBuild's own parser reads the <c>.sln</c> or <c>.slnx</c>,
/// and each project is evaluated (not built, not restored) to see whether it is an app that references ApiRoutes.
/// </summary>
internal static class SolutionProjects
{
    public static IReadOnlyList<string> RouteHosts(string solutionFile)
    {
        SolutionFile solution;
        try
        {
            solution = SolutionFile.Parse(solutionFile);
        }
        catch (InvalidProjectFileException e)
        {
            throw new CommandException($"The solution '{solutionFile}' cannot be read: {e.BaseMessage}");
        }

        using var collection = new ProjectCollection();
        return [.. solution.ProjectsInOrder
            .Where(project => project.ProjectType == SolutionProjectType.KnownToBeMSBuildFormat && File.Exists(project.AbsolutePath))
            .Select(project => project.AbsolutePath)
            .Where(path => IsRouteHost(collection, path))
            .Order(StringComparer.Ordinal)];
    }

    private static bool IsRouteHost(ProjectCollection collection, string path)
    {
        Project project;
        try
        {
            // Before a restore the package's own props are not imported yet: its PackageReference is what shows.
            project = new Project(path, null, null, collection, ProjectLoadSettings.IgnoreMissingImports | ProjectLoadSettings.IgnoreInvalidImports | ProjectLoadSettings.IgnoreEmptyImports);
        }
        catch (InvalidProjectFileException)
        {
            // A project that does not load is not the one to list; the build of the one chosen says what is wrong.
            return false;
        }

        var referencesApiRoutes = project.GetPropertyValue("ApiRoutesEnabled").Length > 0
            || project.GetItems("PackageReference").Any(item => string.Equals(item.EvaluatedInclude, "ApiRoutes", StringComparison.OrdinalIgnoreCase));
        return referencesApiRoutes && ProjectKind.IsApp(project.GetPropertyValue("OutputType"), project.GetPropertyValue("IsTestProject"));
    }
}

/// <summary>What kind of output a project has.</summary>
internal static class ProjectKind
{
    /// <summary>
    /// An app runs, so it can host routes; a class library (<c>OutputType</c> Library) cannot, nor a test project, an
    /// executable only by the test SDK's entry point (the package's targets treat it so too).
    /// </summary>
    public static bool IsApp(string outputType, string isTestProject) =>
        (string.Equals(outputType, "Exe", StringComparison.OrdinalIgnoreCase) || string.Equals(outputType, "WinExe", StringComparison.OrdinalIgnoreCase))
        && !MSBuildBoolean.IsTrue(isTestProject);
}
