using System.CommandLine;
using System.CommandLine.Parsing;
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
        if (UnknownWord(parse, root) is { } unknown)
        {
            await error.WriteLineAsync($"apiroutes: {unknown}");
            return 1;
        }

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

    /// <summary>
    /// A command that does not exist, or an option the command does not have, named as such (review 28c F10): System.CommandLine
    /// took '--verbose' for the PROJECT argument ("'…/--verbose' does not exist"), a typo such as '--reprot' made its value
    /// the "unrecognized" word, and an unknown command came after "Required command was not provided".
    /// </summary>
    /// <returns>The line to print, or null when every word is known.</returns>
    private static string? UnknownWord(ParseResult parse, RootCommand root)
    {
        var command = parse.CommandResult.Command;
        if (command == root)
        {
            var commands = root.Subcommands.Select(subcommand => subcommand.Name).ToList();
            var known = $"the commands are {string.Join(", ", commands)}. See 'apiroutes --help'.";
            return parse.UnmatchedTokens.FirstOrDefault() switch
            {
                null when parse.Tokens.Count == 0 => $"name a command: {known}",
                { } word when !LooksLikeOption(word) => $"'{Terminal.Safe(word)}' is not a command{DidYouMean(word, commands)}; {known}",
                { } option => $"unknown option '{OptionName(option)}'; {known}",
                null => null,
            };
        }

        // Words that look like options: unmatched, or taken for one of the command's arguments (a PROJECT, a ROUTE) that
        // is no file or folder there.
        // Not after '--', which ends the options (review 29a F4).
        var beforeDoubleDash = parse.Tokens.TakeWhile(token => token.Type != TokenType.DoubleDash).Select(token => token.Value).ToHashSet(StringComparer.Ordinal);
        var options = command.Options.Where(option => !option.Hidden && option.Name != "--help").Select(option => option.Name).ToList();
        var taken = command.Arguments.SelectMany(argument => parse.GetResult(argument)?.Tokens.Select(token => token.Value) ?? []);
        return taken.Concat(parse.UnmatchedTokens)
            .Where(word => LooksLikeOption(word) && beforeDoubleDash.Contains(word) && !File.Exists(word) && !Directory.Exists(word))
            .Select(word => $"unknown option '{OptionName(word)}' for 'apiroutes {command.Name}'{DidYouMean(OptionName(word), options)}; "
                + (options.Count == 0 ? "it takes no options but --help" : $"its options are {string.Join(", ", options)}")
                + $". See 'apiroutes {command.Name} --help'.")
            .FirstOrDefault();

        // '-5 * * * *' is a schedule (refused as such), not an option; nor is a word with a blank in it ('- * * * *').
        static bool LooksLikeOption(string word) =>
            word.Length > 1 && word[0] == '-' && !char.IsAsciiDigit(word[1]) && word != "--" && !word.Any(char.IsWhiteSpace);

        // Up to '=': '--tokn=…' must not print what may be a secret.
        static string OptionName(string word) => Terminal.Safe(word.Split('=', 2)[0]);
    }

    // The closest name (a typo), or nothing.
    private static string DidYouMean(string word, IEnumerable<string> names) =>
        ApiRoutes.Text.Suggestions.Closest(word, names) is { } closest ? $" (did you mean '{closest}'?)" : "";

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
