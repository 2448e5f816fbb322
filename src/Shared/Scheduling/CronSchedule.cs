using Cronos;

namespace ApiRoutes.Scheduling;

/// <summary>
/// The cron rules of ApiRoutes, in one place for the build and the runtime: standard 5-field expressions in UTC and
/// the <c>@</c> macros, at most one run a minute, and a schedule must fire at least once.
/// </summary>
internal static class CronSchedule
{
    // The platform ApiRoutes mirrors accepts these macros; @reboot has no meaning for a hosted function and
    // @annually is not accepted there, so a deploy carrying either would never run as written.
    private static readonly string[] UnsupportedMacros = ["@reboot", "@annually"];
    private static readonly string[] SubMinuteMacros = ["@every_second"];

    /// <summary>Parses and checks an expression; never throws for bad input.</summary>
    /// <param name="expression">The schedule as written.</param>
    /// <param name="nowUtc">Where to start looking for the first occurrence.</param>
    public static CronParseResult Parse(string? expression, DateTime nowUtc)
    {
        var text = expression?.Trim() ?? "";
        if (text.Length == 0)
        {
            return CronParseResult.Fail(CronError.Empty, "The schedule is empty.");
        }

        if (text.StartsWith('@'))
        {
            var macro = text.ToLowerInvariant();
            if (UnsupportedMacros.Contains(macro))
            {
                return CronParseResult.Fail(
                    CronError.UnsupportedMacro,
                    $"'{text}' is not supported: use '@yearly' instead of '@annually'; '@reboot' has no meaning for a "
                    + "hosted route. Supported: @yearly, @monthly, @weekly, @daily, @midnight, @hourly.");
            }

            if (SubMinuteMacros.Contains(macro))
            {
                return SubMinute(text);
            }
        }
        else
        {
            var fields = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
            if (fields == 6)
            {
                return SubMinute(text);
            }

            if (fields != 5)
            {
                return CronParseResult.Fail(
                    CronError.Invalid,
                    $"'{text}' has {fields} field(s); a schedule has 5: minute hour day-of-month month day-of-week.");
            }
        }

        CronExpression cron;
        try
        {
            cron = CronExpression.Parse(text, CronFormat.Standard);
        }
        catch (CronFormatException e)
        {
            return CronParseResult.Fail(CronError.Invalid, $"'{text}' is not a valid cron expression: {Describe(e)}");
        }
        catch (MissingSeedException)
        {
            // Cronos reads 'H' (Jenkins' hashed value) but needs a seed to pick it, which a schedule here has not.
            return CronParseResult.Fail(
                CronError.Invalid,
                $"'{text}' is not a valid cron expression: 'H' (a value hashed from a seed, as in Jenkins) is not "
                + "supported; write the value as a number, such as '17 * * * *'.");
        }

        if (cron.GetNextOccurrence(DateTime.SpecifyKind(nowUtc, DateTimeKind.Utc)) is null)
        {
            return CronParseResult.Fail(
                CronError.NeverOccurs,
                $"'{text}' never fires (no such date, for example February 30).");
        }

        return new CronParseResult(cron, cron.ToString(), CronError.None, null);
    }

    /// <summary>The next <paramref name="count"/> occurrences after <paramref name="afterUtc"/> (fewer when it ends).</summary>
    public static IEnumerable<DateTime> NextOccurrences(CronExpression cron, DateTime afterUtc, int count)
    {
        var at = DateTime.SpecifyKind(afterUtc, DateTimeKind.Utc);
        for (var i = 0; i < count && cron.GetNextOccurrence(at) is { } next; i++)
        {
            yield return next;
            at = next;
        }
    }

    /// <summary>The next runs of a normalized schedule as CI logs and the route table print them: "2026-01-01 03:00, …".</summary>
    public static string FormatNextRuns(string normalized, DateTime nowUtc, int count) =>
        Parse(normalized, nowUtc).Expression is { } cron
            ? string.Join(", ", NextOccurrences(cron, nowUtc, count).Select(at => at.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture)))
            : "";

    /// <summary>
    /// True when both day-of-month and day-of-week are restricted: Cronos then runs on days matching both, whereas
    /// classic cron runs on days matching either.
    /// </summary>
    public static bool RestrictsBothDayFields(string expression)
    {
        var fields = expression.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return fields.Length == 5 && !IsUnrestricted(fields[2]) && !IsUnrestricted(fields[4]);

        static bool IsUnrestricted(string field) => field is "*" or "?";
    }

    private static CronParseResult SubMinute(string text) => CronParseResult.Fail(
        CronError.SubMinute,
        $"'{text}' runs more than once a minute; schedules run at most once a minute. Use 5 fields "
        + "(minute hour day-of-month month day-of-week), for example '* * * * *' for every minute.");

    // Cronos prefixes every message with a generic sentence; keep the part that says what is wrong.
    private static string Describe(CronFormatException e)
    {
        const string Prefix = "The given cron expression has an invalid format. ";
        return e.Message.StartsWith(Prefix, StringComparison.Ordinal) ? e.Message[Prefix.Length..] : e.Message;
    }
}

internal enum CronError
{
    None,
    Empty,
    UnsupportedMacro,
    SubMinute,
    Invalid,
    NeverOccurs,
}

/// <summary>The outcome of <see cref="CronSchedule.Parse"/>: an expression and its normalized text, or an error.</summary>
internal sealed record CronParseResult(CronExpression? Expression, string? Normalized, CronError Error, string? Message)
{
    public bool IsValid => Error == CronError.None;

    public static CronParseResult Fail(CronError error, string message) => new(null, null, error, message);
}
