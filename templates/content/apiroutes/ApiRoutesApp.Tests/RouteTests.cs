using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ApiRoutes;
using ApiRoutes.Testing;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ApiRoutesApp.Tests;

/// <summary>
/// One route of each kind, on the app's clock (ApiRoutes.Testing): a background run to its end, a scheduled route as of
/// an occurrence, a day of its schedule — without sleeping. The clock starts at 2026-01-01T00:00:00Z.
/// </summary>
public sealed class RouteTests(WebApplicationFactory<Program> factory) : IClassFixture<WebApplicationFactory<Program>>
{
    [Fact]
    public async Task An_order_is_found_by_its_integer_id()
    {
        await using var app = factory.WithApiRoutesTesting();

        var order = await app.Client.GetFromJsonAsync<JsonElement>("/api/orders/42");

        Assert.Equal(42, order.GetProperty("id").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await app.Client.GetAsync("/api/orders/forty-two")).StatusCode);
    }

    [Fact]
    public async Task The_report_runs_in_the_background_through_its_three_steps()
    {
        await using var app = factory.WithApiRoutesTesting();

        var run = await app.RunBackgroundAsync("/api/generate-report?name=weekly");

        Assert.Equal(ExecutionStatus.Succeeded, run.Status);
        Assert.Equal(1, run.Attempts);
        Assert.Contains(run.LogLines, line => line.EndsWith("Report weekly: step 3 of 3 done", StringComparison.Ordinal));
        Assert.Equal(ApiRoutesTestOptions.DefaultStart.AddSeconds(3), app.Clock.GetUtcNow());
    }

    [Fact]
    public async Task Cleanup_is_given_the_next_hour_as_its_next_run()
    {
        await using var app = factory.WithApiRoutesTesting();
        var threeOClock = new DateTimeOffset(2026, 1, 1, 3, 0, 0, TimeSpan.Zero);

        var run = await app.RunScheduledAsync("/api/cleanup", threeOClock);

        Assert.Equal(ExecutionStatus.Succeeded, run.Status);
        Assert.Equal(threeOClock.AddHours(1), run.NextRun);
        Assert.Contains(run.LogLines, line => line.EndsWith("Cleaning up; the next run is at 2026-01-01T04:00:00.0000000+00:00", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cleanup_runs_every_hour_of_a_day()
    {
        await using var app = factory.WithApiRoutesTesting();

        var day = await app.AdvanceAsync(TimeSpan.FromDays(1));

        Assert.Equal(24, day.Ran("/api/cleanup").Count);
        Assert.All(day.Of("/api/cleanup"), occurrence => Assert.Equal(ExecutionStatus.Succeeded, occurrence.Status));
        Assert.Equal(ApiRoutesTestOptions.DefaultStart.AddHours(1), day.Ran("/api/cleanup")[0]);
    }
}
