using System.CommandLine;
using ApiRoutes.Cli.Commands;

namespace ApiRoutes.Cli;

/// <summary>The <c>apiroutes</c> command.</summary>
internal static class Program
{
    // No response files: '@daily' is a schedule, not a file of arguments.
    internal static readonly ParserConfiguration Configuration = new() { ResponseFileTokenReplacer = null };

    public static Task<int> Main(string[] args) => Parse(args, Console.Out, Console.Error, Console.In).InvokeAsync();

    internal static ParseResult Parse(string[] args, TextWriter output, TextWriter error, TextReader? input = null) =>
        CreateRootCommand(output, error, input).Parse(args, Configuration);

    internal static RootCommand CreateRootCommand(TextWriter output, TextWriter error, TextReader? input = null)
    {
        var root = new RootCommand("ApiRoutes: list and validate a project's routes and schedules, check schedules, invoke routes, serve a deploy bundle.");
        root.Subcommands.Add(RoutesCommand.Create(output, error));
        root.Subcommands.Add(ValidateCommand.Create(output, error));
        root.Subcommands.Add(ScheduleCommand.Create(output, error, input ?? Console.In));
        root.Subcommands.Add(InvokeCommand.Create(output, error));
        root.Subcommands.Add(ServeCommand.Create(output, error));
        return root;
    }
}
