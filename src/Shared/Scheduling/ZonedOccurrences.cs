namespace ApiRoutes.Scheduling;

/// <summary>
/// The next occurrence of a schedule in a time zone, as Debian's cron runs it across changes of the zone's offset
/// (<c>cron.c</c>, main loop): a pure function of the schedule, the zone and an instant.
/// </summary>
/// <remarks>
/// Cron compares the wall clock with the minute it last handled (<c>timeDiff</c>, 1 in a normal minute):
/// <list type="bullet">
/// <item>Forward by at most 4 minutes (<c>timeDiff</c> ≤ 5): every job due in the skipped minutes runs at once.</item>
/// <item>Forward by less than 3 hours (spring): a job at a fixed time (neither minute nor hour starts with
/// <c>*</c>) due in the skipped interval runs at once, at the change; a wildcard job runs only if due at the new
/// wall-clock minute — the skipped times do not exist for it.</item>
/// <item>Backward by at most 3 hours (autumn): the repeated wall-clock times run again only for wildcard jobs; a job at
/// a fixed time ran the first time and is not repeated.</item>
/// <item>Larger jumps: cron jumps with the clock and runs what is due at each wall-clock minute from then on.</item>
/// </list>
/// Cron would start a fixed-time job once per skipped minute it matched, seconds apart; occurrences here are
/// minutes, so such a job has one occurrence at the change.
/// </remarks>
internal static class ZonedOccurrences
{
    private const int SmallForward = 5;
    private const int Medium = 180;

    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan ProbeStep = TimeSpan.FromDays(1);
    private static readonly DateTime First = new(1, 1, 2, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Last = new(9999, 12, 30, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>The first occurrence strictly after <paramref name="afterUtc"/>, or null when there is none.</summary>
    public static DateTime? Next(CrontabFields fields, WallClockMatcher wall, TimeZoneInfo zone, DateTime afterUtc)
    {
        if (afterUtc >= Last)
        {
            return null;
        }

        var u = afterUtc < First ? First : FloorToMinute(afterUtc) + Minute;

        // Each round either answers or moves past one change of offset; a bound keeps a pathological zone finite.
        for (var round = 0; round < 100_000 && u < Last; round++)
        {
            var offset = zone.GetUtcOffset(u);
            var before = zone.GetUtcOffset(u - Minute);
            if (before != offset)
            {
                if (RunsAtChange(fields, wall, before, offset, u))
                {
                    return u;
                }

                u += Minute;
                continue;
            }

            var wallStart = u + offset;
            if (!fields.IsWildcard && ResumeAfterBackwardChange(zone, u, offset) is { } resume && resume > wallStart)
            {
                wallStart = resume;
            }

            if (wall.NextAtOrAfter(wallStart) is not { } match)
            {
                return null;
            }

            var candidate = DateTime.SpecifyKind(match - offset, DateTimeKind.Utc);
            if (NextChange(zone, u, candidate, offset) is not { } change)
            {
                return candidate;
            }

            u = change;
        }

        return null;
    }

    /// <summary>Whether the job runs at <paramref name="change"/>, the first minute with the new offset.</summary>
    public static bool RunsAtChange(CrontabFields fields, WallClockMatcher wall, TimeSpan before, TimeSpan after, DateTime change)
    {
        var skippedFrom = change + before;   // cron's virtual time + 1: the wall minute that was due next
        var now = change + after;
        if (after > before && CatchesUp(fields, before, after))
        {
            return wall.NextAtOrAfter(skippedFrom) is { } next && next <= now;
        }

        return (after > before || Repeats(fields, before, after)) && fields.Matches(now);
    }

    /// <summary>Clocks went forward: whether times skipped over still run, at the change (else they do not run).</summary>
    public static bool CatchesUp(CrontabFields fields, TimeSpan before, TimeSpan after) => TimeDiff(before, after) switch
    {
        <= SmallForward => true,
        <= Medium => !fields.IsWildcard,
        _ => false,
    };

    /// <summary>Clocks went back: whether the repeated wall-clock times run again (else only the first time).</summary>
    public static bool Repeats(CrontabFields fields, TimeSpan before, TimeSpan after) =>
        TimeDiff(before, after) <= -Medium || fields.IsWildcard;

    // Cron's timeDiff at the change: wall-clock minutes now less the last minute handled (1 in a normal minute).
    private static int TimeDiff(TimeSpan before, TimeSpan after) => (int)Math.Round((after - before).TotalMinutes) + 1;

    // After a small backward change a fixed-time job waits until the wall clock passes where it was before the change.
    private static DateTime? ResumeAfterBackwardChange(TimeZoneInfo zone, DateTime u, TimeSpan offset)
    {
        var window = TimeSpan.FromMinutes(Medium);
        var earlier = u - window;
        if (earlier < First || zone.GetUtcOffset(earlier) <= offset)
        {
            return null;
        }

        var change = FirstChange(zone, earlier, u, zone.GetUtcOffset(earlier));
        var before = zone.GetUtcOffset(change - Minute);
        return TimeDiff(before, offset) > -Medium ? change + before : null;
    }

    /// <summary>The first minute in (<paramref name="from"/>, <paramref name="to"/>] whose offset is not <paramref name="offset"/>.</summary>
    public static DateTime? NextChange(TimeZoneInfo zone, DateTime from, DateTime to, TimeSpan offset)
    {
        // Offsets change months apart; probing daily finds the day of a change, halving then finds its minute.
        var previous = from;
        while (previous < to)
        {
            var probe = to - previous > ProbeStep ? previous + ProbeStep : to;
            if (zone.GetUtcOffset(probe) != offset)
            {
                return FirstChange(zone, previous, probe, offset);
            }

            previous = probe;
        }

        return null;
    }

    // The first minute in (low, high] with an offset other than the one at low; high has another offset.
    private static DateTime FirstChange(TimeZoneInfo zone, DateTime low, DateTime high, TimeSpan offset)
    {
        var lowMinute = FloorToMinute(low);
        var highMinute = FloorToMinute(high);
        while (highMinute - lowMinute > Minute)
        {
            var middle = lowMinute + TimeSpan.FromMinutes(Math.Floor((highMinute - lowMinute).TotalMinutes / 2));
            if (zone.GetUtcOffset(middle) == offset)
            {
                lowMinute = middle;
            }
            else
            {
                highMinute = middle;
            }
        }

        return highMinute;
    }

    public static DateTime FloorToMinute(DateTime utc) =>
        new(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerMinute), DateTimeKind.Utc);
}
