using System.CommandLine;

namespace ApiRoutes.Cli.Commands;

/// <summary>
/// <c>apiroutes validate [PROJECT]</c>: the CI check, the same as <c>dotnet build -t:ApiRoutesValidate</c>. Exit 0
/// when routes and schedules are valid, 1 with the coded diagnostics otherwise.
/// </summary>
internal static class ValidateCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var project = new Argument<string?>("PROJECT") { Description = "The project file, its folder, or a solution (default: the current folder).", Arity = ArgumentArity.ZeroOrOne };
        var report = new Option<string?>("--report") { Description = "Also write a SARIF 2.1.0 report of the diagnostics to this file." };
        var command = new Command("validate", "Build the project and check its routes and schedules; print each schedule's next runs (UTC). Exit code 0 or 1.") { project, report };
        command.SetAction(parse => CommandRunner.Run(error, () =>
        {
            var file = ProjectFinder.Find(parse.GetValue(project));
            var properties = new Dictionary<string, string>();
            if (parse.GetValue(report) is { } reportFile)
            {
                properties["ApiRoutesReportFile"] = Path.GetFullPath(reportFile);
            }

            if (ProjectBuilder.Build(file, ["ApiRoutesValidate"], properties, showMessages: true, output) is null)
            {
                error.WriteLine($"apiroutes: validation of '{file}' failed.");
                return 1;
            }

            return 0;
        }));
        return command;
    }
}
