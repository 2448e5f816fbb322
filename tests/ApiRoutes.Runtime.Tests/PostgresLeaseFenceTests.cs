using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using ApiRoutes.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// Review 4, finding 3: a replica whose lease lapsed does not keep running what another replica now runs. Two real
/// replicas on the suite's PostgreSQL server.
/// </summary>
public sealed class PostgresLeaseFenceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private string _database = null!;

    public async Task InitializeAsync() => _database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    // Replica A stops renewing (a GC or SIGSTOP pause, or its own link to the database down) while a handler runs there;
    // B takes the execution over and runs it; A comes back: by its own clock its lease may be gone, so it cancels its
    // handler (4004), and it learns the lapse (4003); the execution goes back to its queue, where its start is refused
    // because B holds it (2015). It never runs on A again.
    [Fact]
    public async Task A_replica_whose_lease_lapsed_cancels_what_another_replica_now_runs()
    {
        var manifest = Create(BackgroundRoute("/api/wait", typeof(HonorsCancellation)));
        // B first: A's start (which needs A's lease live, by the database's clock) comes soon after A registered.
        await using var b = await TestServer.StartAsync(manifest, services: s => s.AddApiRoutesPostgreSql(_database));
        await using var a = await TestServer.StartAsync(manifest, services: s => s.AddApiRoutesPostgreSql(_database));

        var id = (await a.Client.PostAsync("/api/wait", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await a.Probe.NextAsync();   // running on A; A's fake clock stands still, so its lease is not renewed
        Assert.Matches("^[0-9a-f]{32}$", id);
        // A's lease lapses by the database's clock now, when the test says: a short lease lapsing in real time could lapse
        // before A's start on a busy machine, and A's start would then be refused.
        Assert.Equal(1, await PostgresServer.ScalarAsync<int>(_database, $"""
            WITH lapsed AS (
                UPDATE apiroutes_replicas SET lease_until = now() - interval '1 second'
                WHERE id = (SELECT owner FROM apiroutes_executions WHERE id = '{id}') RETURNING 1)
            SELECT count(*)::int FROM lapsed
            """));

        var steps = await Poll.SteppingAsync(() => b.AdvanceWithinLease(TimeSpan.FromSeconds(15)), maxSteps: 20, () => b.Probe.Count(nameof(HonorsCancellation)) > 0);   // B's take-over tick
        output.WriteLine($"B took it over after {steps} step(s) of its clock");

        a.FakeTime.Advance(TimeSpan.FromSeconds(30));       // A renews: by its clock its lease (30 s) is in doubt, and the database says it lapsed
        await a.Probe.WaitForSignalAsync("cancelled");
        await a.WaitForLogAsync($"ApiRoutes[2015] Information: Execution {id} of /api/wait is held by another replica now");
        output.WriteLine($"A ran {a.Probe.Count(nameof(HonorsCancellation))}, B ran {b.Probe.Count(nameof(HonorsCancellation))}");
        output.WriteLine("B's record: " + b.Executions.Find(id));
        foreach (var line in a.Logs.Where(l => l.Contains("ApiRoutes[40", StringComparison.Ordinal) || l.Contains("ApiRoutes[20", StringComparison.Ordinal)))
        {
            output.WriteLine("A: " + line);
        }

        Assert.Equal((1, 1), (a.Probe.Count(nameof(HonorsCancellation)), b.Probe.Count(nameof(HonorsCancellation))));
        Assert.Contains(a.Logs, line => line.StartsWith("ApiRoutes[4004] Warning: Replica ", StringComparison.Ordinal));
        Assert.Contains(a.Logs, line => line.StartsWith($"ApiRoutes[2031] Warning: Execution {id} of /api/wait was cancelled (attempt 1)", StringComparison.Ordinal));
        Assert.NotEqual(ExecutionStatus.Running, a.Executions.Find(id)?.Status);   // released, not running here
        Assert.Equal((ExecutionStatus.Running, 2), (b.Executions.Find(id)!.Status, b.Executions.Find(id)!.Attempt));
    }

    // Seen with a replica stopped (SIGSTOP) past its lease while its handler ran, then resumed: the handler finished before
    // the replica learnt that its lease had lapsed, and its outcome, refused because B holds the execution now, was an
    // Error with a stack trace (2010: "could not record"), as if the store had failed. It is the lease's outcome: a warning
    // that says what happened (2047), and B's record stands.
    [Fact]
    public async Task A_handler_that_finishes_after_another_replica_took_its_execution_over_is_told_as_such()
    {
        var manifest = Create(BackgroundRoute("/api/stuck", typeof(IgnoresCancellation)));
        await using var b = await TestServer.StartAsync(manifest, services: s => s.AddApiRoutesPostgreSql(_database));
        await using var a = await TestServer.StartAsync(manifest, services: s => s.AddApiRoutesPostgreSql(_database));

        var id = (await a.Client.PostAsync("/api/stuck", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await a.Probe.NextAsync();   // running on A, stuck until its gate opens; A's fake clock stands still (no renewal)
        Assert.Equal(1, await PostgresServer.ScalarAsync<int>(_database, $"""
            WITH lapsed AS (
                UPDATE apiroutes_replicas SET lease_until = now() - interval '1 second'
                WHERE id = (SELECT owner FROM apiroutes_executions WHERE id = '{id}') RETURNING 1)
            SELECT count(*)::int FROM lapsed
            """));

        await Poll.SteppingAsync(() => b.AdvanceWithinLease(TimeSpan.FromSeconds(15)), maxSteps: 20, () => b.Probe.Count(nameof(IgnoresCancellation)) > 0);   // B's take-over
        b.Probe.Open("stuck");
        await Poll.UntilAsync(() => b.Executions.Find(id)?.Status == ExecutionStatus.Succeeded);

        a.Probe.Open("stuck");   // A resumes: its handler returns before A learns that its lease lapsed
        await a.WaitForLogAsync($"ApiRoutes[2047] Warning: Execution {id} is held by another replica now; this replica's change to Succeeded was not recorded. "
            + $"This replica's lease had lapsed (4003) and another replica took execution {id} over: its handler may have run on both, and the other replica's outcome is the one recorded");

        Assert.DoesNotContain(a.Logs, line => line.StartsWith("ApiRoutes[2010]", StringComparison.Ordinal));
        Assert.Equal((ExecutionStatus.Succeeded, 2), (b.Executions.Find(id)!.Status, b.Executions.Find(id)!.Attempt));
    }
}
