using System.CommandLine;
using ApiRoutes.Cli.Commands;

namespace ApiRoutes.Cli;

/// <summary>The <c>apiroutes</c> command.</summary>
internal static class Program
{
    // No response files: '@daily' is a schedule, not a file of arguments.
    internal static readonly ParserConfiguration Configuration = new() { ResponseFileTokenReplacer = null };

    public static Task<int> Main(string[] args) => RunAsync(args, Console.Out, Console.Error, Console.In);

    /// <summary>
    /// Parses and runs a command line. A command line that does not parse is one line on standard error and exit code
    /// 1, like every other failure (System.CommandLine would print its errors and the whole help text).
    /// </summary>
    /// <remarks>
    /// Every command reads the time from <paramref name="time"/> (the system's clock by default), so a test can step
    /// <c>invoke --wait</c>'s polls and timeout instead of waiting for them.
    /// </remarks>
    internal static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, TextReader? input = null, TimeProvider? time = null)
    {
        var root = CreateRootCommand(output, error, input, time);
        var parse = root.Parse(args, Configuration);
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

    internal static RootCommand CreateRootCommand(TextWriter output, TextWriter error, TextReader? input = null, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var root = new RootCommand("ApiRoutes: list and validate a project's routes and schedules, check schedules, invoke routes, serve a deploy bundle.");
        root.Subcommands.Add(RoutesCommand.Create(output, error, time));
        root.Subcommands.Add(ValidateCommand.Create(output, error));
        root.Subcommands.Add(ScheduleCommand.Create(output, error, input ?? Console.In, time));
        root.Subcommands.Add(InvokeCommand.Create(output, error, time));
        root.Subcommands.Add(RunsCommand.Create(output, error));
        root.Subcommands.Add(ServeCommand.Create(output, error, time));
        return root;
    }
}
