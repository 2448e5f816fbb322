using System.Globalization;
using ApiRoutes.Scheduling;

namespace ApiRoutes.Tasks.UnitTests.Scheduling;

/// <summary>
/// Schedules in a time zone across its changes of offset, as Debian's cron runs them: the next occurrence after an
/// instant is a pure function, so each case lists the runs around one change, in UTC.
/// </summary>
public class DaylightSavingTests
{
    // Berlin 2026: clocks go forward at 01:00 UTC on 29 March (02:00 CET -> 03:00 CEST) and back at 01:00 UTC on
    // 25 October (03:00 CEST -> 02:00 CET).
    private const string SpringBerlin = "2026-03-28T22:00:00Z";
    private const string AutumnBerlin = "2026-10-24T22:00:00Z";

    [Theory]
    // A fixed time in the skipped hour runs at the change (03:00 CEST, 01:00 UTC); the days around it as usual.
    [InlineData("30 2 * * *", "Europe/Berlin", SpringBerlin, "2026-03-29 01:00, 2026-03-30 00:30")]
    // Two fixed times in the skipped hour: one occurrence at the change.
    [InlineData("0,30 2 * * *", "Europe/Berlin", SpringBerlin, "2026-03-29 01:00, 2026-03-30 00:00")]
    // A fixed time at the change itself and one skipped: still one occurrence.
    [InlineData("30 2,3 * * *", "Europe/Berlin", SpringBerlin, "2026-03-29 01:00, 2026-03-29 01:30, 2026-03-30 00:30")]
    // Wildcard (minute or hour starts with '*'): by the wall clock, the skipped times do not run.
    [InlineData("30 * * * *", "Europe/Berlin", SpringBerlin, "2026-03-28 22:30, 2026-03-28 23:30, 2026-03-29 00:30, 2026-03-29 01:30")]
    [InlineData("*/30 * * * *", "Europe/Berlin", SpringBerlin, "2026-03-28 22:30, 2026-03-28 23:00, 2026-03-28 23:30, 2026-03-29 00:00, 2026-03-29 00:30, 2026-03-29 01:00, 2026-03-29 01:30")]
    [InlineData("*/20 2 * * *", "Europe/Berlin", SpringBerlin, "2026-03-30 00:00, 2026-03-30 00:20, 2026-03-30 00:40")]
    // A repeated fixed time runs once, the first time (02:30 CEST, 00:30 UTC).
    [InlineData("30 2 * * *", "Europe/Berlin", AutumnBerlin, "2026-10-25 00:30, 2026-10-26 01:30")]
    // Wildcards run at both 02:30s.
    [InlineData("30 * * * *", "Europe/Berlin", AutumnBerlin, "2026-10-24 22:30, 2026-10-24 23:30, 2026-10-25 00:30, 2026-10-25 01:30, 2026-10-25 02:30")]
    [InlineData("*/30 2 * * *", "Europe/Berlin", AutumnBerlin, "2026-10-25 00:00, 2026-10-25 00:30, 2026-10-25 01:00, 2026-10-25 01:30, 2026-10-26 01:00")]
    // A fixed time after the repeated hour runs once, at its one instant.
    [InlineData("0 3 * * *", "Europe/Berlin", AutumnBerlin, "2026-10-25 02:00, 2026-10-26 02:00")]
    // New York 2026: forward on 8 March at 07:00 UTC (02:00 EST -> 03:00 EDT), back on 1 November at 06:00 UTC.
    [InlineData("30 2 * * *", "America/New_York", "2026-03-07T00:00:00Z", "2026-03-07 07:30, 2026-03-08 07:00, 2026-03-09 06:30")]
    [InlineData("30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z", "2026-11-01 05:30, 2026-11-02 06:30")]
    // Lord Howe moves by 30 minutes (04 October 2026, 02:00 -> 02:30, at 15:30 UTC the day before).
    [InlineData("15 2 * * *", "Australia/Lord_Howe", "2026-10-03T00:00:00Z", "2026-10-03 15:30, 2026-10-04 15:15")]
    // Samoa skipped 30 December 2011 (a jump of 24 hours, from UTC-10 to UTC+14): cron jumps with the clock, and noon
    // of the 29th (22:00 UTC) is followed by noon of the 31st (22:00 UTC on the 30th).
    [InlineData("0 12 * * *", "Pacific/Apia", "2011-12-28T00:00:00Z", "2011-12-28 22:00, 2011-12-29 22:00, 2011-12-30 22:00")]
    [InlineData("0 12 30 12 *", "Pacific/Apia", "2011-12-28T00:00:00Z", "2012-12-29 22:00")]
    // Without changes a zone is a fixed offset.
    [InlineData("0 9 * * *", "Asia/Kolkata", "2026-01-01T00:00:00Z", "2026-01-01 03:30, 2026-01-02 03:30")]
    public void Runs_across_a_change_of_offset_as_crontab_runs_them(string expression, string zone, string after, string expected)
    {
        var schedule = CronSchedule.Parse(expression, zone).Schedule!;
        var from = Instant(after);
        var count = expected.Split(", ").Length;

        Assert.Equal(expected, string.Join(", ", schedule.NextOccurrences(from, count).Select(Format)));
    }

    [Fact]
    public void Occurrences_are_in_order_and_each_is_found_again_from_just_before_it()
    {
        foreach (var (expression, zone) in new[] { ("*/20 * * * *", "Europe/Berlin"), ("30 2 * * *", "Europe/Berlin"), ("0,30 1 * * *", "America/New_York") })
        {
            var schedule = CronSchedule.Parse(expression, zone).Schedule!;
            var runs = schedule.NextOccurrences(Instant("2026-03-01T00:00:00Z"), 3000).ToList();

            Assert.Equal(runs.Order(), runs);
            Assert.Equal(runs.Count, runs.Distinct().Count());
            Assert.All(runs, run => Assert.Equal(run, schedule.GetNextOccurrence(run.AddTicks(-1))));
        }
    }

    [Theory]
    [InlineData("Europe/Berln", "'Europe/Berln' is not a time zone this machine knows. Write an IANA id such as 'Europe/Berlin' or 'America/New_York' (leave it out for UTC). Did you mean 'Europe/Berlin'?")]
    [InlineData("W. Europe Standard Time", "'W. Europe Standard Time' is a Windows time zone id, not an IANA id; write 'Europe/Berlin'.")]
    [InlineData("../../etc/passwd", "'../../etc/passwd' is not a time zone this machine knows. Write an IANA id such as 'Europe/Berlin' or 'America/New_York' (leave it out for UTC).")]
    [InlineData("", "'' is not a time zone this machine knows. Write an IANA id such as 'Europe/Berlin' or 'America/New_York' (leave it out for UTC).")]
    // files of the zone database that are whatever the machine makes them (the build's zone would not be the host's)
    [InlineData("localtime", "'localtime' is not the same zone on every machine: it is the zone the machine is set to. Write an IANA id such as 'Europe/Berlin' (leave it out for UTC).")]
    [InlineData("posixrules", "'posixrules' is not the same zone on every machine: it is the rules a POSIX TZ string falls back on, which the machine chooses. Write an IANA id such as 'Europe/Berlin' (leave it out for UTC).")]
    [InlineData("Factory", "'Factory' is not the same zone on every machine: it is tzdata's placeholder for a machine whose zone was not set. Write an IANA id such as 'Europe/Berlin' (leave it out for UTC).")]
    [InlineData("right/UTC", "'right/UTC' is not the same zone on every machine: the 'posix/' and 'right/' copies of the database are installed on some machines only ('right/' counts leap seconds). Write an IANA id such as 'Europe/Berlin' (leave it out for UTC).")]
    [InlineData("posix/Europe/Berlin", "'posix/Europe/Berlin' is not the same zone on every machine: the 'posix/' and 'right/' copies of the database are installed on some machines only ('right/' counts leap seconds). Write an IANA id such as 'Europe/Berlin' (leave it out for UTC).")]
    public void An_unknown_time_zone_is_a_coded_error(string zone, string message)
    {
        var result = CronSchedule.Parse("0 9 * * *", zone);

        Assert.Equal("AR4010", result.Code);
        Assert.Equal(message, result.Message);
    }

    [Theory]
    [InlineData("30 2 * * *", "'30 2 * * *': In Europe/Berlin, 02:30 does not exist on 2026-03-29 (clocks go forward from 02:00 to 03:00): the schedule runs at 03:00 (01:00 UTC) instead, as crontab runs a job at a fixed time whose time was skipped. In Europe/Berlin, 02:30 happens twice on 2026-10-25 (clocks go back from 03:00 to 02:00): the schedule runs once, the first time (00:30 UTC for 02:30), as crontab does not repeat a job at a fixed time.")]
    [InlineData("*/15 2 * * *", "'*/15 2 * * *': In Europe/Berlin, 02:00 to 02:45 (4 runs) does not exist on 2026-03-29 (clocks go forward from 02:00 to 03:00): the schedule does not run then, as crontab skips those times for a schedule whose minute or hour starts with '*'. In Europe/Berlin, 02:00 to 02:45 (4 runs) happens twice on 2026-10-25 (clocks go back from 03:00 to 02:00): the schedule runs both times (00:00 UTC and 01:00 UTC for 02:00), as crontab runs a schedule whose minute or hour starts with '*' by the wall clock.")]
    // Review 16c F5: where the change's own minute is one of the schedule's times, nothing moves to it; and Debian's cron
    // starts the job once per time it walks through, ApiRoutes once.
    [InlineData("0 2,3 * * *", "'0 2,3 * * *': In Europe/Berlin, 02:00 does not exist on 2026-03-29 (clocks go forward from 02:00 to 03:00): the schedule runs once at 03:00 (01:00 UTC), its 03:00 run standing for the skipped one, as crontab runs a job at a fixed time whose time was skipped (Debian's cron would start it 2 times at that minute; ApiRoutes starts it once). In Europe/Berlin, 02:00 happens twice on 2026-10-25 (clocks go back from 03:00 to 02:00): the schedule runs once, the first time (00:00 UTC for 02:00), as crontab does not repeat a job at a fixed time.")]
    [InlineData("0,30 2 * * *", "'0,30 2 * * *': In Europe/Berlin, 02:00 to 02:30 (2 runs) does not exist on 2026-03-29 (clocks go forward from 02:00 to 03:00): the schedule runs at 03:00 (01:00 UTC) instead, as crontab runs a job at a fixed time whose time was skipped (Debian's cron would start it 2 times at that minute; ApiRoutes starts it once). In Europe/Berlin, 02:00 to 02:30 (2 runs) happens twice on 2026-10-25 (clocks go back from 03:00 to 02:00): the schedule runs once, the first time (00:00 UTC for 02:00), as crontab does not repeat a job at a fixed time.")]
    public void A_time_in_a_daylight_saving_change_is_a_warning_that_names_the_date_and_what_happens(string expression, string message)
    {
        var schedule = CronSchedule.Parse(expression, "Europe/Berlin").Schedule!;

        var warning = Assert.Single(CronSchedule.Warnings(expression, schedule, Instant("2026-01-01T00:00:00Z")));

        Assert.Equal("AR4102", warning.Code);
        Assert.Equal(message, warning.Message);
    }

    // Review 24a F4: where the clocks move by half an hour, an hourly wildcard schedule runs 30 minutes apart at one
    // change and 90 at the other; it was said to stay evenly spaced, and not reported.
    [Theory]
    [InlineData("30 * * * *", "happens twice on 2026-04-05 (clocks go back from 02:00 to 01:30): the schedule runs both times (14:30 UTC and 15:00 UTC for 01:30)")]
    [InlineData("0 * * * *", "does not exist on 2026-10-04 (clocks go forward from 02:00 to 02:30): the schedule does not run then")]
    public void An_hourly_wildcard_schedule_is_reported_where_the_clocks_move_by_half_an_hour(string expression, string said)
    {
        var schedule = CronSchedule.Parse(expression, "Australia/Lord_Howe").Schedule!;

        var warning = Assert.Single(CronSchedule.Warnings(expression, schedule, Instant("2026-01-01T00:00:00Z")));

        Assert.Equal("AR4102", warning.Code);
        Assert.Contains(said, warning.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0 12 * * *", "Europe/Berlin")]   // noon is never skipped nor repeated there
    [InlineData("*/15 * * * *", "Europe/Berlin")] // every hour, by the wall clock: no surprise
    [InlineData("*/15 * * * *", "Australia/Lord_Howe")] // the same quarters after a change of half an hour
    [InlineData("0 * * * *", "Europe/Berlin")]
    [InlineData("30 2 * * *", null)]              // UTC has no changes
    public void Schedules_that_no_change_affects_have_no_warning(string expression, string? zone) =>
        Assert.Empty(CronSchedule.Warnings(expression, CronSchedule.Parse(expression, zone).Schedule!, Instant("2026-01-01T00:00:00Z")));

    private static string Format(DateTime at) => at.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    private static DateTime Instant(string text) =>
        DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
}
