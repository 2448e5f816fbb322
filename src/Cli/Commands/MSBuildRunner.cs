using ApiRoutes.Text;
using Microsoft.Build.Execution;
using Microsoft.Build.Framework;
using Microsoft.Build.Logging;

namespace ApiRoutes.Cli.Commands;

/// <summary>The MSBuild side of <see cref="ProjectBuilder"/>: restore, build, and read where the manifest went.</summary>
internal static class MSBuildRunner
{
    /// <returns>The manifest path; null when the build failed and its diagnostics were shown.</returns>
    /// <exception cref="CommandException">The build failed and its diagnostics were not shown: the first one says why.</exception>
    public static string? Build(string projectFile, string[] targets, IReadOnlyDictionary<string, string> properties, bool showMessages, TextWriter output)
    {
        // Shown, diagnostics print as the CLI prints them: "File.cs(6,17): error AR4001: ..." (CI systems annotate
        // that). Not shown, the first error is kept for the one line that reports the failure.
        var firstError = new FirstErrorLogger();
        ILogger logger = showMessages ? new ConsoleLogger(LoggerVerbosity.Minimal, output.Write, _ => { }, () => { }) : firstError;
        var parameters = new BuildParameters { Loggers = [logger], EnableNodeReuse = false, MaxNodeCount = 1 };
        string? Failed() => showMessages
            ? null
            : throw new CommandException(
                $"The build of '{projectFile}' failed. {Sentence(firstError.Error ?? "MSBuild reported no error")} Run 'apiroutes validate' for every diagnostic.");
        var global = new Dictionary<string, string?>(properties.ToDictionary(p => p.Key, p => (string?)p.Value));

        var restoreProperties = new Dictionary<string, string?>(global)
        {
            ["MSBuildRestoreSessionId"] = Guid.NewGuid().ToString("D"),
            ["ExcludeRestorePackageImports"] = "true",
        };
        var restore = BuildManager.DefaultBuildManager.Build(
            parameters,
            new BuildRequestData(projectFile, restoreProperties, null, ["Restore"], null, BuildRequestDataFlags.ClearCachesAfterBuild));
        if (restore.OverallResult != BuildResultCode.Success)
        {
            return Failed();
        }

        var instance = new ProjectInstance(projectFile, global, null);
        EnsureRouteHost(instance, projectFile, global, targets.Contains("ApiRoutesValidate") ? "validate" : "routes");
        var result = BuildManager.DefaultBuildManager.Build(parameters, new BuildRequestData(instance, targets));
        if (result.OverallResult != BuildResultCode.Success)
        {
            return Failed();
        }

        var manifest = instance.GetPropertyValue("_ApiRoutesManifestPath");
        return manifest.Length > 0 ? manifest : Path.Combine(instance.GetPropertyValue("TargetDir"), "apiroutes.manifest.json");
    }

    private static string Sentence(string text) => text.EndsWith('.') ? text : text + ".";

    // After the restore the package's props are imported, so its properties say whether it is there and switched on.
    private static void EnsureRouteHost(ProjectInstance project, string projectFile, Dictionary<string, string?> global, string command)
    {
        var enabled = project.GetPropertyValue("ApiRoutesEnabled");
        var testProject = MSBuildBoolean.IsTrue(project.GetPropertyValue("IsTestProject"));
        if ((enabled.Length == 0 || testProject) && ReferencedApp(project, global) is { } app)
        {
            // A test project references the app it tests (review 28c F9: it was told to add the package, which would make
            // it a second app).
            var relative = Path.GetRelativePath(Environment.CurrentDirectory, app);
            throw new CommandException(
                $"'{projectFile}' has no routes of its own{(testProject ? ": it is a test project" : "")}; the app it "
                + $"references, '{app}', has them: run  apiroutes {command} {Terminal.Safe(ShellWords.Word(relative))}");
        }

        if (testProject)
        {
            throw new CommandException($"'{projectFile}' is a test project: it has no routes of its own. Pass the app it tests.");
        }

        if (enabled.Length == 0)
        {
            throw new CommandException(
                $"'{projectFile}' does not reference the ApiRoutes package, so it has no routes. Add "
                + "<PackageReference Include=\"ApiRoutes\" Version=\"...\" /> to it, or pass the project that has it.");
        }

        if (!ProjectKind.IsApp(project.GetPropertyValue("OutputType"), isTestProject: ""))
        {
            throw new CommandException(
                $"'{projectFile}' is a class library: its handlers are not routes, because ApiRoutes serves the handlers "
                + "compiled into the app that runs. Pass the web project, and move the handlers into it.");
        }

        if (!MSBuildBoolean.IsTrue(enabled))
        {
            throw new CommandException($"'{projectFile}' sets ApiRoutesEnabled to '{enabled}', so its build writes no route manifest.");
        }
    }

    // The first project it references that hosts routes (the ApiRoutes package, an executable), or null.
    private static string? ReferencedApp(ProjectInstance project, Dictionary<string, string?> global)
    {
        foreach (var reference in project.GetItems("ProjectReference").Take(16))
        {
            var path = Path.GetFullPath(reference.EvaluatedInclude, project.Directory);
            try
            {
                var referenced = new ProjectInstance(path, global, null);
                if (referenced.GetPropertyValue("ApiRoutesEnabled").Length > 0 && ProjectKind.IsApp(referenced.GetPropertyValue("OutputType"), referenced.GetPropertyValue("IsTestProject")))
                {
                    return path;
                }
            }
            catch (Exception e) when (e is Microsoft.Build.Exceptions.InvalidProjectFileException or IOException or UnauthorizedAccessException)
            {
                // Not a project that can be read: not the app.
            }
        }

        return null;
    }

}
