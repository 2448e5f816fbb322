namespace ApiRoutes.Scheduling;

/// <summary>
/// A parsed crontab schedule as Vixie cron keeps it: one bit per allowed value of each field, and whether each field
/// was written starting with <c>*</c>. Those four flags are part of the meaning, exactly as in cron's
/// <c>entry.c</c>: the day fields' flags choose the day rule, the minute and hour flags choose how a change of
/// daylight-saving time treats the schedule.
/// </summary>
internal sealed record CrontabFields
{
    /// <summary>Bit n: minute n (0-59).</summary>
    public required ulong Minutes { get; init; }

    /// <summary>Bit n: hour n (0-23).</summary>
    public required uint Hours { get; init; }

    /// <summary>Bit n: day n of the month (1-31).</summary>
    public required uint DaysOfMonth { get; init; }

    /// <summary>Bit n: month n (1-12).</summary>
    public required ushort Months { get; init; }

    /// <summary>Bit n: day of the week n, Sunday 0 to Saturday 6 (a written 7 is Sunday).</summary>
    public required byte DaysOfWeek { get; init; }

    public bool MinuteStar { get; init; }

    public bool HourStar { get; init; }

    public bool DayOfMonthStar { get; init; }

    public bool DayOfWeekStar { get; init; }

    public const ulong AllMinutes = (1UL << 60) - 1;
    public const uint AllHours = (1U << 24) - 1;
    public const uint AllDaysOfMonth = ((1U << 31) - 1) << 1;
    public const ushort AllMonths = ((1 << 12) - 1) << 1;
    public const byte AllDaysOfWeek = (1 << 7) - 1;

    /// <summary>
    /// Crontab's day rule: when either day field starts with <c>*</c> a day must match both; otherwise (both
    /// restricted) a day matches if either matches.
    /// </summary>
    public bool UsesEitherDayRule => !DayOfMonthStar && !DayOfWeekStar;

    /// <summary>
    /// Cron's "wildcard" job (minute or hour starts with <c>*</c>): across a daylight-saving change it runs by the
    /// wall clock, where a job at a fixed time is run once, even for a skipped or repeated hour.
    /// </summary>
    public bool IsWildcard => MinuteStar || HourStar;

    public bool MatchesDay(DateTime day)
    {
        if ((Months & (1 << day.Month)) == 0)
        {
            return false;
        }

        var dom = (DaysOfMonth & (1U << day.Day)) != 0;
        var dow = (DaysOfWeek & (1 << (int)day.DayOfWeek)) != 0;
        return UsesEitherDayRule ? dom || dow : dom && dow;
    }

    /// <summary>Whether a wall-clock minute matches (the time zone's local time, or UTC).</summary>
    public bool Matches(DateTime wall) =>
        (Minutes & (1UL << wall.Minute)) != 0 && (Hours & (1U << wall.Hour)) != 0 && MatchesDay(wall);
}
