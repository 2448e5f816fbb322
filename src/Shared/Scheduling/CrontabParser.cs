using System.Globalization;
namespace ApiRoutes.Scheduling;

/// <summary>
/// Reads a schedule as Debian's cron (Vixie cron 3.0pl1) reads the time part of a crontab line: 5 fields or one of
/// its macros. What crontab refuses is refused; so are the extensions of other schedulers, reversed ranges (which
/// crontab accepts and adds nothing for), text after a field (which crontab silently ignores), a note after the fields
/// (the command, in a crontab line) and blanks other than spaces and tabs (part of a field there). Never throws.
/// </summary>
internal static partial class CrontabParser
{
    // Debian's macros (entry.c), lower case only as there (strcmp); @reboot and @annually are refused separately.
    private static readonly Dictionary<string, string> Macros = new(StringComparer.Ordinal)
    {
        ["@yearly"] = "0 0 1 1 *",
        ["@monthly"] = "0 0 1 * *",
        ["@weekly"] = "0 0 * * 0",
        ["@daily"] = "0 0 * * *",
        ["@midnight"] = "0 0 * * *",
        ["@hourly"] = "0 * * * *",
    };

    public const string MacroList = "@yearly, @monthly, @weekly, @daily, @midnight or @hourly";

    /// <summary>
    /// The longest schedule read: every value of every field written out is under 400 characters. A longer text was split
    /// into a string per field before anything counted them (review 35c F2: 10 million for a 20 MB line of 'schedule -').
    /// </summary>
    public const int MaxLength = 1024;

    public static (CrontabFields? Fields, CronProblem? Problem) Parse(string text)
    {
        if (text.Length == 0)
        {
            return (null, new CronProblem(CronError.Empty, "the schedule is empty; write 5 fields, such as '0 3 * * *', or a macro such as '@daily'."));
        }

        if (text.Length > MaxLength)
        {
            return (null, CronProblem.Invalid(string.Create(CultureInfo.InvariantCulture,
                $"it is {text.Length:N0} characters long; a schedule is 5 short fields or a macro, at most {MaxLength:N0} characters.")));
        }

        // AWS EventBridge's schedule expressions, pasted whole (review 32c F1: 'cron(0 12 * * ? *)' was told "'*)' runs in
        // some years only").
        if (text.StartsWith("cron(", StringComparison.OrdinalIgnoreCase) && text.EndsWith(')') && text.Length > 6)
        {
            var inner = text[5..^1].Trim();
            return (null, CronProblem.NotCrontab(Parse(inner) switch
            {
                (_, null) => $"'cron(…)' is AWS EventBridge's wrapper; write the fields alone: '{CronText.Display(inner)}'.",
                (_, { } problem) => $"'cron(…)' is AWS EventBridge's wrapper; write the fields alone, and in crontab's form: {problem.Detail}",
            }));
        }

        if (text.StartsWith("rate(", StringComparison.OrdinalIgnoreCase))
        {
            return (null, CronProblem.NotCrontab(
                "'rate(…)' is AWS EventBridge's interval; write a step instead, such as '*/5 * * * *' (every 5 minutes) or '0 */2 * * *' (every 2 hours)."));
        }

        if (Comment(text) is { } comment)
        {
            return (null, CronProblem.Invalid(
                $"a schedule holds no comment: remove '{CronText.Display(comment)}' (in a crontab line, the text after the five fields is the "
                + "command, never a comment) and put the note in a C# comment or in apiroutes.yaml."));
        }

        if (OtherSeparator(text) is { } at)
        {
            var where = at == 0 ? "at its start" : $"after '{CronText.Display(text[..at])}'";
            if (text[at] is '\n' or '\r' or '\u0085' or '\u2028' or '\u2029')
            {
                // Two schedules on two lines (a YAML block scalar): typing a space there would make one of 10 fields (review
                // 32a F5); one schedule wrapped is one line again (review 32c F8).
                var lines = text.Split(LineBreaks, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var joined = string.Join(' ', lines);
                if ((lines.Length < 2 || lines.Any(line => Parse(line).Problem is not null)) && Parse(joined).Problem is null)
                {
                    return (null, CronProblem.Invalid($"it holds a line break {where}: a schedule is one line; write '{CronText.Display(joined)}'."));
                }

                return (null, CronProblem.Invalid(
                    $"it holds a line break {where}: a route has one schedule, on one line. For two, serve two routes, or write one "
                    + "schedule that names both times, such as '0 0,12 * * *'."));
            }

            var what = text[at] == '\u00A0' ? "a no-break space (U+00A0, as pasted from a web page)" : $"the character U+{(int)text[at]:X4}";
            return (null, CronProblem.Invalid($"it holds {what} {where}: crontab separates fields with spaces and tabs only. Type a space there."));
        }

        return text[0] == '@' ? ParseMacro(text) : ParseFields(text.Split(FieldSeparators, StringSplitOptions.RemoveEmptyEntries));
    }

    // Debian's cron separates fields with spaces and tabs only (cron.h, Skip_Blanks): any other blank is part of a field,
    // where crontab reads it differently ("0<U+00A0>3 * * * *" is minute 0 of every hour there) or refuses it.
    private static readonly char[] FieldSeparators = [' ', '\t'];

    private static readonly char[] LineBreaks = ['\n', '\r', '\u0085', '\u2028', '\u2029'];

    private static int? OtherSeparator(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is not (' ' or '\t') && (char.IsWhiteSpace(c) || char.IsControl(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format))
            {
                return i;
            }
        }

        return null;
    }

    // A '#' that is not Quartz's "nth weekday" (5#2) starts a note: crontab has comments only as whole lines, so after
    // the fields it is the command (a seconds field or a Quartz extension to the field counting below).
    private static string? Comment(string text)
    {
        for (var i = text.IndexOf('#', StringComparison.Ordinal); i >= 0; i = text.IndexOf('#', i + 1))
        {
            if (i + 1 == text.Length || !char.IsAsciiDigit(text[i + 1]))
            {
                return text[i..].TrimEnd(FieldSeparators);
            }
        }

        return null;
    }

    private static readonly CronProblem UnknownMacro =
        CronProblem.Invalid($"it is not a crontab macro; write 5 fields (minute hour day-of-month month day-of-week) or {MacroList}.");

    private static (CrontabFields?, CronProblem?) ParseMacro(string text)
    {
        if (Macros.TryGetValue(text, out var expansion))
        {
            return ParseFields(expansion.Split(' '));
        }

        // A crontab line pasted whole ('@daily /usr/bin/backup'): what follows a macro there is the command (review 28c F1).
        if (text.Split(FieldSeparators, 2, StringSplitOptions.RemoveEmptyEntries) is [var macro, var command])
        {
            var alone = ParseMacro(macro);
            return alone.Item2 is null
                ? (null, CronProblem.NotCrontab(
                    $"the text after '{macro}', '{CronText.Display(command.TrimEnd(FieldSeparators))}', reads as a crontab line's command: the route is "
                    + $"what runs, so write '{macro}'."))
                : alone.Item2 == UnknownMacro ? (null, UnknownMacro) : alone;
        }

        var lower = text.ToLowerInvariant();
        return lower switch
        {
            _ when Macros.ContainsKey(lower) => (null, CronProblem.Invalid($"crontab's macros are lower case; write '{lower}'.")),
            "@reboot" => (null, new CronProblem(CronError.UnsupportedMacro,
                "a hosted route has no machine start to run at; use a schedule such as '@daily'.")),
            "@annually" => (null, new CronProblem(CronError.UnsupportedMacro,
                "the platform ApiRoutes mirrors refuses it; write '@yearly', which runs at the same time.")),
            "@every_second" => (null, new CronProblem(CronError.SubMinute,
                "schedules run at most once a minute; write '* * * * *' for every minute.")),
            "@every_minute" => (null, CronProblem.NotCrontab("write '* * * * *'.")),
            _ when lower.StartsWith("@every", StringComparison.Ordinal) => (null, CronProblem.NotCrontab(
                "@every intervals are another scheduler's; write a step instead, such as '*/5 * * * *' (every 5 minutes) or '0 */2 * * *' (every 2 hours).")),
            _ => (null, UnknownMacro),
        };
    }

    private static (CrontabFields?, CronProblem?) ParseFields(string[] fields)
    {
        if (fields.Length > 5 && CommandAfterFields(fields) is { } command)
        {
            return (null, command);
        }

        switch (fields.Length)
        {
            case 5:
                break;
            case 6:
                return (null, SixFields(fields));
            case 7:
                return (null, CronProblem.NotCrontab(
                    "7 fields (seconds ... year) are Quartz's format; write 5: minute hour day-of-month month day-of-week."));
            default:
                return (null, CronProblem.Invalid(
                    $"it has {fields.Length} field{(fields.Length == 1 ? "" : "s")}; a crontab schedule has 5: minute hour day-of-month month day-of-week."));
        }

        var bits = new ulong[5];
        for (var i = 0; i < 5; i++)
        {
            if (CrontabField.All[i].TryParse(fields[i], out bits[i]) is { } problem)
            {
                return (null, problem);
            }
        }

        var daysOfWeek = bits[4];
        if ((daysOfWeek & (1UL << 7)) != 0)
        {
            daysOfWeek = (daysOfWeek | 1) & ~(1UL << 7);   // 7 is Sunday, as 0 (entry.c sets both)
        }

        return (new CrontabFields
        {
            Minutes = bits[0],
            Hours = (uint)bits[1],
            DaysOfMonth = (uint)bits[2],
            Months = (ushort)bits[3],
            DaysOfWeek = (byte)daysOfWeek,
            MinuteStar = fields[0][0] == '*',
            HourStar = fields[1][0] == '*',
            DayOfMonthStar = fields[2][0] == '*',
            DayOfWeekStar = fields[4][0] == '*',
        }, null);
    }

    // A crontab line pasted whole ('0 3 * * * /usr/bin/backup', '*/10 * * * * curl …', or /etc/crontab's
    // '30 2 * * 1 root run-parts …'): five fields crontab reads, then a sixth that is no day of the week, as Quartz's
    // seconds-first forms have ('?', '5L', '5#2'), is its command, not a year or a seconds field to drop from the front
    // (review 24a F3; 28c F1: a minute field of several values was taken for seconds).
    private static CronProblem? CommandAfterFields(string[] fields)
    {
        var sixth = fields[5];
        if (ParseFields(fields[..5]).Item2 is not null || DayOfWeekShaped(sixth))
        {
            return null;
        }

        var schedule = CronText.Display(string.Join(' ', fields[..5]));
        return CronProblem.NotCrontab(fields.Length == 6
            ? $"it has 6 fields; crontab has 5 (minute hour day-of-month month day-of-week). The sixth, '{CronText.Display(sixth)}', "
                + $"reads as a crontab line's command: the route is what runs, so write '{schedule}'."
            : $"it has {fields.Length} fields; crontab has 5 (minute hour day-of-month month day-of-week). The text after the fifth, "
                + $"'{CronText.Display(string.Join(' ', fields[5..]))}', reads as a crontab line's command (in /etc/crontab and /etc/cron.d, "
                + $"the user it runs as, then the command): the route is what runs, so write '{schedule}'.");
    }

    // Whether a word could be a day-of-week field in crontab's dialect or Quartz's and Spring's (case-insensitive names,
    // wrap-around ranges, '?', 'L' and '#'): then six fields are seconds first, not a command. Each item between ',', '-',
    // '/' and '#' is '*', '?', 'L', a number or a day's name (either perhaps with 'L'); '/opt/ETL', 'make#2' and 'curl'
    // are commands (review 29a F1, F2: a command ending in 'L' was read as Quartz's "last").
    private static bool DayOfWeekShaped(string word) =>
        word.Split([',', '-', '/', '#']) is var items && items.All(item => item.Length > 0 && DayOfWeekItem().IsMatch(item));

    // AWS EventBridge's year field: '*', or years (1970-2199), ranges, lists and steps of them.
    [System.Text.RegularExpressions.GeneratedRegex(@"^(?:\*(?:/[0-9]+)?|(?:19[7-9][0-9]|2[01][0-9][0-9])(?:-(?:19[7-9][0-9]|2[01][0-9][0-9]))?(?:/[0-9]+)?)(?:,(?:19[7-9][0-9]|2[01][0-9][0-9])(?:-(?:19[7-9][0-9]|2[01][0-9][0-9]))?(?:/[0-9]+)?)*$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex AwsYears();

    // A day of the week by number in AWS's field (not a step, which follows '/', nor the nth of '#', which follows '#').
    [System.Text.RegularExpressions.GeneratedRegex(@"(?<![/#0-9])[0-9]+", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex AwsDayNumber();

    [System.Text.RegularExpressions.GeneratedRegex("^(?:[*?L]|[0-9]+L?|(?:SUN|MON|TUE|WED|THU|FRI|SAT)L?)$", System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex DayOfWeekItem();

    // Quartz and Spring put seconds first. A single second runs at most once a minute: say which 5 fields to keep.
    private static CronProblem SixFields(string[] fields)
    {
        // AWS EventBridge puts a year last, and '?' in the day-of-month or the day-of-week field (one of them must be);
        // Quartz's and Spring's seconds-first forms have it fourth or sixth. Dropping the first field made '0 12 * * ? *',
        // daily at 12:00, hourly at :12 (review 32a F4).
        if ((fields[2] == "?" || fields[4] == "?") && AwsYears().IsMatch(fields[5]))
        {
            // AWS numbers the days of the week 1-7 from Sunday, crontab 0-6 (review 32c F1: '0 12 ? * 2 *', Monday, was
            // told to write '0 12 * * 2', Tuesday): a number there is one less in crontab (not a step's).
            var dayNumbers = fields[4] != "?" && AwsDayNumber().IsMatch(fields[4]);
            var five = fields[..5].Select(field => field == "?" ? "*" : field).ToArray();
            five[4] = AwsDayNumber().Replace(five[4], day => (int.Parse(day.Value, CultureInfo.InvariantCulture) - 1).ToString(CultureInfo.InvariantCulture));
            var write = ParseFields(five).Item2 is null ? $", and write '{CronText.Display(string.Join(' ', five))}'" : "";
            var days = dayNumbers ? " (AWS numbers the days of the week 1-7 from Sunday, crontab 0-6 from Sunday: one less each)" : "";
            var years = fields[5] == "*" ? ""
                : $" ('{CronText.Display(fields[5])}' runs in some years only, which crontab cannot say: return early in the handler in the others)";
            return CronProblem.NotCrontab(
                "it has 6 fields, the last a year, with '?' for no specific day: AWS EventBridge's format (minute hour day-of-month month "
                + $"day-of-week year). Crontab has no year: drop it{years}, write '*' for '?'{days}{write}.");
        }

        // A year last without AWS's '?' ('0 12 * * MON 2026'): the first five are crontab's, and without the first there is
        // no schedule, so the year goes, not a first field of seconds (review 43a F3).
        if (AwsYears().IsMatch(fields[5]) && ParseFields(fields[..5]).Item2 is null && ParseFields(fields[1..]).Item2 is not null)
        {
            var years = fields[5] == "*" ? ""
                : $" ('{CronText.Display(fields[5])}' runs in some years only, which crontab cannot say: return early in the handler in the others)";
            return CronProblem.NotCrontab(
                "it has 6 fields, the last a year; crontab has 5 (minute hour day-of-month month day-of-week) and no year: drop it"
                + $"{years}, and write '{CronText.Display(string.Join(' ', fields[..5]))}'.");
        }

        if (CrontabField.Second.TryParse(fields[0], out var seconds) is null && ulong.PopCount(seconds) > 1)
        {
            return new CronProblem(CronError.SubMinute,
                "its first field is seconds, with more than one; schedules run at most once a minute. Write 5 fields "
                + "(minute hour day-of-month month day-of-week), such as '* * * * *' for every minute.");
        }

        // Quartz's '?' (no specific day) is crontab's '*' (review 43a F3: '0 15 10 ? * MON-FRI' got no suggestion).
        var minuteFirst = fields[1..].Select(field => field == "?" ? "*" : field).ToArray();
        var question = minuteFirst.SequenceEqual(fields[1..]) ? "" : ", write '*' for '?'";
        var suggestion = ParseFields(minuteFirst).Item2 is null ? $"{question} and write '{CronText.Display(string.Join(' ', minuteFirst))}'" : "";
        return CronProblem.NotCrontab(
            "it has 6 fields; crontab has 5 (minute hour day-of-month month day-of-week). A first field of seconds is Quartz's and "
            + $"Spring's format: drop it{suggestion}.");
    }
}
