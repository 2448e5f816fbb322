using System.Globalization;
using ApiRoutes.Scheduling;
using ApiRoutes.Tasks.UnitTests.Scheduling.Reference;
using Xunit.Abstractions;

namespace ApiRoutes.Tasks.UnitTests.Scheduling;

/// <summary>
/// The product against the independent reference (<see cref="ReferenceCrontab"/>), on thousands of generated
/// expressions: the same expressions accepted, and the same next occurrences from instants where calendars turn —
/// month ends, a leap day, a year end, a century that is not a leap year.
/// </summary>
public sealed class ReferenceComparisonTests(ITestOutputHelper output)
{
    private const int Expressions = 10_000;
    private const int Occurrences = 5;

    // How far the reference searches minute by minute; the product must agree on every occurrence within it.
    private static readonly TimeSpan Window = TimeSpan.FromDays(3 * 366);

    private static readonly DateTime[] Starts =
    [
        At("2026-01-31T23:59:00"),      // a month end
        At("2026-04-30T23:30:00"),      // a 30-day month's end
        At("2028-02-28T23:59:00"),      // the eve of a leap day
        At("2028-02-29T12:00:00"),      // a leap day
        At("2026-12-31T23:59:30"),      // a year end, with seconds
        At("2100-02-28T22:00:00"),      // 2100 is not a leap year
        At("2027-06-15T08:17:42.5"),    // an ordinary day, with a fraction of a second
    ];

    [Fact]
    public void Thousands_of_generated_expressions_run_exactly_when_crontab_runs_them()
    {
        var corpus = new CronCorpus(seed: 20260105).Expressions(Expressions).ToList();
        var differences = new List<string>();
        int accepted = 0, refused = 0, compared = 0;
        foreach (var expression in corpus)
        {
            var product = CronSchedule.Parse(expression);
            var reference = ReferenceCrontab.Parse(expression);
            var productAccepts = product.IsValid || product.Error == CronError.NeverOccurs;
            if (productAccepts != (reference is not null))
            {
                differences.Add($"'{expression}': product {(productAccepts ? "accepts" : $"refuses ({product.Message})")}, reference {(reference is null ? "refuses" : "accepts")}");
                continue;
            }

            if (reference is null)
            {
                refused++;
                continue;
            }

            accepted++;

            // The manifest's normalized form means the same to crontab: same values, same leading '*' (day rule, DST).
            var normalized = product.Normalized is null ? null : ReferenceCrontab.Parse(product.Normalized);
            if (product.IsValid && (normalized is null || !normalized.SameAs(reference)))
            {
                differences.Add($"'{expression}': normalized to '{product.Normalized}', which crontab reads differently");
            }

            foreach (var start in Starts)
            {
                compared++;
                var expected = ReferenceCron.RunsUtc(reference, start, start + Window, Occurrences);
                var actual = product.Schedule?.NextOccurrences(start, Occurrences).Where(at => at <= start + Window).ToList() ?? [];
                if (!expected.SequenceEqual(actual))
                {
                    differences.Add($"'{expression}' after {start:O}: reference {Format(expected)}, product {Format(actual)}");
                }
            }
        }

        output.WriteLine($"{corpus.Count} expressions: {accepted} accepted by both, {refused} refused by both; {compared} start instants compared; {differences.Count} differences.");
        Assert.True(differences.Count == 0, string.Join("\n", differences.Take(30)));
        Assert.True(accepted > Expressions / 2 && refused > Expressions / 20, $"The corpus should hold both kinds: {accepted} accepted, {refused} refused.");
    }

    [Fact]
    public void A_schedule_refused_as_never_firing_matches_no_day_in_a_whole_400_year_cycle()
    {
        var never = new CronCorpus(seed: 7).Expressions(4000)
            .Where(expression => CronSchedule.Parse(expression).Error == CronError.NeverOccurs)
            .DistinctBy(expression => string.Join(' ', expression.Split(' ')[2..]))   // the day fields decide; a day-by-day walk is slow
            .Take(40)
            .Append("0 0 30 2 *").Append("0 0 31 4,6,9,11 *").Append("0 0 31 2 *")
            .ToList();

        foreach (var expression in never)
        {
            var reference = ReferenceCrontab.Parse(expression)!;
            for (var day = new DateTime(2000, 1, 1); day.Year < 2400; day = day.AddDays(1))
            {
                Assert.False(reference.DayMatches(day), $"'{expression}' matches {day:yyyy-MM-dd}");
            }
        }

        output.WriteLine($"{never.Count} never-firing expressions checked over 2000-2399.");
    }

    private static string Format(List<DateTime> times) =>
        times.Count == 0 ? "none" : string.Join(", ", times.Select(at => at.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)));

    private static DateTime At(string text) =>
        DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
}
