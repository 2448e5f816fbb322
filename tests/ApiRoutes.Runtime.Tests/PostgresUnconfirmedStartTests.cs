using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using ApiRoutes.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// Review 4, finding 4: a start write that fails does not make a replica run an execution that another replica may
/// hold. Two real replicas on the suite's PostgreSQL server, one of them behind a TCP proxy that is cut.
/// </summary>
public sealed class PostgresUnconfirmedStartTests(ITestOutputHelper output) : IAsyncLifetime
{
    private string _database = null!;

    public async Task InitializeAsync() => _database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    // An idle replica claims a first attempt waiting at a busy one and runs it; the busy one's start write then fails
    // (a database blip on its side only). It must not run the execution on that account: once its start can be
    // written again, it finds the other replica holds it (2015) and skips it.
    [Fact]
    public async Task A_failed_start_write_does_not_run_work_another_replica_claimed()
    {
        var server = await PostgresServer.SharedAsync();
        await using var proxy = new TcpProxy(server.Port);
        var throughProxy = new NpgsqlConnectionStringBuilder(_database) { Port = proxy.Port }.ConnectionString;
        var manifest = Create(BackgroundRoute("/api/slow", typeof(Slow)));
        await using var busy = await TestServer.StartAsync(manifest, options: o => o.Background.MaxConcurrency = 1, services: s => s.AddApiRoutesPostgreSql(throughProxy));
        await using var idle = await TestServer.StartAsync(manifest, options: o => o.Background.MaxConcurrency = 1, services: s => s.AddApiRoutesPostgreSql(_database));

        var first = (await busy.Client.PostAsync("/api/slow", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await busy.Probe.NextAsync();
        var waiting = (await busy.Client.PostAsync("/api/slow", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        idle.Probe.Open("slow");
        var steps = await Poll.SteppingAsync(() => idle.AdvanceWithinLease(TimeSpan.FromSeconds(15)), maxSteps: 40, () => idle.Executions.Find(waiting) is { Status: ExecutionStatus.Succeeded });
        output.WriteLine($"idle ran the waiting one after {steps} step(s) of its clock: " + idle.Executions.Find(waiting));
        await proxy.CutAsync();            // the busy replica's link to the database blips
        busy.Probe.Open("slow");
        await busy.WaitForLogAsync($"ApiRoutes[2030] Warning: Execution {waiting} of /api/slow is not started: its start could not be recorded in the store (try 1 of 5)");
        var ranDuringBlip = busy.Probe.Count(nameof(Slow));

        proxy.Open();
        // The waits before the next tries of the start, each given its time to try over the reconnected link.
        steps = await Poll.SteppingAsync(busy.FakeTime, TimeSpan.FromSeconds(2), maxSteps: 20, () => busy.Logs.Any(line => line.StartsWith($"ApiRoutes[2015] Information: Execution {waiting} ", StringComparison.Ordinal)));
        output.WriteLine($"busy skipped it after {steps} step(s) of its clock");

        foreach (var line in busy.Logs.Where(l => l.Contains("ApiRoutes[20", StringComparison.Ordinal)))
        {
            output.WriteLine("busy: " + (line.Length > 300 ? line[..300] : line));
        }

        Assert.Equal(ExecutionStatus.Succeeded, idle.Executions.Find(waiting)?.Status);
        Assert.Equal((1, 1), (ranDuringBlip, busy.Probe.Count(nameof(Slow))));
        Assert.Equal(1, idle.Probe.Count(nameof(Slow)));
        Assert.Contains(busy.Logs, line => line.StartsWith($"ApiRoutes[2015] Information: Execution {waiting} of /api/slow is held by another replica now", StringComparison.Ordinal));
        Assert.DoesNotContain(busy.Logs, line => line.StartsWith($"ApiRoutes[2002] Information: Execution {waiting} ", StringComparison.Ordinal));
        Assert.NotEqual(first, waiting);
    }
}
