namespace ApiRoutes.Tasks.UnitTests.Scheduling.Reference;

/// <summary>
/// When cron starts a job: in UTC, every minute that matches; in a time zone, a minute-by-minute replay of Debian's
/// cron main loop (cron.c), which compares the wall clock with the minute it last handled and treats a jump
/// forward or back specially. Simple and slow on purpose, with no code from the product.
/// </summary>
internal static class ReferenceCron
{
    /// <summary>The first <paramref name="count"/> minutes after <paramref name="afterUtc"/> and up to <paramref name="untilUtc"/> at which a UTC job starts.</summary>
    public static List<DateTime> RunsUtc(ReferenceCrontab job, DateTime afterUtc, DateTime untilUtc, int count)
    {
        var runs = new List<DateTime>();
        var t = new DateTime(afterUtc.Ticks - (afterUtc.Ticks % TimeSpan.TicksPerMinute), DateTimeKind.Utc).AddMinutes(1);
        while (t <= untilUtc && runs.Count < count)
        {
            // Skipping a day or an hour that cannot match keeps the walk fast; every minute of the rest is checked.
            if (!job.DayMatches(t))
            {
                t = t.Date.AddDays(1);
                continue;
            }

            if (!job.HourMatches(t.Hour))
            {
                t = t.Date.AddHours(t.Hour + 1);
                continue;
            }

            if (job.Matches(t))
            {
                runs.Add(t);
            }

            t = t.AddMinutes(1);
        }

        return runs;
    }

    /// <summary>The UTC minutes in (<paramref name="afterUtc"/>, <paramref name="untilUtc"/>] at which cron, running in <paramref name="zone"/>, starts the job.</summary>
    public static List<DateTime> RunsInZone(ReferenceCrontab job, TimeZoneInfo zone, DateTime afterUtc, DateTime untilUtc)
    {
        long WallMinute(DateTime utc) => (utc.Ticks + zone.GetUtcOffset(utc).Ticks) / TimeSpan.TicksPerMinute;
        bool Due(long wallMinute, bool doWild, bool doNonWild) =>
            job.Matches(new DateTime(wallMinute * TimeSpan.TicksPerMinute)) && (job.IsWildcard ? doWild : doNonWild);

        var runs = new List<DateTime>();
        var tick = new DateTime(afterUtc.Ticks - (afterUtc.Ticks % TimeSpan.TicksPerMinute), DateTimeKind.Utc);
        var virtualTime = WallMinute(tick);
        for (tick = tick.AddMinutes(1); tick <= untilUtc; tick = tick.AddMinutes(1))
        {
            var timeRunning = WallMinute(tick);
            var timeDiff = timeRunning - virtualTime;
            var run = false;
            if (timeDiff == 1)
            {
                virtualTime = timeRunning;
                run = Due(timeRunning, true, true);
            }
            else if (timeDiff > 5 && timeDiff <= 180)
            {
                // DST begins: wildcard jobs for this minute, fixed-time jobs for every minute skipped.
                run = Due(timeRunning, true, false);
                do
                {
                    virtualTime++;
                    run |= Due(virtualTime, false, true);
                }
                while (virtualTime < timeRunning);
            }
            else if (timeDiff > 0 && timeDiff <= 5)
            {
                // Woke up late: every job, for every minute missed.
                do
                {
                    virtualTime++;
                    run |= Due(virtualTime, true, true);
                }
                while (virtualTime < timeRunning);
            }
            else if (timeDiff <= 0 && timeDiff > -180)
            {
                // DST ends: wildcard jobs only, until the wall clock catches up with the virtual one.
                run = Due(timeRunning, true, false);
            }
            else
            {
                // The clock jumped a lot: jump with it.
                virtualTime = timeRunning;
                run = Due(timeRunning, true, true);
            }

            if (run)
            {
                runs.Add(tick);
            }
        }

        return runs;
    }
}
