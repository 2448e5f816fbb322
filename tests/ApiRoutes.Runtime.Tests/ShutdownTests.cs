using System.Net;
using ApiRoutes.Execution;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>Graceful shutdown: stop accepting, drain for a while, cut and log the rest.</summary>
public class ShutdownTests
{
    [Fact]
    public async Task Shutdown_waits_for_running_executions_within_the_drain_period()
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/slow", typeof(Slow))),
            options: o => o.ShutdownDrainTimeout = TimeSpan.FromMinutes(1));
        var id = (await server.Client.PostAsync("/api/slow", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.Probe.NextAsync();

        var stopping = server.StopAsync();
        await server.WaitForLogAsync("ApiRoutes[2008] Information: Shutting down: waiting up to 00:01:00 for 1 running and 0 queued");
        Assert.False(stopping.IsCompleted);
        server.Probe.Open("slow");
        await stopping.WaitAsync(Probe.Patience);

        Assert.Equal(ExecutionStatus.Succeeded, server.Executions.Find(id)!.Status);
    }

    [Fact]
    public async Task After_the_drain_period_running_executions_are_cut_and_logged_and_queued_ones_recorded_as_failed()
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/stuck", typeof(IgnoresCancellation))),
            options: o =>
            {
                o.ShutdownDrainTimeout = TimeSpan.FromSeconds(30);
                o.Background.MaxConcurrency = 1;
            });
        var running = (await server.Client.PostAsync("/api/stuck", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.Probe.NextAsync();
        var queued = (await server.Client.PostAsync("/api/stuck", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();

        var stopping = server.StopAsync();
        await server.WaitForLogAsync("ApiRoutes[2008] Information: Shutting down: waiting up to 00:00:30 for 1 running and 1 queued");
        server.FakeTime.Advance(TimeSpan.FromSeconds(30));
        await server.WaitForLogAsync($"ApiRoutes[2007] Error: Execution {running} of /api/stuck was cut by shutdown");
        Assert.False(stopping.IsCompleted);   // a grace for the handler that ignores the cut to return
        server.FakeTime.Advance(TimeSpan.FromSeconds(5));
        await stopping.WaitAsync(Probe.Patience);

        var cut = server.Executions.Find(running)!;
        Assert.Equal(ExecutionStatus.Failed, cut.Status);
        Assert.StartsWith("Cut by shutdown", cut.Error, StringComparison.Ordinal);
        var neverRan = server.Executions.Find(queued)!;
        Assert.Equal((ExecutionStatus.Failed, "Cut by shutdown: queued when the drain period ended; it never ran."), (neverRan.Status, neverRan.Error));
        Assert.Equal(1, server.Probe.Count(nameof(IgnoresCancellation)));
        Assert.Contains(server.Logs, line => line.StartsWith($"ApiRoutes[2007] Error: Execution {running} of /api/stuck was cut by shutdown", StringComparison.Ordinal));
        Assert.Contains(server.Logs, line => line.StartsWith($"ApiRoutes[2007] Error: Execution {queued} of /api/stuck was cut by shutdown", StringComparison.Ordinal));
    }

    // Review 39a N2: a retry that came due in the drain and found no free worker was cut "queued when the drain period
    // ended; it never ran", though its first attempt ran (and failed).
    [Fact]
    public async Task A_retry_cut_while_queued_is_not_said_to_have_never_run()
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/flaky", typeof(Flaky)), BackgroundRoute("/api/stuck", typeof(IgnoresCancellation))),
            options: o =>
            {
                o.ShutdownDrainTimeout = TimeSpan.FromSeconds(30);
                o.Background.MaxConcurrency = 1;
                o.Background.RetryDelays = [TimeSpan.FromSeconds(10)];
            });
        var retry = (await server.Client.PostAsync("/api/flaky?fail=1", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.WaitForExecutionAsync(r => r.Id == retry && r is { Status: ExecutionStatus.Queued, Attempt: 2 });
        var running = (await server.Client.PostAsync("/api/stuck", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.WaitForExecutionAsync(r => r.Id == running && r.Status == ExecutionStatus.Running);

        server.FakeTime.Advance(TimeSpan.FromSeconds(10));   // the retry comes due; the one worker is held
        await UntilQueuedAsync(server, retry);

        var stopping = server.StopAsync();
        await server.WaitForLogAsync("ApiRoutes[2008] Information: Shutting down: waiting up to 00:00:30 for 1 running and 1 queued");
        server.FakeTime.Advance(TimeSpan.FromSeconds(30));
        await server.WaitForLogAsync($"ApiRoutes[2007] Error: Execution {running} of /api/stuck was cut by shutdown");
        server.FakeTime.Advance(TimeSpan.FromSeconds(5));
        await stopping.WaitAsync(Probe.Patience);

        const string Why = "queued when the drain period ended; its attempt 2 never ran (an earlier attempt did)";
        Assert.Equal((ExecutionStatus.Failed, $"Cut by shutdown: {Why}."), (server.Executions.Find(retry)!.Status, server.Executions.Find(retry)!.Error));
        Assert.Contains($"ApiRoutes[2007] Error: Execution {retry} of /api/flaky was cut by shutdown: {Why}", server.Logs);
        Assert.Equal(1, server.Probe.Count(nameof(Flaky)));
    }

    private static async Task UntilQueuedAsync(TestServer server, string id)
    {
        var deadline = DateTime.UtcNow + Probe.Patience;
        while (server.Executions.Held(id)?.State != ExecutionState.Queued)
        {
            Assert.True(DateTime.UtcNow < deadline, $"execution {id} was not queued in time");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task A_pending_retry_at_shutdown_is_recorded_as_failed_not_lost()
    {
        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/flaky", typeof(Flaky))));
        var id = (await server.Client.PostAsync("/api/flaky", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.WaitForExecutionAsync(r => r.Id == id && r is { Status: ExecutionStatus.Queued, Attempt: 2 });

        await server.StopAsync().WaitAsync(Probe.Patience);

        var record = server.Executions.Find(id)!;
        Assert.Equal(ExecutionStatus.Failed, record.Status);
        Assert.Contains("a retry (attempt 2) was pending", record.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task While_draining_no_new_background_request_is_accepted()
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/slow", typeof(Slow))),
            options: o => o.ShutdownDrainTimeout = TimeSpan.FromMinutes(1));
        await server.Client.PostAsync("/api/slow", null);
        await server.Probe.NextAsync();

        var stopping = server.StopAsync();
        await server.WaitForLogAsync("ApiRoutes[2008]");

        // Kestrel stops listening before the drain; a request already in flight would get 503. Never a 202.
        HttpStatusCode? late = null;
        try
        {
            late = (await server.Client.PostAsync("/api/slow", null)).StatusCode;
        }
        catch (HttpRequestException)
        {
        }

        Assert.True(late is null or HttpStatusCode.ServiceUnavailable, $"A request during shutdown got {late}.");
        server.Probe.Open("slow");
        await stopping.WaitAsync(Probe.Patience);
        Assert.Equal(1, server.Probe.Count(nameof(Slow)));
    }
}
