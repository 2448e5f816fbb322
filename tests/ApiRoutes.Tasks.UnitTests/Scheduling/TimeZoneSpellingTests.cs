using ApiRoutes.Scheduling;

namespace ApiRoutes.Tasks.UnitTests.Scheduling;

/// <summary>
/// A time zone id is checked against the time zone files' own spelling before any lookup (review 43a F1): on a
/// case-insensitive file system (macOS), 'europe/berlin' opened Europe/Berlin's file, the build accepted an id no Linux
/// host knows, and .NET's process-wide cache of zones then refused 'Europe/Berlin' in the same build. This machine's file
/// system is case-sensitive, so the spelling is shown on a folder laid out as tzdata is.
/// </summary>
public sealed class TimeZoneSpellingTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("apiroutes-tz-").FullName;

    public TimeZoneSpellingTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "Europe"));
        Directory.CreateDirectory(Path.Combine(_root, "America", "Argentina"));
        File.WriteAllText(Path.Combine(_root, "Europe", "Berlin"), "");
        File.WriteAllText(Path.Combine(_root, "America", "Argentina", "Buenos_Aires"), "");
        File.WriteAllText(Path.Combine(_root, "UTC"), "");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("Europe/Berlin", "Europe/Berlin")]
    [InlineData("europe/berlin", "Europe/Berlin")]
    [InlineData("EUROPE/Berlin", "Europe/Berlin")]
    [InlineData("america/argentina/buenos_aires", "America/Argentina/Buenos_Aires")]
    [InlineData("utc", "UTC")]
    // Not there, or not a name of the database's: no spelling (the lookup says it is unknown)
    [InlineData("Europe/Paris", null)]
    [InlineData("Europe", "Europe")]   // a folder: found, and the lookup refuses it as no zone
    [InlineData("Europe/Berlin/x", null)]
    [InlineData("../Europe/Berlin", null)]
    [InlineData("Europe//Berlin", null)]
    [InlineData("Europe/*", null)]
    [InlineData("Europe/B?rlin", null)]
    [InlineData("Europe/[B]erlin", null)]
    [InlineData("/Europe/Berlin", null)]
    [InlineData("Europe/Berlin\0", null)]
    public void The_spelling_is_the_files_own(string id, string? spelled)
    {
        Assert.Equal(spelled, CronTimeZones.Spelling(id, _root));
    }

    [Fact]
    public void An_exact_name_wins_where_names_differ_only_in_case()
    {
        // Possible on a case-sensitive file system; the id as written is a file of its own there.
        Directory.CreateDirectory(Path.Combine(_root, "europe"));
        File.WriteAllText(Path.Combine(_root, "europe", "berlin"), "");

        Assert.Equal("europe/berlin", CronTimeZones.Spelling("europe/berlin", _root));
        Assert.Equal("Europe/Berlin", CronTimeZones.Spelling("Europe/Berlin", _root));
    }

    [Fact]
    public void No_folder_no_spelling()
    {
        Assert.Null(CronTimeZones.Spelling("Europe/Berlin", null));
        Assert.Null(CronTimeZones.Spelling("Europe/Berlin", Path.Combine(_root, "missing")));
    }

    [Fact]
    public void A_wrong_case_is_refused_with_the_right_one_and_leaves_the_right_one_usable()
    {
        var typo = CronSchedule.Parse("30 2 * * *", "europe/berlin");
        var right = CronSchedule.Parse("30 2 * * *", "Europe/Berlin");

        Assert.Equal("Time zone ids are case-sensitive: write 'Europe/Berlin', not 'europe/berlin'.", typo.Message);
        Assert.True(right.IsValid, right.Message);
        Assert.Equal("Europe/Berlin", right.Schedule!.TimeZoneId);
    }
}
