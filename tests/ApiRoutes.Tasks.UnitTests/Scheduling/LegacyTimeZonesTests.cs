using ApiRoutes.Scheduling;

namespace ApiRoutes.Tasks.UnitTests.Scheduling;

/// <summary>The table of legacy time zone names (eng/legacy-time-zones.py), against this machine's tzdata.</summary>
public sealed class LegacyTimeZonesTests
{
    private const string ZoneInfo = "/usr/share/zoneinfo";

    // The names zone.tab and zone1970.tab list (third column).
    private static readonly HashSet<string> Listed = [.. new[] { "zone.tab", "zone1970.tab" }
        .SelectMany(table => File.ReadLines(Path.Combine(ZoneInfo, table)))
        .Where(line => !line.StartsWith('#'))
        .Select(line => line.Split('\t'))
        .Where(fields => fields.Length >= 3)
        .Select(fields => fields[2])];

    // What the warning promises: the place's current name runs on the same clock, and a country's list names it. Compared hour by hour over a year from now on this
    // machine's tzdata, where it has the legacy name (a distribution may build it apart, with its own past: Debian's CET
    // is not Europe/Brussels' file, and has its rules from 1977 on).
    [Fact]
    public void Each_legacy_name_links_to_a_current_id_on_the_same_clock_from_now_on()
    {
        Assert.True(LegacyTimeZones.All.Count > 100, $"{LegacyTimeZones.All.Count} names");
        var compared = 0;
        var from = new DateTimeOffset(DateTime.UtcNow.Year, 1, 1, 0, 0, 0, TimeSpan.Zero);
        foreach (var (legacy, current) in LegacyTimeZones.All)
        {
            Assert.Null(LegacyTimeZones.CurrentId(current));   // a current name, not another legacy name
            Assert.True(current.StartsWith("Etc/", StringComparison.Ordinal) || Listed.Contains(current), $"{legacy} -> {current}: no country's list names it");
            var zone = TimeZoneInfo.FindSystemTimeZoneById(current);
            Assert.True(zone.HasIanaId, current);
            if (!File.Exists(Path.Combine(ZoneInfo, legacy)))
            {
                continue;
            }

            var old = TimeZoneInfo.FindSystemTimeZoneById(legacy);
            for (var at = from; at < from.AddYears(1); at = at.AddHours(1))
            {
                Assert.True(old.GetUtcOffset(at) == zone.GetUtcOffset(at), $"{legacy} -> {current} at {at:O}: {old.GetUtcOffset(at)} against {zone.GetUtcOffset(at)}");
            }

            compared++;
        }

        Assert.True(compared > 100, $"only {compared} legacy names are installed here");
    }

    [Theory]
    [InlineData("US/Eastern", "America/New_York")]
    [InlineData("CET", "Europe/Brussels")]
    [InlineData("Europe/Kiev", "Europe/Kyiv")]
    [InlineData("Iceland", "Atlantic/Reykjavik")]             // the tz database's "#=" label, not the link's target (Africa/Abidjan)
    [InlineData("Australia/ACT", "Australia/Sydney")]         // a label that is itself a legacy name (Australia/Canberra) gives way
    [InlineData("America/Coral_Harbour", "America/Atikokan")] // no label: the place zone.tab names
    [InlineData("Europe/Kyiv", null)]
    [InlineData("Africa/Accra", null)]
    [InlineData("UTC", null)]
    [InlineData("us/eastern", null)]
    [InlineData(null, null)]
    public void The_current_id_of_a_name(string? id, string? current) => Assert.Equal(current, LegacyTimeZones.CurrentId(id));
}
