using System.Net;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// A handler learns which execution and which attempt it runs for (IApiRoutesExecutionFeature): the id is the same for
/// every attempt, so the handler can make its own side effects safe to repeat with it.
/// </summary>
public sealed class ExecutionFeatureTests
{
    [Fact]
    public async Task Every_attempt_of_a_background_execution_sees_its_id_its_attempt_and_how_many_it_may_have()
    {
        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/flaky/{n}", typeof(Flaky))));

        var response = await server.Client.PostAsync("/api/flaky/7?fail=1", null);
        var id = response.Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        var first = (await server.Probe.NextAsync()).Execution;
        await server.WaitForExecutionAsync(r => r.Id == id && r is { Status: ExecutionStatus.Queued, Attempt: 2 });
        server.FakeTime.Advance(TimeSpan.FromMinutes(1));
        var second = (await server.Probe.NextAsync()).Execution;

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Equal((id, "/api/flaky/{n}", 1, 3, null), (first.ExecutionId, first.Route, first.Attempt, first.MaxAttempts, first.Occurrence));
        Assert.Equal((id, 2, 3), (second.ExecutionId, second.Attempt, second.MaxAttempts));
        Assert.Equal(server.Executions.Find(id)!.AcceptedAt, second.AcceptedAt);
    }

    [Fact]
    public async Task A_scheduled_run_sees_its_occurrence_and_that_it_has_one_attempt_and_a_standard_request_sees_none()
    {
        await using var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/tick", typeof(Tick), "@hourly"), StandardRoute("/api/hello/{name}", typeof(Hello))),
            now: new DateTimeOffset(2026, 1, 1, 0, 59, 30, TimeSpan.Zero));
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T01:00:00");

        server.FakeTime.Advance(TimeSpan.FromSeconds(30));
        var run = (await server.Probe.NextAsync()).Execution;
        var hello = await server.Client.GetAsync("/api/hello/ada");
        var standard = await server.Probe.NextAsync();

        Assert.NotNull(run);
        Assert.Equal(("/api/tick", 1, 1, new DateTimeOffset(2026, 1, 1, 1, 0, 0, TimeSpan.Zero)), (run.Route, run.Attempt, run.MaxAttempts, run.Occurrence));
        Assert.Equal(run.ExecutionId, (await server.WaitForExecutionAsync(r => r.Route == "/api/tick" && r.Status == ExecutionStatus.Succeeded)).Id);
        Assert.Equal((HttpStatusCode.OK, "Hello", null), (hello.StatusCode, standard.Handler, standard.Execution));
    }

    [Fact]
    public async Task A_scheduled_route_run_by_hand_in_development_sees_the_execution_its_answer_names()
    {
        await using var server = await TestServer.StartAsync(Create(ScheduledRoute("/api/tick", typeof(Tick), "0 3 * * *")), environment: "Development");

        var response = await server.Client.GetAsync("/api/tick");
        var run = (await server.Probe.NextAsync()).Execution;

        Assert.NotNull(run);
        Assert.Equal((response.Headers.GetValues("X-ApiRoutes-Execution-Id").Single(), 1, 1, null), (run.ExecutionId, run.Attempt, run.MaxAttempts, run.Occurrence));
    }
}
