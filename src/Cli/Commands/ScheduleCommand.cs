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

    // A line of standard input read at most: a schedule is a few dozen characters (CrontabParser.MaxLength: 1,024).
    private const int MaxLine = 4096;

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
            foreach (var expression in Expand(parse.GetValue(expressions)!, input, number =>
            {
                error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"apiroutes: line {number} of standard input is over {MaxLine} characters; a schedule is one short line (5 fields or a macro). It is skipped."));
                allValid = false;
            }))
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
    private static IEnumerable<string> Expand(IEnumerable<string> arguments, TextReader input, Action<int> tooLong)
    {
        foreach (var argument in arguments)
        {
            if (argument != "-")
            {
                yield return argument;
                continue;
            }

            var first = true;
            foreach (var line in Lines(input, tooLong))
            {
                // A file saved with a byte-order mark (Notepad, Visual Studio): Console.In keeps it on Linux, and the first
                // schedule was refused for a character nobody typed (review 26c F3).
                var text = first && line.StartsWith('\uFEFF') ? line[1..] : line;
                first = false;
                if (text.Trim().Length > 0)
                {
                    yield return text;
                }
            }
        }
    }

    // The lines as ReadLine splits them ('\n', '\r', "\r\n"), each at most MaxLine characters: ReadLine held a line whole,
    // and a file without line breaks (a binary picked by mistake, /dev/zero) grew until memory ran out (review 35c F2:
    // 6 GB for a 200 MB line). The rest of a longer line is read past, and the line reported by its number.
    private static IEnumerable<string> Lines(TextReader input, Action<int> tooLong)
    {
        var buffer = new char[4096];
        var line = new System.Text.StringBuilder();
        var number = 1;
        var over = false;
        var afterReturn = false;
        int read;
        while ((read = input.Read(buffer, 0, buffer.Length)) > 0)
        {
            for (var i = 0; i < read; i++)
            {
                var c = buffer[i];
                if (afterReturn)
                {
                    afterReturn = false;
                    if (c == '\n')
                    {
                        continue;
                    }
                }

                if (c is '\n' or '\r')
                {
                    afterReturn = c == '\r';
                    if (over)
                    {
                        tooLong(number);
                    }
                    else
                    {
                        yield return line.ToString();
                    }

                    line.Clear();
                    over = false;
                    number++;
                }
                else if (!over && line.Length == MaxLine)
                {
                    over = true;
                    line.Clear();
                }
                else if (!over)
                {
                    line.Append(c);
                }
            }
        }

        if (over)
        {
            tooLong(number);
        }
        else if (line.Length > 0)
        {
            yield return line.ToString();
        }
    }
}
