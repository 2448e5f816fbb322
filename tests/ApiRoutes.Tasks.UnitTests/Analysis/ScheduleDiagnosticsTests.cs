using ApiRoutes.Manifest;
using ApiRoutes.Tasks.UnitTests.Infrastructure;

namespace ApiRoutes.Tasks.UnitTests.Analysis;

/// <summary>AR4xxx: schedules written in [ScheduledRoute]; errors point at the string literal.</summary>
public class ScheduleDiagnosticsTests
{
    [Theory]
    [InlineData("not a cron", "AR4001")]        // not even close
    [InlineData("61 * * * *", "AR4001")]        // minute out of range
    [InlineData("* * * *", "AR4001")]           // four fields
    [InlineData("@reboot", "AR4002")]           // refused as on the platform ApiRoutes mirrors
    [InlineData("@annually", "AR4002")]
    [InlineData("*/10 * * * * *", "AR4003")]    // six fields: seconds, several a minute
    [InlineData("@every_second", "AR4003")]
    [InlineData("", "AR4004")]                  // an empty schedule is no schedule
    [InlineData("0 0 30 2 *", "AR4006")]        // February 30th never comes
    [InlineData("H * * * *", "AR4008")]         // Jenkins' hash: a coded error, never an exception
    [InlineData("0 0 L * *", "AR4008")]         // Quartz's "last day"
    [InlineData("0 0 12 * * MON", "AR4008")]    // six fields with one second: not crontab, and not sub-minute either
    [InlineData("0 0 * * SAT-SUN", "AR4009")]   // reversed: crontab never runs it
    public void Bad_schedules_are_errors_at_the_schedule(string schedule, string code)
    {
        using var project = Project($"[ScheduledRoute(\"{schedule}\")]");

        var result = project.Analyze();

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal($"{code} Api/Cleanup.cs(3,17)", Render.Where(diagnostic, project));
        Assert.Null(result.Manifest);
    }

    [Fact]
    public void The_message_is_the_shared_rules_own_word_for_word()
    {
        using var project = Project("[ScheduledRoute(\"0 0 12 * * MON\")]");

        Assert.Equal(
            "'0 0 12 * * MON' is not crontab: it has 6 fields; crontab has 5 (minute hour day-of-month month day-of-week). A first field "
            + "of seconds is Quartz's and Spring's format: drop it and write '0 12 * * MON'.",
            Assert.Single(project.Analyze().Diagnostics).Message);
    }

    // Review 25a F10: a partial handler whose attributes are on the declaration in one file and whose HandleAsync is in
    // another had its schedule's errors placed in the second file, which holds no attribute.
    [Fact]
    public void A_partial_handlers_attribute_errors_are_placed_in_the_file_that_has_the_attribute()
    {
        using var project = new TestProject()
            .Source("Api/Job.cs", """
                namespace Shop.Api;

                // The route's settings.
                [ScheduledRoute("0 3 * * * *", TimeZone = "Europe/Berln")]
                public sealed partial class Job : IApiHandler;
                """)
            .Source("Api/Job.Run.cs", """
                namespace Shop.Api;

                public sealed partial class Job
                {
                    public Task HandleAsync(HttpContext context) => Task.CompletedTask;
                }
                """);

        var result = project.Analyze();

        Assert.Equal(
            ["AR4008 Api/Job.cs(4,17)", "AR4010 Api/Job.cs(4,43)"],
            result.Diagnostics.Select(diagnostic => Render.Where(diagnostic, project)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_scheduled_route_without_any_schedule_is_an_error_at_the_attribute()
    {
        using var project = Project("[ScheduledRoute]");

        var diagnostic = Assert.Single(project.Analyze().Diagnostics);

        Assert.Equal("AR4004 Api/Cleanup.cs(3,2)", Render.Where(diagnostic, project));
        Assert.Contains("apiroutes.yaml", diagnostic.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0 9 1 * MON", "0 9 1 * 1")]    // the 1st and every Monday: crontab's rule, as a crontab user means it
    [InlineData("0 9 * * MON", "0 9 * * 1")]
    [InlineData("0 9 1-31 * 0-6", "0 9 1-31 * 0-6")]   // both name every day: every day, whichever rule
    public void Both_day_fields_restricted_with_plain_values_pass_without_a_warning(string schedule, string normalized)
    {
        using var project = Project($"[ScheduledRoute(\"{schedule}\")]");

        var result = project.Analyze();

        Assert.Empty(result.Diagnostics);
        Assert.Equal(normalized, Assert.Single(result.Manifest!.Routes).Schedule!.Normalized);
    }

    [Theory]
    [InlineData("0 9 1-7 * MON", "'0 9 1-7 * MON': It runs on the 1st to 7th of the month and on every Monday: when both day fields are restricted, crontab runs on days that match either. Crontab cannot say \"the first Monday\": set day-of-month to '*' to run every Monday, and return early in the handler unless the date is the one you want.")]
    [InlineData("0 9 */2 * MON", "'0 9 */2 * MON': It runs only on every Monday that is every 2nd day from the 1st to the 31st of the month: a day field that starts with '*' makes crontab require both day fields, where plain values (without '*') would run on days matching either. Some schedulers that read crontab syntax use either here; write the day-of-month as a list of days if that is what you mean.")]
    // Review 16c F4: a field of every day written without '*' still takes part in the either rule (crontab decides by the
    // '*'), so these run every day; they passed without a word.
    [InlineData("0 9 1-31 * MON", "'0 9 1-31 * MON': It runs every day: neither day field starts with '*', so crontab runs on days that match either, and the day-of-month field names every day. Write '*' for day-of-month to run on every Monday only.")]
    [InlineData("0 9 1 * 0-6", "'0 9 1 * 0-6': It runs every day: neither day field starts with '*', so crontab runs on days that match either, and the day-of-week field names every day of the week. Write '*' for day-of-week to run on the 1st of the month only.")]
    public void The_day_rule_is_a_warning_only_where_it_is_easy_to_misread(string schedule, string message)
    {
        using var project = Project($"[ScheduledRoute(\"{schedule}\")]");

        var result = project.Analyze();

        var warning = Assert.Single(result.Diagnostics);
        Assert.Equal("AR4101 Api/Cleanup.cs(3,17)", Render.Where(warning, project));
        Assert.Equal(message, warning.Message);
        Assert.NotNull(result.Manifest);
    }

    [Theory]
    [InlineData("@yearly")]
    [InlineData("@monthly")]
    [InlineData("@weekly")]
    [InlineData("@daily")]
    [InlineData("@hourly")]
    [InlineData("*/5 * * * *")]
    public void Supported_schedules_pass(string schedule)
    {
        using var project = Project($"[ScheduledRoute(\"{schedule}\")]");

        var result = project.Analyze();

        Assert.Empty(result.Diagnostics);
        Assert.Equal(schedule, Assert.Single(result.Manifest!.Routes).Schedule!.Expression);
    }

    [Fact]
    public void The_attribute_sets_a_time_zone_that_the_manifest_carries()
    {
        using var project = Project("[ScheduledRoute(\"0 9 * * MON-FRI\", TimeZone = \"America/New_York\")]");

        var result = project.Analyze();

        Assert.Empty(result.Diagnostics);
        Assert.Equal(new ManifestSchedule("0 9 * * MON-FRI", "0 9 * * 1-5", "America/New_York"), Assert.Single(result.Manifest!.Routes).Schedule);
        Assert.Contains("\"timeZone\": \"America/New_York\"", ManifestJson.Serialize(result.Manifest), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_time_zone_is_an_error_at_the_time_zone_and_a_bad_schedule_is_reported_too()
    {
        using var project = Project("[ScheduledRoute(\"61 * * * *\", TimeZone = \"Mars/Olympus\")]");

        var diagnostics = project.Analyze().Diagnostics;

        Assert.Equal(["AR4001 Api/Cleanup.cs(3,17)", "AR4010 Api/Cleanup.cs(3,42)"], diagnostics.Select(d => Render.Where(d, project)));
        Assert.StartsWith("'Mars/Olympus' is not a time zone this machine knows.", diagnostics[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_time_in_a_daylight_saving_change_is_a_warning_at_the_schedule()
    {
        using var project = Project("[ScheduledRoute(\"30 2 * * *\", TimeZone = \"Europe/Berlin\")]");

        var result = project.Analyze(nowUtc: new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));

        var warning = Assert.Single(result.Diagnostics);
        Assert.Equal("AR4102 Api/Cleanup.cs(3,17)", Render.Where(warning, project));
        Assert.StartsWith("'30 2 * * *': In Europe/Berlin, 02:30 does not exist on 2026-03-29", warning.Message, StringComparison.Ordinal);
        Assert.NotNull(result.Manifest);
    }

    // Review 43a F5: a legacy name of the tz database passed the build, and a host whose tzdata leaves such names out
    // (Debian's and Ubuntu's tzdata-legacy) stops at start-up. A warning at the time zone names the current id.
    [Theory]
    [InlineData("US/Eastern", "America/New_York", "")]
    [InlineData("Asia/Calcutta", "Asia/Kolkata", "")]
    [InlineData("Etc/Zulu", "Etc/UTC", ", or leave the time zone out for UTC")]
    [InlineData("Iceland", "Atlantic/Reykjavik", "")]   // the tz database's label: its link is to Africa/Abidjan's rules (review 45c)
    public void A_legacy_time_zone_name_is_a_warning_at_the_time_zone_naming_the_current_id(string legacy, string current, string utc)
    {
        using var project = Project($"[ScheduledRoute(\"0 9 * * MON-FRI\", TimeZone = \"{legacy}\")]");

        var result = project.Analyze(nowUtc: new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));

        var warning = Assert.Single(result.Diagnostics);
        Assert.Equal("AR4103 Api/Cleanup.cs(3,47)", Render.Where(warning, project));
        Assert.Equal(
            $"'{legacy}' is a legacy name of the time zone database, kept for backward compatibility (the place's current name is '{current}'): "
            + "newer Linux distributions ship such names apart (Debian's and Ubuntu's tzdata-legacy package), and an app whose host does not have it "
            + $"stops at start-up. Write '{current}'{utc}; it runs on the same clock.",
            warning.Message);
        Assert.Equal(legacy, Assert.Single(result.Manifest!.Routes).Schedule!.TimeZone);   // a warning: it still builds, as written
    }

    // Note 45 (45b minor): 'Etc/GMT+5' is five hours behind UTC (tzdb's Etc/GMT names carry the POSIX sign), so a schedule
    // written for UTC+5 with it runs ten hours off, and the build said nothing.
    [Theory]
    [InlineData("Etc/GMT+5", "5 hours behind UTC (UTC-05:00)", "UTC+05:00", "Etc/GMT-5")]
    [InlineData("Etc/GMT-12", "12 hours ahead of UTC (UTC+12:00)", "UTC-12:00", "Etc/GMT+12")]
    [InlineData("Etc/GMT+1", "1 hour behind UTC (UTC-01:00)", "UTC+01:00", "Etc/GMT-1")]
    public void A_fixed_offset_zone_is_a_warning_at_the_time_zone_saying_which_way_its_sign_goes(string zone, string offset, string reverse, string reversed)
    {
        using var project = Project($"[ScheduledRoute(\"0 9 * * MON-FRI\", TimeZone = \"{zone}\")]");

        var result = project.Analyze(nowUtc: new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));

        var warning = Assert.Single(result.Diagnostics);
        Assert.Equal("AR4104 Api/Cleanup.cs(3,47)", Render.Where(warning, project));
        Assert.Equal(
            $"'{zone}' is {offset}: the time zone database's Etc/GMT zones carry the sign of POSIX TZ strings, the reverse of ISO 8601's. "
            + $"If you meant {reverse}, write '{reversed}'. A fixed offset never changes for daylight saving; a place's name (such as "
            + "'America/New_York') follows its clock changes.",
            warning.Message);
        Assert.Equal(zone, Assert.Single(result.Manifest!.Routes).Schedule!.TimeZone);   // a warning: it still builds, as written
    }

    // Review 46d F4: the database has no UTC-13:00 or UTC-14:00, so no zone of the opposite sign is suggested.
    [Theory]
    [InlineData("Etc/GMT-13")]
    [InlineData("Etc/GMT-14")]
    public void A_fixed_offset_zone_whose_opposite_does_not_exist_suggests_none(string zone)
    {
        using var project = Project($"[ScheduledRoute(\"0 9 * * MON-FRI\", TimeZone = \"{zone}\")]");

        var warning = Assert.Single(project.Analyze(nowUtc: new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc)).Diagnostics);

        Assert.Equal("AR4104", warning.Descriptor.Code);
        Assert.DoesNotContain("If you meant", warning.Message, StringComparison.Ordinal);
        Assert.Contains($"hours ahead of UTC (UTC+{zone[^2..]}:00)", warning.Message, StringComparison.Ordinal);
    }

    // Links that a country's list names are that country's current id, and UTC is .NET's own name for its zone.
    [Theory]
    [InlineData("Africa/Accra")]
    [InlineData("Europe/Amsterdam")]
    [InlineData("Europe/Kyiv")]
    [InlineData("UTC")]
    [InlineData("Etc/GMT")]
    [InlineData("Etc/UTC")]
    public void A_current_name_that_is_a_link_is_no_warning(string zone)
    {
        using var project = Project($"[ScheduledRoute(\"0 9 * * MON-FRI\", TimeZone = \"{zone}\")]");

        Assert.Empty(project.Analyze(nowUtc: new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc)).Diagnostics);
    }

    [Fact]
    public void The_attribute_can_opt_in_to_catch_up()
    {
        using var project = Project("[ScheduledRoute(\"@daily\", CatchUp = true)]");

        Assert.True(Assert.Single(project.Analyze().Manifest!.Routes).CatchUp);
    }

    [Fact]
    public void A_verbatim_string_on_a_line_of_its_own_is_located_too()
    {
        using var project = new TestProject().Source("Api/Cleanup.cs", """
            namespace Shop.Api;

            [ScheduledRoute(
                @"61 * * * *")]
            public sealed class Cleanup : IApiHandler
            {
                public Task HandleAsync(HttpContext context) => Task.CompletedTask;
            }
            """);

        // The literal is on the next line, and so is the diagnostic (review 27a F6: it fell back to the attribute's name).
        Assert.Equal("AR4001 Api/Cleanup.cs(4,5)", Render.Where(Assert.Single(project.Analyze().Diagnostics), project));
    }

    private static TestProject Project(string attribute) => new TestProject().Source("Api/Cleanup.cs", $$"""
        namespace Shop.Api;

        {{attribute}}
        public sealed class Cleanup : IApiHandler
        {
            public Task HandleAsync(HttpContext context) => Task.CompletedTask;
        }
        """);
}
