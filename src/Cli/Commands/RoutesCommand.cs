using System.CommandLine;
using ApiRoutes.Manifest;

namespace ApiRoutes.Cli.Commands;

/// <summary><c>apiroutes routes [PROJECT]</c>: builds the project and prints its route table.</summary>
internal static class RoutesCommand
{
    public static Command Create(TextWriter output, TextWriter error, TimeProvider time)
    {
        var project = new Argument<string?>("PROJECT") { Description = "The project file, its folder, or a solution (default: the current folder).", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("routes", "Build the project and list its routes: path, kind, schedule and next runs (UTC), handler, source file:line.") { project };
        command.SetAction(parse => CommandRunner.Run(error, () =>
        {
            var file = ProjectFinder.Find(parse.GetValue(project));
            var manifestPath = ProjectBuilder.Build(file, ["Build"], new Dictionary<string, string>(), showMessages: false, output)!;
            if (!File.Exists(manifestPath))
            {
                throw new CommandException($"The build of '{file}' wrote no route manifest at '{manifestPath}'.");
            }

            output.Write(RouteTable.Format(ManifestJson.Deserialize(File.ReadAllText(manifestPath)), time.GetUtcNow().UtcDateTime));
            return 0;
        }));
        return command;
    }
}
