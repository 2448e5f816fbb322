using System.CommandLine;
using ApiRoutes.Cli.Commands;

namespace ApiRoutes.Cli;

/// <summary>The <c>apiroutes</c> command.</summary>
internal static class Program
{
    public static Task<int> Main(string[] args) => CreateRootCommand(Console.Out, Console.Error).Parse(args).InvokeAsync();

    internal static RootCommand CreateRootCommand(TextWriter output, TextWriter error)
    {
        var root = new RootCommand("ApiRoutes: list and validate a project's routes and schedules, invoke routes, serve a deploy bundle.");
        root.Subcommands.Add(RoutesCommand.Create(output, error));
        root.Subcommands.Add(ValidateCommand.Create(output, error));
        root.Subcommands.Add(InvokeCommand.Create(output, error));
        root.Subcommands.Add(ServeCommand.Create(output, error));
        return root;
    }
}
