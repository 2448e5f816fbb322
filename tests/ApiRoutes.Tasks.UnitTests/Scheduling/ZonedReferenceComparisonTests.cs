using System.Globalization;
using ApiRoutes.Scheduling;
using ApiRoutes.Tasks.UnitTests.Scheduling.Reference;
using Xunit.Abstractions;

namespace ApiRoutes.Tasks.UnitTests.Scheduling;

/// <summary>
/// Schedules in time zones against a minute-by-minute replay of Debian's cron main loop (<see cref="ReferenceCron"/>),
/// in the hours around every change of offset in a year: one-hour changes both ways, a 30-minute one, changes at
/// midnight, and Samoa's jump over a whole day.
/// </summary>
public sealed class ZonedReferenceComparisonTests(ITestOutputHelper output)
{
    private const int Expressions = 400;
    private static readonly TimeSpan Around = TimeSpan.FromHours(5);

    private static readonly (string Zone, int FirstYear, int LastYear)[] Zones =
    [
        ("Europe/Berlin", 2026, 2026),
        ("America/New_York", 2026, 2026),
        ("Australia/Lord_Howe", 2026, 2026),   // changes by 30 minutes
        ("America/Santiago", 2026, 2026),      // changes at midnight
        ("Pacific/Apia", 2011, 2012),          // skipped 30 December 2011 (24 hours)
    ];

    [Fact]
    public void Around_every_change_of_offset_schedules_run_exactly_when_cron_runs_them()
    {
        var corpus = new CronCorpus(seed: 31).AroundChanges(Expressions).ToList();
        var differences = new List<string>();
        int windows = 0, runs = 0;
        foreach (var (id, firstYear, lastYear) in Zones)
        {
            var zone = TimeZoneInfo.FindSystemTimeZoneById(id);
            var changes = Changes(zone, new DateTime(firstYear, 1, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(lastYear + 1, 1, 1, 0, 0, 0, DateTimeKind.Utc));
            Assert.NotEmpty(changes);
            foreach (var change in changes)
            {
                foreach (var expression in corpus)
                {
                    windows++;
                    var (from, until) = (change - Around, change + Around);
                    var expected = ReferenceCron.RunsInZone(ReferenceCrontab.Parse(expression)!, zone, from, until);
                    var schedule = CronSchedule.Parse(expression, id).Schedule!;
                    var actual = schedule.GetOccurrences(from, until, fromInclusive: false, toInclusive: true).ToList();
                    runs += expected.Count;
                    if (!expected.SequenceEqual(actual))
                    {
                        differences.Add($"'{expression}' in {id} around {change:O}: cron {Format(expected)}; product {Format(actual)}");
                    }
                }
            }
        }

        output.WriteLine($"{corpus.Count} expressions x {Zones.Length} zones: {windows} windows of {2 * Around.TotalHours} hours around a change, {runs} runs, {differences.Count} differences.");
        Assert.True(differences.Count == 0, string.Join("\n", differences.Take(20)));
    }

    // Found here hour by hour, then minute by minute: the test's own search, not the product's.
    private static List<DateTime> Changes(TimeZoneInfo zone, DateTime from, DateTime until)
    {
        var changes = new List<DateTime>();
        for (var hour = from; hour < until; hour = hour.AddHours(1))
        {
            if (zone.GetUtcOffset(hour) == zone.GetUtcOffset(hour.AddHours(1)))
            {
                continue;
            }

            var minute = hour.AddMinutes(1);
            while (zone.GetUtcOffset(minute) == zone.GetUtcOffset(hour))
            {
                minute = minute.AddMinutes(1);
            }

            changes.Add(minute);
        }

        return changes;
    }

    private static string Format(List<DateTime> times) =>
        times.Count == 0 ? "none" : string.Join(", ", times.Select(at => at.ToString("MM-dd HH:mm", CultureInfo.InvariantCulture)));
}
