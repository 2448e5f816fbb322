using ApiRoutes.Testing.Tests.Handlers;
using ApiRoutes.Testing.Tests.Infrastructure;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Testing.Tests;

/// <summary>RunScheduledAsync: a scheduled route as of one occurrence, and the body its handler was given.</summary>
public sealed class ScheduledRunTests
{
    private static readonly DateTimeOffset ThreeOClock = new(2026, 1, 1, 3, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_scheduled_route_runs_as_of_an_occurrence_and_is_given_the_occurrence_after_it()
    {
        await using var app = await AppUnderTest.StartAsync(Create(ScheduledRoute("/api/tick", typeof(Tick), "0 3 * * *")));

        var run = await app.Test.RunScheduledAsync("/api/tick", ThreeOClock);

        Assert.Equal(ExecutionStatus.Succeeded, run.Status);
        Assert.Equal("""{"next_run":"2026-01-02T03:00:00.000Z"}""", run.Body);
        Assert.Equal(ThreeOClock.AddDays(1), run.NextRun);
        Assert.Equal(ThreeOClock, run.Record.Occurrence);
        Assert.Contains(run.LogLines, line => line.EndsWith("Next run 2026-01-02T03:00:00.000Z", StringComparison.Ordinal));
        Assert.Equal(ApiRoutesTestOptions.DefaultStart, app.Test.Clock.GetUtcNow());   // run now, the clock not moved
    }

    [Fact]
    public async Task The_same_occurrence_may_be_run_again()
    {
        await using var app = await AppUnderTest.StartAsync(Create(ScheduledRoute("/api/tick", typeof(Tick), "0 3 * * *")));

        var first = await app.Test.RunScheduledAsync("/api/tick", ThreeOClock);
        var second = await app.Test.RunScheduledAsync("/api/tick", ThreeOClock);

        Assert.NotEqual(first.ExecutionId, second.ExecutionId);
        Assert.Equal((ExecutionStatus.Succeeded, ExecutionStatus.Succeeded), (first.Status, second.Status));
    }

    [Theory]
    // not a time the schedule fires
    [InlineData("/api/tick", "2026-01-01T03:30:00Z", "2026-01-01T03:30:00.0000000+00:00 is not an occurrence of /api/tick's schedule (0 3 * * *, UTC); the next one after it is 2026-01-02T03:00:00.0000000+00:00.")]
    // not a scheduled route
    [InlineData("/api/nope", "2026-01-01T03:00:00Z", "'/api/nope' is not a scheduled route of this app; its scheduled routes are: /api/tick.")]
    public async Task A_wrong_route_or_occurrence_is_a_clear_error(string route, string occurrence, string message)
    {
        await using var app = await AppUnderTest.StartAsync(Create(ScheduledRoute("/api/tick", typeof(Tick), "0 3 * * *")));

        var e = await Assert.ThrowsAsync<ApiRoutesTestException>(() => app.Test.RunScheduledAsync(route, DateTimeOffset.Parse(occurrence, System.Globalization.CultureInfo.InvariantCulture)));

        Assert.Equal(message, e.Message);
    }
}
