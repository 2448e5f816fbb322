using System.Net;
using ApiRoutes.Execution;
using ApiRoutes.Hosting;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Scheduling;
using ApiRoutes.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Hosting;

/// <summary>
/// The hosted services' first background work waits for the <see cref="StartupWorkGate"/>, here on a clock of its own
/// that only the test moves: recovery waits for the first answer and readiness does not wait for recovery; a scheduled
/// occurrence due while the gate is closed runs as its own occurrence, not missed.
/// </summary>
public sealed class DeferredStartupWorkTests : IDisposable
{
    private readonly string _database = Path.Combine(Directory.CreateTempSubdirectory("apiroutes-deferred-").FullName, "executions.db");
    private readonly FakeTimeProvider _gateTime = new();

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_database)!, recursive: true);

    [Fact]
    public async Task Recovery_waits_for_the_first_answer_and_readiness_does_not_wait_for_recovery()
    {
        await using (var store = SqliteExecutionStore.Open(_database))
        {
            await store.AddAsync(
                new ExecutionRecord { Id = "left", Route = "/api/work", Kind = "background", Status = ExecutionStatus.Queued, AcceptedAt = DateTimeOffset.UnixEpoch },
                RequestSnapshot.Synthetic("/api/work", "{}"u8.ToArray()),
                default);
        }

        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/work", typeof(Hello))),
            options: Sqlite,
            services: GateOnItsOwnClock);
        var gate = server.Services.GetRequiredService<StartupWorkGate>();

        // Listening, no request yet, the gate's clock not moved: nothing taken up.
        Assert.False(gate.IsOpen);
        Assert.Empty(server.Executions.Snapshot());
        Assert.Equal(0, server.Probe.Count(nameof(Hello)));

        // Ready without recovery (the store is open); that answer opens the gate, and the work left is taken up.
        using (var ready = await server.Client.GetAsync(ApiRoutesHealth.ReadyPath))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        await gate.WaitAsync(CancellationToken.None).WaitAsync(Probe.Patience);
        await server.WaitForExecutionAsync(r => r.Id == "left" && r.Status == ExecutionStatus.Succeeded);
        Assert.Equal(1, server.Probe.Count(nameof(Hello)));
    }

    [Fact]
    public async Task A_scheduled_occurrence_due_while_the_gate_is_closed_runs_when_it_opens_and_is_not_missed()
    {
        // The last run, at 01:00, as a previous process left it.
        await using (var store = SqliteExecutionStore.Open(_database))
        {
            Assert.True((await store.ClaimOccurrenceAsync("/api/tick", At(1, 0, 0), "earlier", default)).Claimed);
            Assert.Equal(At(1, 0, 0), (await store.GetLastOccurrenceAsync("/api/tick", DateTimeOffset.MaxValue, default)).Latest);
        }

        // Started at 01:59:30 after the 01:00 run: nothing missed. 02:00 comes while the first check waits for the gate.
        await using var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/tick", typeof(Tick), "@hourly")), options: Sqlite, now: At(1, 59, 30), services: GateOnItsOwnClock);
        server.FakeTime.Advance(TimeSpan.FromSeconds(45));
        Assert.Equal(0, server.Probe.Count(nameof(Tick)));

        // Open (the idle window ends with no request): 02:00 runs now, as the 02:00 occurrence, and nothing is missed.
        _gateTime.Advance(StartupWorkGate.IdleWindow);
        await server.WaitForExecutionAsync(r => r.Occurrence == At(2, 0, 0) && r.Status == ExecutionStatus.Succeeded);
        Assert.DoesNotContain("missed", (await server.Probe.NextAsync()).Body, StringComparison.Ordinal);
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T03:00:00");
        var occurrences = await server.Services.GetRequiredService<OccurrenceLog>().ReadAsync(new OccurrenceQuery("/api/tick"), default);
        Assert.DoesNotContain(occurrences, o => o.Outcome == OccurrenceOutcome.Missed);
        Assert.DoesNotContain(server.Logs, line => line.StartsWith("ApiRoutes[3012]", StringComparison.Ordinal));
        Assert.Equal(1, server.Probe.Count(nameof(Tick)));
    }

    // Review 10 (R10-3): with catch-up, the catch-up run (02:00) took the schedule's slot and the occurrence due while
    // the gate was closed (03:00) was recorded skipped, "the previous run was still going": it is the start's one run.
    [Fact]
    public async Task With_catch_up_an_occurrence_due_while_the_gate_is_closed_is_the_one_run_and_the_missed_are_recorded()
    {
        await using (var store = SqliteExecutionStore.Open(_database))
        {
            Assert.True((await store.ClaimOccurrenceAsync("/api/tick", At(1, 0, 0), "earlier", default)).Claimed);
        }

        // Down over 02:00; started at 02:59:30; 03:00 comes while the first check waits for the gate.
        var route = ScheduledRoute("/api/tick", typeof(Tick), "@hourly") with { CatchUp = true };
        await using var server = await TestServer.StartAsync(Create(route), options: Sqlite, now: At(2, 59, 30), services: GateOnItsOwnClock);
        server.FakeTime.Advance(TimeSpan.FromSeconds(45));
        _gateTime.Advance(StartupWorkGate.IdleWindow);

        await server.WaitForExecutionAsync(r => r.Occurrence == At(3, 0, 0) && r.Status == ExecutionStatus.Succeeded);
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T04:00:00");

        // The records are written in the background (the group commit): read until the 03:00 one is there.
        (DateTimeOffset, OccurrenceOutcome)[] since = [];
        for (var deadline = DateTime.UtcNow + Probe.Patience; since.Length < 2 && DateTime.UtcNow < deadline; await Task.Delay(10))
        {
            var occurrences = await server.Services.GetRequiredService<OccurrenceLog>().ReadAsync(new OccurrenceQuery("/api/tick"), default);
            since = [.. occurrences.Where(o => o.Occurrence > At(1, 0, 0)).Select(o => (o.Occurrence, o.Outcome))];
        }

        Assert.Equal([(At(3, 0, 0), OccurrenceOutcome.Ran), (At(2, 0, 0), OccurrenceOutcome.Missed)], since);
        Assert.DoesNotContain("missed", (await server.Probe.NextAsync()).Body, StringComparison.Ordinal);
        Assert.Equal(1, server.Probe.Count(nameof(Tick)));
    }

    // Review 10 (R10-4): WebApplicationFactory disposes the container before it stops the host; retention's first run,
    // waiting for a gate that had not opened, waited on a source disposed without being cancelled, and the stop waited
    // out its timeout (30 s) for it.
    [Fact]
    public async Task Retention_disposed_while_it_waits_for_the_gate_stops_at_once()
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/work", typeof(Hello))),
            services: s => s.AddSingleton(sp => new StartupWorkGate(_gateTime, sp.GetRequiredService<IHostApplicationLifetime>())));
        var retention = server.Services.GetServices<IHostedService>().OfType<RetentionService>().Single();
        Assert.False(server.Services.GetRequiredService<StartupWorkGate>().IsOpen);

        // Its loop is a thread-pool item that reaches the gate's wait at once; had it not by then, the stop below would
        // pass before the fix too, never fail after it.
        await Task.Delay(200);
        retention.Dispose();

        await retention.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static DateTimeOffset At(int hour, int minute, int second) => new(2026, 1, 1, hour, minute, second, TimeSpan.Zero);

    private void GateOnItsOwnClock(IServiceCollection services) =>
        services.AddSingleton(sp => new StartupWorkGate(_gateTime, sp.GetRequiredService<IHostApplicationLifetime>()));

    private void Sqlite(ApiRoutesOptions options)
    {
        options.Store.Provider = StoreProvider.Sqlite;
        options.Store.Path = _database;
    }
}
