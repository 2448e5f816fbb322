using ApiRoutes.Execution;
using ApiRoutes.ManifestLoading;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Execution;

/// <summary>
/// The one owner of an execution's life, in the real runtime: only the steps of the transition table happen; anything
/// else is a bug that is logged and changes nothing, in memory or in the store.
/// </summary>
public sealed class ExecutionLifecycleTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Occurrence = new(2026, 1, 1, 1, 0, 0, TimeSpan.Zero);

    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(
        Create(ScheduledRoute("/api/tick", typeof(Tick), "@hourly")),
        options: o => o.Scheduling.Enabled = false);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private ExecutionLifecycle Lifecycle => _server.Services.GetRequiredService<ExecutionLifecycle>();

    private LoadedRoute Route => _server.Services.GetRequiredService<RouteTable>().Routes.Single();

    [Fact]
    public async Task A_change_that_is_not_a_step_is_refused_and_logged_and_changes_nothing_in_memory_or_in_the_store()
    {
        var execution = Lifecycle.AcceptScheduled(Route, Lifecycle.ScheduledRecord(Route, "e1", Occurrence, TraceContext.None), missed: false, "scheduler");   // queued, never started

        Lifecycle.EndOnDemand(execution, ExecutionStatus.Succeeded, null);   // it cannot succeed without running
        Lifecycle.RetryDue(execution);                                         // nor be queued again without a failed attempt

        Assert.Equal((ExecutionState.Queued, ExecutionStatus.Queued), (execution.State, _server.Executions.Find("e1")!.Status));
        Assert.Equal(ExecutionStatus.Queued, (await _server.Services.GetRequiredService<IExecutionStore>().FindAsync("e1", default))!.Status);
        Assert.Collection(
            _server.Logs.Where(line => line.StartsWith("ApiRoutes[2020]", StringComparison.Ordinal)),
            line => Assert.StartsWith("ApiRoutes[2020] Error: Execution e1 of /api/tick cannot go from Queued to Succeeded: that is not a step", line, StringComparison.Ordinal),
            line => Assert.StartsWith("ApiRoutes[2020] Error: Execution e1 of /api/tick cannot go from Queued to Queued: that is not a step", line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task After_shutdown_cut_an_execution_a_late_change_is_dropped_quietly()
    {
        var execution = Lifecycle.AcceptScheduled(Route, Lifecycle.ScheduledRecord(Route, "e2", Occurrence, TraceContext.None), missed: false, "scheduler");

        Lifecycle.Cut(execution, "queued when the drain period ended; it never ran");
        Lifecycle.RetryDue(execution);   // a timer that fired as the server stopped
        var started = await Lifecycle.TryStartAsync(execution);
        Lifecycle.Cut(execution, "still running");

        Assert.False(started);
        var record = _server.Executions.Find("e2")!;
        Assert.Equal((ExecutionStatus.Failed, "Cut by shutdown: queued when the drain period ended; it never ran."), (record.Status, record.Error));
        Assert.Equal(1, _server.Logs.Count(line => line.StartsWith("ApiRoutes[2007] Error: Execution e2 of /api/tick was cut by shutdown", StringComparison.Ordinal)));
        Assert.DoesNotContain(_server.Logs, line => line.StartsWith("ApiRoutes[2020]", StringComparison.Ordinal));
    }
}
