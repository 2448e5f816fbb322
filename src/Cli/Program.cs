using System.CommandLine;
using ApiRoutes.Cli.Commands;

namespace ApiRoutes.Cli;

/// <summary>The <c>apiroutes</c> command.</summary>
internal static class Program
{
    public static Task<int> Main(string[] args) => RunAsync(args, Console.Out, Console.Error);

    /// <summary>
    /// Parses and runs a command line. A command line that does not parse is one line on standard error and exit code
    /// 1, like every other failure (System.CommandLine would print its errors and the whole help text).
    /// </summary>
    internal static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var root = CreateRootCommand(output, error);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            var command = parse.CommandResult.Command;
            var help = command == root ? "apiroutes --help" : $"apiroutes {command.Name} --help";
            var messages = string.Join(" ", parse.Errors.Select(e => CommandRunner.Flatten(e.Message)));
            await error.WriteLineAsync($"apiroutes: {messages} See '{help}'.");
            return 1;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
    }

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
