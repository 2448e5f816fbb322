using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// Review 9: what a handler's bugs (a scoped service whose disposal throws, a null task, a callback that blocks, a
/// cancellation of its own) do to its execution's record, its schedule and the stop. The outcome is the handler's,
/// said clearly, and the runtime's promises (recorded once, never left running, runs of a schedule never overlap, the
/// stop bounded) hold.
/// </summary>
public sealed class HandlerMisbehaviourTests
{
    [Fact]
    public async Task A_background_handler_that_succeeded_stays_succeeded_when_its_scope_s_disposal_throws()
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/job", typeof(UsesThrowingScoped))),
            services: s => s.AddScoped<ThrowsOnDispose>());
        var id = (await server.Client.PostAsync("/api/job", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.Probe.NextAsync();

        var record = await server.WaitForExecutionAsync(r => r.Id == id && r.Status is not (ExecutionStatus.Running or ExecutionStatus.Queued));
        Assert.True(record.Status == ExecutionStatus.Succeeded, $"{record.Status}: {record.Error?.Split('\n')[0]}");
        await server.WaitForLogAsync($"ApiRoutes[2026] Error: Disposing the services of execution {id} of /api/job threw");
    }

    [Fact]
    public async Task A_scheduled_run_whose_scope_s_disposal_throws_is_recorded_and_its_schedule_goes_on()
    {
        await using var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/tick", typeof(UsesThrowingScoped), "* * * * *")),
            services: s => s.AddScoped<ThrowsOnDispose>());
        var runs = server.Services.GetRequiredService<ScheduledRuns>();
        for (var minute = 1; minute <= 2; minute++)
        {
            await server.WaitForLogAsync($"ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T00:0{minute}:00");
            server.FakeTime.Advance(TimeSpan.FromMinutes(1));
            await server.Probe.NextAsync();
            await runs.WhenAllEndedAsync().WaitAsync(Probe.Patience);   // ended, not faulted
        }

        var records = server.Executions.Snapshot().OrderBy(r => r.Occurrence).Select(r => $"{r.Occurrence:HH:mm} {r.Status}");
        Assert.Equal(["00:01 Succeeded", "00:02 Succeeded"], records);
        Assert.Equal(2, server.Logs.Count(l => l.StartsWith("ApiRoutes[2026] Error: Disposing the services of execution ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_scheduled_run_abandoned_at_its_time_limit_holds_its_schedule_until_its_handler_returns()
    {
        await using var server = await TestServer.StartAsync(Create(ScheduledRoute("/api/tick", typeof(IgnoresCancellation), "* * * * *", timeLimitSeconds: 10)));
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T00:01:00");

        server.FakeTime.Advance(TimeSpan.FromMinutes(1));
        await server.Probe.NextAsync();
        server.FakeTime.Advance(TimeSpan.FromSeconds(10));
        var first = await server.WaitForExecutionAsync(r => r.Status == ExecutionStatus.TimedOut);
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T00:02:00");

        server.FakeTime.Advance(TimeSpan.FromSeconds(50));
        await server.WaitForLogAsync($"ApiRoutes[3002] Warning: Schedule /api/tick skipped the run at 2026-01-01T00:02:00");
        Assert.False(server.Probe.Gate("signal:stuck-returned").IsCompleted);   // the first run's handler still runs
        Assert.Contains(server.Logs, l => l.StartsWith("ApiRoutes[3002]", StringComparison.Ordinal) && l.Contains(first.Id, StringComparison.Ordinal));

        // Once it returned, the next occurrence runs.
        server.Probe.Open("stuck");
        await server.Probe.WaitForSignalAsync("stuck-returned");
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T00:03:00");
        await server.Services.GetRequiredService<ScheduledRuns>().WhenAllEndedAsync().WaitAsync(Probe.Patience);
        server.FakeTime.Advance(TimeSpan.FromMinutes(1));
        await server.Probe.NextAsync();
        Assert.Equal(2, server.Probe.Count(nameof(IgnoresCancellation)));
    }

    // The cut cancels every running handler; one handler's callback that blocks (here the later one, whose callbacks
    // the cut's token runs first) must hold up neither the others' cancellation nor the stop.
    [Fact]
    public async Task A_handler_s_callback_that_blocks_holds_up_neither_the_other_handlers_nor_the_stop()
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/job", typeof(HonorsCancellation)), BackgroundRoute("/api/block", typeof(BlocksInAbortCallback))));
        try
        {
            await server.Client.PostAsync("/api/job", null);
            await server.Probe.NextAsync();
            await server.Client.PostAsync("/api/block", null);
            await server.Probe.NextAsync();

            var stopping = server.StopAsync();
            await server.WaitForLogAsync("ApiRoutes[2008]");
            server.FakeTime.Advance(TimeSpan.FromSeconds(30));   // the drain period: the cut
            await server.Probe.WaitForSignalAsync("callback-blocks");
            await server.Probe.WaitForSignalAsync("cancelled");
            Assert.False(server.Probe.Gate("signal:callback-returned").IsCompleted);   // cancelled while the callback blocks

            server.FakeTime.Advance(TimeSpan.FromSeconds(5));    // the grace
            await stopping.WaitAsync(Probe.Patience);
            Assert.False(server.Probe.Gate("signal:callback-returned").IsCompleted);   // stopped while it still blocks
        }
        finally
        {
            server.Probe.Open("callback");
        }
    }

    // Once the cut came, a handler that ends in any way but returning normally is cut (it runs again at the next start),
    // whichever thread its end ran on: here, inline on the cut's own (WrapsCancellationInline) or later.
    [Theory]
    [InlineData(typeof(HonorsCancellation))]
    [InlineData(typeof(WrapsCancellation))]
    [InlineData(typeof(WrapsCancellationLater))]
    [InlineData(typeof(WrapsCancellationInline))]
    public async Task A_handler_that_stops_on_the_cut_by_throwing_is_recorded_as_cut(Type handler)
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/job", handler)),
            options: o => o.Background.RetryDelays = []);
        var id = (await server.Client.PostAsync("/api/job", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.Probe.NextAsync();

        var stopping = server.StopAsync();
        await server.WaitForLogAsync("ApiRoutes[2008]");
        server.FakeTime.Advance(TimeSpan.FromSeconds(30));
        await server.Probe.WaitForSignalAsync("cancelled");
        await server.WaitForExecutionAsync(r => r.Id == id && r.Status != ExecutionStatus.Running);
        server.Probe.Open("rethrow");
        server.FakeTime.Advance(TimeSpan.FromSeconds(5));
        await stopping.WaitAsync(Probe.Patience);

        var record = server.Executions.Find(id)!;
        Assert.True(record.Error?.StartsWith("Cut by shutdown", StringComparison.Ordinal) == true, $"{handler.Name}: {record.Status}, {record.Error?.Split('\n')[0]}");
        Assert.DoesNotContain(server.Logs, l => l.StartsWith("ApiRoutes[2004]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_handler_s_own_cancellation_is_recorded_with_its_message()
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/job", typeof(OwnCancellation))),
            options: o => o.Background.RetryDelays = []);
        var id = (await server.Client.PostAsync("/api/job", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.Probe.NextAsync();

        var record = await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Failed);
        Assert.Contains("HttpClient.Timeout", record.Error, StringComparison.Ordinal);
        Assert.Contains("upstream /reports/42", record.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_handler_that_returns_a_null_task_is_told_what_to_return()
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/job", typeof(ReturnsNullTask))),
            options: o => o.Background.RetryDelays = []);
        var id = (await server.Client.PostAsync("/api/job", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();

        var record = await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Failed);
        Assert.Contains($"{typeof(ReturnsNullTask).FullName}.HandleAsync returned null instead of a Task", record.Error, StringComparison.Ordinal);
        Assert.Contains("Task.CompletedTask", record.Error, StringComparison.Ordinal);
    }
}
