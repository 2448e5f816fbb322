using System.Net;
using ApiRoutes.Development;
using ApiRoutes.Hosting;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Scheduling;
using ApiRoutes.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Development;

/// <summary>
/// Review 17b of a6f049c (the scheduler follows the routes as the development loop swaps them): the cases it missed.
/// Each test states what a crontab user (or the liveness probe) expects; F1–F5 failed on a6f049c, the control and F6
/// passed there and guard what held.
/// </summary>
public sealed class ScheduleFollowEdgeTests
{
    private const string Live = "/_apiroutes/health/live";

    // F1. A schedule removed while its loop is inside the start of a due occurrence (the claim in the store, which takes
    // no token) ends its loop through the while condition, not the OperationCanceledException catch: heartbeat.Ended is
    // never called, the heartbeat keeps waiting for a schedule that no longer exists, and liveness turns Unhealthy
    // ("Overdue: /api/gone at ...") one OverdueAfter later, for good.
    [Fact]
    public async Task A_schedule_removed_while_its_occurrence_starts_leaves_no_heartbeat_behind()
    {
        var store = new HeldClaimStore("/api/gone");
        await using var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/gone", typeof(Tick), "*/10 * * * *")),
            environment: "Development",
            options: o => o.Scheduling.Enabled = true,
            services: s => s.AddSingleton<IExecutionStore>(store));
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/gone waiting for 2026-01-01T00:10:00");

        server.FakeTime.Advance(TimeSpan.FromMinutes(10));
        await store.Entered.WaitAsync(Probe.Patience);   // the loop claims 00:10
        server.Services.GetRequiredService<RouteTableSwap>().Apply(Write(Create(StandardRoute("/api/hello/{name}", typeof(Hello)))));
        await server.WaitForLogAsync("ApiRoutes[3022] Information: Schedule /api/gone is no longer served as a scheduled route and stops");
        store.Release();
        Assert.Equal("/api/gone", (await server.Probe.NextAsync()).Path);   // 00:10 was due before the removal: it runs

        // Nothing is scheduled any more: liveness must stay healthy however long the app runs.
        server.FakeTime.Advance(TimeSpan.FromMinutes(5));
        var (status, body) = await WaitForLiveAsync(server, HttpStatusCode.OK);
        Assert.Equal((HttpStatusCode.OK, "Healthy"), (status, body));
        Assert.DoesNotContain(server.Services.GetRequiredService<ScheduleHeartbeat>().Due, due => due.Key == "/api/gone");
    }

    // F2 (control). Without a swap, the occurrence that came due while the start-up gate was closed runs when it opens
    // (the class comment of ScheduleService promises it).
    [Fact]
    public async Task Control_the_occurrence_due_while_the_startup_gate_was_closed_runs_when_it_opens()
    {
        await using var server = await StartBehindClosedGateAsync();
        server.FakeTime.Advance(TimeSpan.FromMilliseconds(100));   // 00:05:00.000, the gate still closed

        server.FakeTime.Advance(TimeSpan.FromMilliseconds(200));   // the idle window (250 ms) ends: the gate opens
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T00:10:00");

        Assert.Contains(server.Executions.Snapshot(), record => record.Route == "/api/tick");
    }

    // F2. The same, but the schedule is changed in a way that keeps its occurrences (an explicit UTC zone) at 00:05:00,
    // before the gate opened. The old loop never ran 00:05 (it waited for the gate); the new one starts "from now" =
    // 00:05:00.000 and its first occurrence is the one after it, 00:10: 00:05 is neither run nor recorded missed. The
    // start-up check of the occurrences missed while no instance was up (and catch-up) is skipped too (startedAt set).
    [Fact]
    public async Task A_schedule_changed_before_the_startup_gate_opens_still_runs_the_occurrence_due_while_it_was_closed()
    {
        await using var server = await StartBehindClosedGateAsync();
        server.FakeTime.Advance(TimeSpan.FromMilliseconds(100));   // 00:05:00.000, the gate still closed
        server.Services.GetRequiredService<RouteTableSwap>().Apply(Write(Create(ScheduledRoute("/api/tick", typeof(Tick), "*/5 * * * *", timeZone: "Etc/UTC"))));

        server.FakeTime.Advance(TimeSpan.FromMilliseconds(200));   // the gate opens
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T00:10:00");

        var recorded = await server.Services.GetRequiredService<IExecutionStore>().GetOccurrencesAsync(new OccurrenceQuery("/api/tick", Limit: 10), default);
        Assert.True(
            server.Executions.Snapshot().Any(record => record.Route == "/api/tick") || recorded.Count > 0,
            "00:05 was due before the change and was neither run nor recorded; logs:\n" + string.Join("\n", server.Logs.Where(l => l.Contains("/api/tick", StringComparison.Ordinal))));
    }

    // F3. Production, unchanged code path, changed behaviour: a loop that fails (here: a log provider that throws on
    // event 3000; any unexpected exception in RunScheduleAsync does the same) used to fault ExecuteAsync when it was the
    // only schedule (Task.WhenAll of the loops), so liveness said "The scheduler stopped on an error" and the host's
    // BackgroundServiceExceptionBehavior applied. Now ExecuteAsync awaits an infinite delay: the schedule is dead and
    // liveness says Healthy.
    [Fact]
    public async Task In_production_a_schedule_loop_that_fails_still_shows_in_liveness()
    {
        await using var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/tick", typeof(Tick), "*/5 * * * *")),
            services: s => s.AddSingleton<ILoggerProvider>(new ThrowingLoggerProvider(3000)));
        var scheduler = server.Services.GetRequiredService<ScheduleService>();

        var deadline = DateTime.UtcNow + Probe.Patience;
        while (scheduler.ExecuteTask is not { IsCompleted: true } && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);   // polling for an outcome, bounded; not for correctness
        }

        Assert.True(scheduler.ExecuteTask is { IsFaulted: true }, "the schedule's loop failed but the scheduler looks alive");
    }

    // F4. Removed, then added back before the removed loop has ended (here: it is reading the pauses, a store round
    // trip that notices the cancellation once it returns). Follow only waits for a loop stopped in the same swap, so the
    // added-back loop starts at once beside the old one: two loops for one template. The old one then ends through the
    // OperationCanceledException catch and calls heartbeat.Ended(template): the new loop's heartbeat (waiting for
    // 00:20) is wiped, and liveness cannot see that schedule until its next wait. The occurrence 00:10, due before
    // both swaps, is neither run nor recorded.
    [Fact]
    public async Task A_schedule_removed_and_added_back_keeps_one_loop_and_its_heartbeat()
    {
        var store = new HeldPausesStore();
        await using var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/tick", typeof(Tick), "*/10 * * * *")),
            environment: "Development",
            options: o => o.Scheduling.Enabled = true,
            services: s => s.AddSingleton<IExecutionStore>(store));
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T00:10:00");
        var first = Loops(server)["/api/tick"].Task;

        store.Hold();
        server.FakeTime.Advance(TimeSpan.FromMinutes(10));
        await store.Entered.WaitAsync(Probe.Patience);   // the loop reads the pauses for 00:10
        var swap = server.Services.GetRequiredService<RouteTableSwap>();
        swap.Apply(Write(Create(StandardRoute("/api/hello/{name}", typeof(Hello)))));
        swap.Apply(Write(Create(ScheduledRoute("/api/tick", typeof(Tick), "*/10 * * * *"))));
        // The added-back loop is already at work (armed for 00:20) while the removed one has not ended.
        var concurrent = !first.IsCompleted && server.Logs.Any(line => line.StartsWith("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T00:20:00", StringComparison.Ordinal));
        store.Release();
        await first.WaitAsync(Probe.Patience);   // the removed loop has ended
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T00:20:00");

        var beating = server.Services.GetRequiredService<ScheduleHeartbeat>().Due.Any(due => due.Key == "/api/tick");
        var ran = server.Executions.Snapshot().Count(record => record.Route == "/api/tick");
        Assert.True(!concurrent && beating, $"two loops at once: {concurrent}; heartbeat of the added-back loop present: {beating}; runs of 00:10: {ran}");
    }

    // F5. Follow runs inside RouteTable.Replace, i.e. inside RouteTableSwap.Apply after the table was replaced and
    // before the endpoints are: whatever it throws (here the log of event 3022, through a failing log provider) comes
    // out of Apply with the table swapped and the endpoints not, and RouteRefresher then says "the last valid routes
    // stay in service". The scheduler's trouble should never fail (or half-do) a swap.
    [Fact]
    public async Task A_failure_in_the_scheduler_follow_does_not_fail_or_split_the_swap()
    {
        await using var server = await TestServer.StartAsync(
            Create(StandardRoute("/api/hello/{name}", typeof(Hello)), ScheduledRoute("/api/gone", typeof(Tick), "*/10 * * * *")),
            environment: "Development",
            options: o => o.Scheduling.Enabled = true,
            services: s => s.AddSingleton<ILoggerProvider>(new ThrowingLoggerProvider(3022)));
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/gone waiting for 2026-01-01T00:10:00");

        var thrown = Record.Exception(() => server.Services.GetRequiredService<RouteTableSwap>().Apply(Write(Create(StandardRoute("/api/greetings/{name}", typeof(Hello))))));

        var table = server.Services.GetRequiredService<ApiRoutes.ManifestLoading.RouteTable>().Routes.Select(r => r.Template).ToList();
        var served = (await server.Client.GetAsync("/api/greetings/bob")).StatusCode;
        Assert.True(thrown is null, $"Apply threw {thrown?.GetType().Name}: {thrown?.Message}; table now [{string.Join(", ", table)}], /api/greetings/bob answers {(int)served}");
    }

    // F6 (checked, holds: passes on a6f049c). Shutdown waits for the loops in _loops only. A loop removed by a swap but still inside the start of an
    // occurrence (the claim) is in neither: the host stops without it, and it then accepts a run into a stopped app.
    // Before the change (and still for a loop that was not removed) ExecuteAsync awaited every loop, so the host's stop
    // waited for that start and the drain saw its run.
    [Fact]
    public async Task The_host_stop_waits_for_a_removed_schedule_still_starting_its_occurrence()
    {
        var store = new HeldClaimStore("/api/gone");
        var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/gone", typeof(Tick), "*/10 * * * *")),
            environment: "Development",
            options: o => o.Scheduling.Enabled = true,
            services: s => s.AddSingleton<IExecutionStore>(store));
        try
        {
            await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/gone waiting for 2026-01-01T00:10:00");
            server.FakeTime.Advance(TimeSpan.FromMinutes(10));
            await store.Entered.WaitAsync(Probe.Patience);
            server.Services.GetRequiredService<RouteTableSwap>().Apply(Write(Create(StandardRoute("/api/hello/{name}", typeof(Hello)))));

            var stopping = server.StopAsync();
            var stoppedFirst = await Task.WhenAny(stopping, Task.Delay(TimeSpan.FromSeconds(1))) == stopping;   // bounded
            store.Release();
            await stopping.WaitAsync(Probe.Patience);
            await server.WaitForLogAsync("ApiRoutes[3001]");

            Assert.False(stoppedFirst, "the host stopped while the removed schedule was still starting 00:10; it then started it: "
                + string.Join(" | ", server.Executions.Snapshot().Select(r => $"{r.Route} {r.Status}")));
        }
        finally
        {
            store.Release();
            await server.DisposeAsync();
        }
    }

    private static Dictionary<string, ScheduleLoop> Loops(TestServer server) =>
        (Dictionary<string, ScheduleLoop>)typeof(ScheduleService)
            .GetField("_loops", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
            .GetValue(server.Services.GetRequiredService<ScheduleService>())!;

    private static Task<TestServer> StartBehindClosedGateAsync() => TestServer.StartAsync(
        Create(ScheduledRoute("/api/tick", typeof(Tick), "*/5 * * * *")),
        environment: "Development",
        now: new DateTimeOffset(2026, 1, 1, 0, 4, 59, 900, TimeSpan.Zero),
        options: o => o.Scheduling.Enabled = true,
        // The gate on the test's clock (the app's is on the system clock): it stays closed until the test moves time.
        services: s => s.AddSingleton(sp => new StartupWorkGate(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IHostApplicationLifetime>())));

    private static async Task<(HttpStatusCode, string)> WaitForLiveAsync(TestServer server, HttpStatusCode wanted)
    {
        var deadline = DateTime.UtcNow + Probe.Patience;
        while (true)
        {
            using var response = await server.Client.GetAsync(Live);
            var result = (response.StatusCode, await response.Content.ReadAsStringAsync());
            if (response.StatusCode == wanted || DateTime.UtcNow > deadline)
            {
                return result;
            }

            await Task.Delay(20);   // polling for an outcome, bounded
        }
    }

    /// <summary>Holds the claim of one route's occurrence until released (a slow store, made deterministic).</summary>
    private sealed class HeldClaimStore(string route) : ForwardingStore
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Entered => _entered.Task;

        public void Release() => _release.TrySetResult();

        public override async Task<OccurrenceClaim> ClaimOccurrenceAsync(string route1, DateTimeOffset occurrence, string executionId, CancellationToken cancellationToken)
        {
            if (route1 == route)
            {
                _entered.TrySetResult();
                await _release.Task.WaitAsync(Probe.Patience);
            }

            return await base.ClaimOccurrenceAsync(route1, occurrence, executionId, cancellationToken);
        }
    }

    /// <summary>Once held, the next read of the pauses waits for release, then notices a cancellation (as a database client does).</summary>
    private sealed class HeldPausesStore : ForwardingStore
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool _held;

        public Task Entered => _entered.Task;

        public void Hold() => _held = true;

        public void Release() => _release.TrySetResult();

        public override async Task<IReadOnlyList<SchedulePause>> GetPausesAsync(CancellationToken cancellationToken)
        {
            if (_held)
            {
                _held = false;
                _entered.TrySetResult();
                await _release.Task.WaitAsync(Probe.Patience);
                cancellationToken.ThrowIfCancellationRequested();
            }

            return await base.GetPausesAsync(cancellationToken);
        }
    }

    private sealed class ThrowingLoggerProvider(int eventId) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Throwing(eventId);

        public void Dispose()
        {
        }

        private sealed class Throwing(int eventId) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId id, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (id.Id == eventId)
                {
                    throw new InvalidOperationException("log sink failed");
                }
            }
        }
    }
}
