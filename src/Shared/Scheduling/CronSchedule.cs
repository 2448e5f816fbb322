using System.Globalization;

namespace ApiRoutes.Scheduling;

/// <summary>
/// The schedule rules of ApiRoutes, in one place for the build, the runtime and the <c>apiroutes</c> tool: crontab
/// as Debian's cron (Vixie cron 3.0pl1) reads and runs it, in UTC or an IANA time zone, at most once a minute, and
/// a schedule must fire.
/// </summary>
internal static class CronSchedule
{
    // Around the schedule, as around a crontab line's fields; any other blank is refused (CrontabParser).
    private static readonly char[] Blanks = [' ', '\t', '\r', '\n'];

    /// <summary>Parses and checks an expression in UTC. Never throws.</summary>
    public static CronParseResult Parse(string? expression) => Parse(expression, TimeZoneInfo.Utc);

    /// <summary>Parses and checks an expression in a time zone, an IANA id (null: UTC). Never throws.</summary>
    public static CronParseResult Parse(string? expression, string? timeZone)
    {
        var (zone, problem) = CronTimeZones.Find(timeZone);
        return problem is null ? Parse(expression, zone!) : CronParseResult.Fail(problem.Error, problem.Detail);
    }

    /// <summary>Parses and checks an expression in a time zone. Never throws.</summary>
    public static CronParseResult Parse(string? expression, TimeZoneInfo zone)
    {
        var text = expression?.Trim(Blanks) ?? "";
        var (fields, problem) = CrontabParser.Parse(text);
        if (problem is not null)
        {
            return CronParseResult.Fail(problem.Error, Message(text, problem));
        }

        // Minutes, hours and months always hold a value; only the days can rule out every date. Cron's calendar
        // repeats every 400 years, so a search over the next 400 (Cronos' own) answers for ever.
        var wall = new WallClockMatcher(fields!);
        if (wall.NextAtOrAfter(new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc)) is null)
        {
            return CronParseResult.Fail(CronError.NeverOccurs, Message(text, new CronProblem(CronError.NeverOccurs,
                "no date has the day and month it names (such as February 30th).")));
        }

        var schedule = new CrontabSchedule(fields!, zone, wall);
        return new CronParseResult(schedule, schedule.Normalized, CronError.None, null);
    }

    /// <summary>What the build warns about a valid schedule (AR4101 to AR4104), looking ahead from <paramref name="nowUtc"/>.</summary>
    public static IReadOnlyList<CronWarning> Warnings(string expression, CrontabSchedule schedule, DateTime nowUtc)
    {
        var warnings = new List<CronWarning>();
        if (DayRuleWarning.Check(schedule.Fields) is { } dayRule)
        {
            warnings.Add(new CronWarning(ScheduleCodes.DayRule, $"'{CronText.Display(expression.Trim(Blanks))}': {dayRule}"));
        }

        if (DaylightSavingReport.Check(schedule, nowUtc) is { } daylight)
        {
            warnings.Add(new CronWarning(ScheduleCodes.DaylightSaving, $"'{CronText.Display(expression.Trim(Blanks))}': {daylight}"));
        }

        if (LegacyTimeZones.Warning(schedule.TimeZoneId) is { } legacy)
        {
            warnings.Add(new CronWarning(ScheduleCodes.LegacyTimeZone, legacy));
        }

        if (FixedOffsetZones.Warning(schedule.TimeZoneId) is { } offset)
        {
            warnings.Add(new CronWarning(ScheduleCodes.FixedOffsetZone, offset));
        }

        return warnings;
    }

    /// <summary>The next runs of a normalized schedule as CI logs and the route table print them: "2026-01-01 03:00, …" (UTC).</summary>
    public static string FormatNextRuns(string normalized, string? timeZone, DateTime nowUtc, int count) =>
        Parse(normalized, timeZone: timeZone).Schedule is { } schedule
            ? string.Join(", ", schedule.NextOccurrences(nowUtc, count).Select(at => at.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)))
            : "";

    // "'<expression>' <what is wrong>: <why, and what to write instead>".
    private static string Message(string text, CronProblem problem) => problem.Error switch
    {
        CronError.Empty => Capitalize(problem.Detail),
        _ => $"'{CronText.Display(text)}' {Lead(problem.Error)}: {problem.Detail}",
    };

    private static string Lead(CronError error) => error switch
    {
        CronError.UnsupportedMacro => "is not supported",
        CronError.SubMinute => "runs more than once a minute",
        CronError.NeverOccurs => "never fires",
        CronError.NotCrontab => "is not crontab",
        CronError.ReversedRange => "has a range that runs backwards",
        _ => "is not a valid crontab schedule",
    };

    private static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}

/// <summary>The outcome of <see cref="CronSchedule.Parse(string?, string?)"/>: a schedule and its normalized text, or an error.</summary>
internal sealed record CronParseResult(CrontabSchedule? Schedule, string? Normalized, CronError Error, string? Message)
{
    public bool IsValid => Error == CronError.None;

    /// <summary>The diagnostic code of the error (<see cref="ScheduleCodes"/>), or null when valid.</summary>
    public string? Code => IsValid ? null : ScheduleCodes.Of(Error);

    public static CronParseResult Fail(CronError error, string message) => new(null, null, error, message);
}

/// <summary>A warning about a valid schedule: its code and message, as the build reports it.</summary>
internal sealed record CronWarning(string Code, string Message);

/// <summary>
/// The diagnostic codes of schedules, shared by the build (which lists them in <c>DiagnosticCodes</c>) and
/// <c>apiroutes schedule</c>, so both report the same code for the same schedule.
/// </summary>
internal static class ScheduleCodes
{
    public const string Invalid = "AR4001";
    public const string UnsupportedMacro = "AR4002";
    public const string SubMinute = "AR4003";
    public const string NeverFires = "AR4006";
    public const string NotCrontab = "AR4008";
    public const string ReversedRange = "AR4009";
    public const string UnknownTimeZone = "AR4010";
    public const string DayRule = "AR4101";
    public const string DaylightSaving = "AR4102";
    public const string LegacyTimeZone = "AR4103";
    public const string FixedOffsetZone = "AR4104";

    /// <summary>Whether a warning is about the schedule's time zone, and so placed at it rather than at the expression.</summary>
    public static bool IsAboutTimeZone(string code) => code is LegacyTimeZone or FixedOffsetZone;

    public static string Of(CronError error) => error switch
    {
        CronError.UnsupportedMacro => UnsupportedMacro,
        CronError.SubMinute => SubMinute,
        CronError.NeverOccurs => NeverFires,
        CronError.NotCrontab => NotCrontab,
        CronError.ReversedRange => ReversedRange,
        CronError.UnknownTimeZone => UnknownTimeZone,
        _ => Invalid,
    };
}
