using ApiRoutes.Tasks.UnitTests.Infrastructure;

namespace ApiRoutes.Tasks.UnitTests.Analysis;

/// <summary>AR4xxx: schedules written in [ScheduledRoute]; errors point at the string literal.</summary>
public class ScheduleDiagnosticsTests
{
    [Theory]
    [InlineData("not a cron", "AR4001")]        // not even close
    [InlineData("61 * * * *", "AR4001")]        // minute out of range
    [InlineData("* * * *", "AR4001")]           // four fields
    [InlineData("H * * * *", "AR4001")]         // a hashed value: Cronos threw, and the task failed with MSB4018
    [InlineData("@reboot", "AR4002")]           // refused as on the platform ApiRoutes mirrors
    [InlineData("@annually", "AR4002")]
    [InlineData("*/10 * * * * *", "AR4003")]    // six fields: seconds
    [InlineData("@every_second", "AR4003")]
    [InlineData("", "AR4004")]                  // an empty schedule is no schedule
    [InlineData("0 0 30 2 *", "AR4006")]        // February 30th never comes
    public void Bad_schedules_are_errors_at_the_schedule(string schedule, string code)
    {
        using var project = Project($"[ScheduledRoute(\"{schedule}\")]");

        var result = project.Analyze();

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal($"{code} Api/Cleanup.cs(3,17)", Render.Where(diagnostic, project));
        Assert.Null(result.Manifest);
    }

    [Fact]
    public void Six_fields_are_explained_as_once_a_minute_at_most()
    {
        using var project = Project("[ScheduledRoute(\"* * * * * *\")]");

        Assert.Equal(
            "The schedule of '/api/cleanup' is invalid: '* * * * * *' runs more than once a minute; schedules run at "
            + "most once a minute. Use 5 fields (minute hour day-of-month month day-of-week), for example '* * * * *' "
            + "for every minute. Schedules are in UTC.",
            Assert.Single(project.Analyze().Diagnostics).Message);
    }

    [Fact]
    public void A_scheduled_route_without_any_schedule_is_an_error_at_the_attribute()
    {
        using var project = Project("[ScheduledRoute]");

        var diagnostic = Assert.Single(project.Analyze().Diagnostics);

        Assert.Equal("AR4004 Api/Cleanup.cs(3,2)", Render.Where(diagnostic, project));
        Assert.Contains("apiroutes.yaml", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Restricting_both_day_fields_is_a_warning_only()
    {
        using var project = Project("[ScheduledRoute(\"0 9 1 * MON\")]");

        var result = project.Analyze();

        Assert.Equal("AR4101 Api/Cleanup.cs(3,17)", Render.Where(Assert.Single(result.Diagnostics), project));
        Assert.Equal("0 9 1 * 1", Assert.Single(result.Manifest!.Routes).Schedule!.Normalized);
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

        // The literal is on the next line; the diagnostic falls back to the attribute name, still on the right line.
        Assert.Equal("AR4001 Api/Cleanup.cs(3,2)", Render.Where(Assert.Single(project.Analyze().Diagnostics), project));
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
