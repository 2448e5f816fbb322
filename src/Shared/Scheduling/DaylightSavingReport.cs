using System.Globalization;

namespace ApiRoutes.Scheduling;

/// <summary>
/// AR4102: a schedule in a time zone whose times fall into a daylight-saving gap (clocks go forward) or overlap
/// (clocks go back). Names the next such date of each kind and what happens then, as <see cref="ZonedOccurrences"/>
/// runs it. A wildcard schedule that runs in every hour (<c>*/15 * * * *</c>, <c>30 * * * *</c>) is not reported
/// for a change its minutes look the same across (an hour's; a half hour's for <c>*/15</c>): it keeps running by the
/// wall clock, every interval as long in real time as on any other day. Across a change of 30 minutes
/// (Australia/Lord_Howe), <c>30 * * * *</c> runs 30 minutes apart at both changes: the one back, which repeats its
/// 01:30, is reported (review 24a F4); the one forward skips none of its times, and is not (review 32a F2).
/// </summary>
internal static class DaylightSavingReport
{
    private static readonly TimeSpan Horizon = TimeSpan.FromDays(28 * 365.25);

    public static string? Check(CrontabSchedule schedule, DateTime nowUtc)
    {
        var fields = schedule.Fields;
        var zone = schedule.Zone;
        if (schedule.TimeZoneId is null)
        {
            return null;
        }

        string? gap = null, overlap = null;
        foreach (var change in ZoneChanges.Within(zone, nowUtc, Horizon))
        {
            if (change.At <= nowUtc || (fields.IsWildcard && fields.Hours == CrontabFields.AllHours && SameAcross(fields.Minutes, change.After - change.Before)))
            {
                continue;
            }

            if (change.IsGap)
            {
                gap ??= Gap(schedule, change.At, change.Before, change.After);
            }
            else
            {
                overlap ??= Overlap(schedule, change.At, change.Before, change.After);
            }

            if (gap is not null && overlap is not null)
            {
                break;
            }
        }

        return gap is null && overlap is null ? null : string.Join(" ", new[] { gap, overlap }.OfType<string>());
    }

    private static string? Gap(CrontabSchedule schedule, DateTime change, TimeSpan before, TimeSpan after)
    {
        var skippedFrom = change + before;
        var skippedTo = change + after;
        var due = Due(schedule, skippedFrom, skippedTo);
        if (due.Count == 0)
        {
            return null;
        }

        string runs;
        if (ZonedOccurrences.CatchesUp(schedule.Fields, before, after))
        {
            // The change's own minute may be one of the schedule's times too ('0 2,3 * * *'): then nothing moves, the skipped
            // run is folded into that one. Debian's cron starts the job once per time it walks through; ApiRoutes once.
            var own = schedule.Wall.NextAtOrAfter(skippedTo) == skippedTo;
            var starts = due.Count + (own ? 1 : 0);
            runs = (own
                    ? $"runs once at {Clock(skippedTo)} ({Utc(change)}), its {Clock(skippedTo)} run standing for the skipped one"
                    : $"runs at {Clock(skippedTo)} ({Utc(change)}) instead")
                + ", as crontab runs a job at a fixed time whose time was skipped"
                + (starts > 1 ? $" (Debian's cron would start it {starts} times at that minute; ApiRoutes starts it once)" : "");
        }
        else
        {
            runs = "does not run then, as crontab skips those times for a schedule whose minute or hour starts with '*'";
        }

        return $"In {schedule.Zone.Id}, {Times(due)} does not exist on {Date(skippedFrom)} (clocks go forward from {Clock(skippedFrom)} to "
            + $"{Clock(skippedTo)}): the schedule {runs}.";
    }

    private static string? Overlap(CrontabSchedule schedule, DateTime change, TimeSpan before, TimeSpan after)
    {
        var repeatedFrom = change + after;
        var repeatedTo = change + before;
        var due = Due(schedule, repeatedFrom, repeatedTo);
        if (due.Count == 0)
        {
            return null;
        }

        var first = DateTime.SpecifyKind(due[0] - before, DateTimeKind.Utc);
        var second = DateTime.SpecifyKind(due[0] - after, DateTimeKind.Utc);
        var runs = ZonedOccurrences.Repeats(schedule.Fields, before, after)
            ? $"runs both times ({Utc(first)} and {Utc(second)} for {Clock(due[0])}), as crontab runs a schedule whose minute or hour starts with '*' by the wall clock"
            : $"runs once, the first time ({Utc(first)} for {Clock(due[0])}), as crontab does not repeat a job at a fixed time";
        return $"In {schedule.Zone.Id}, {Times(due)} happens twice on {Date(repeatedFrom)} (clocks go back from {Clock(repeatedTo)} to "
            + $"{Clock(repeatedFrom)}): the schedule {runs}.";
    }

    // Whether the minutes of every hour, moved on by the change, are the same minutes: then the runs stay evenly spaced.
    private static bool SameAcross(ulong minutes, TimeSpan change)
    {
        var shift = (int)(Math.Abs((long)change.TotalMinutes) % 60);
        var rotated = 0UL;
        for (var minute = 0; minute < 60; minute++)
        {
            if ((minutes & (1UL << minute)) != 0)
            {
                rotated |= 1UL << ((minute + shift) % 60);
            }
        }

        return rotated == (minutes & ((1UL << 60) - 1));
    }

    // The wall-clock minutes in [from, to) that the schedule names.
    private static List<DateTime> Due(CrontabSchedule schedule, DateTime from, DateTime to)
    {
        var due = new List<DateTime>();
        for (var at = schedule.Wall.NextAtOrAfter(from); at is { } minute && minute < to && due.Count < 100; at = schedule.Wall.NextAtOrAfter(minute.AddMinutes(1)))
        {
            due.Add(minute);
        }

        return due;
    }

    private static string Times(List<DateTime> due) => due.Count == 1
        ? Clock(due[0])
        : $"{Clock(due[0])} to {Clock(due[^1])} ({due.Count} runs)";

    private static string Clock(DateTime wall) => wall.ToString("HH:mm", CultureInfo.InvariantCulture);

    private static string Date(DateTime wall) => wall.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Utc(DateTime utc) => utc.ToString("HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
