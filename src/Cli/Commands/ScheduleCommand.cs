using System.CommandLine;
using System.Globalization;
using ApiRoutes.Scheduling;

namespace ApiRoutes.Cli.Commands;

/// <summary>
/// <c>apiroutes schedule EXPR... [--after T] [--count N] [--time-zone Z] [--json]</c>: checks and explains schedules
/// with the same rules, codes and messages as the build, without building anything. <c>-</c> reads one expression per
/// line from standard input. Exit code 0 when every expression is valid, 1 otherwise.
/// </summary>
internal static class ScheduleCommand
{
    private const int MaxCount = 1000;

    public static Command Create(TextWriter output, TextWriter error, TextReader input, TimeProvider time)
    {
        var expressions = new Argument<string[]>("EXPR")
        {
            Description = "Cron expressions, quoted (\"0 9 * * MON\"); '-' reads one per line from standard input.",
            Arity = ArgumentArity.OneOrMore,
        };
        var after = new Option<string?>("--after") { Description = "List occurrences after this instant, ISO 8601 (default: now); without an offset it is UTC." };
        var count = new Option<int>("--count") { Description = $"How many occurrences to list (default 5, at most {MaxCount}).", DefaultValueFactory = _ => 5 };
        var zone = new Option<string?>("--time-zone") { Description = "Run the schedules in this IANA time zone (default: UTC), as a route's timeZone would." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per expression and line." };
        var command = new Command("schedule", "Check and explain cron schedules as the build does: valid or the diagnostic, the normalized form, the schedule in words and its next occurrences (UTC). Exit code 0 when all are valid, 1 otherwise.")
        {
            expressions, after, count, zone, json,
        };
        command.SetAction(parse => CommandRunner.Run(error, () =>
        {
            var from = After(parse.GetValue(after), time);
            var occurrences = parse.GetValue(count);
            if (occurrences is < 0 or > MaxCount)
            {
                throw new CommandException($"--count must be between 0 and {MaxCount}; it is {occurrences}.");
            }

            var report = new ScheduleReport(output, parse.GetValue(json), from, occurrences, parse.GetValue(zone));
            var allValid = true;
            foreach (var expression in Expand(parse.GetValue(expressions)!, input))
            {
                allValid &= report.Write(expression);
            }

            report.Flush();
            return allValid ? 0 : 1;
        }));
        return command;
    }

    private static DateTime After(string? text, TimeProvider time)
    {
        if (text is null)
        {
            return time.GetUtcNow().UtcDateTime;
        }

        return ApiRoutes.Text.IsoInstant.TryParse(text, out var at)
            ? at.UtcDateTime
            : throw new CommandException($"--after '{Terminal.Safe(text)}' is not an ISO 8601 instant, such as 2026-01-01T00:00:00Z.");
    }

    // '-' stands for the lines of standard input; blank lines there are skipped, so a file may end with one.
    private static IEnumerable<string> Expand(IEnumerable<string> arguments, TextReader input)
    {
        foreach (var argument in arguments)
        {
            if (argument != "-")
            {
                yield return argument;
                continue;
            }

            var first = true;
            for (var line = input.ReadLine(); line is not null; line = input.ReadLine(), first = false)
            {
                // A file saved with a byte-order mark (Notepad, Visual Studio): Console.In keeps it on Linux, and the first
                // schedule was refused for a character nobody typed (review 26c F3).
                if (first && line.StartsWith('\uFEFF'))
                {
                    line = line[1..];
                }

                if (line.Trim().Length > 0)
                {
                    yield return line;
                }
            }
        }
    }
}
