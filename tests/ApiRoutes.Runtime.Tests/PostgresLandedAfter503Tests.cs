using ApiRoutes.Execution;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using ApiRoutes.Testing;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// Review 38a F3: a background request whose row landed although its replica answered 503 (the commit's answer was lost
/// and could not be settled: a statement that waited on a lock and finished after its client was gone, a partition that
/// healed and delivered it). The row is queued, owned by the live replica, and held nowhere in memory; only an idle
/// other replica took it, so with one replica (or all busy) it waited for a restart, while its Idempotency-Key retry
/// was answered 202 with its id. Each replica now takes its own such rows every half lease.
/// </summary>
public sealed class PostgresLandedAfter503Tests : IAsyncLifetime
{
    // Fake clocks race ahead below, far faster than renewals land: a long lease keeps the fence from tripping. Its take-
    // over looks every half lease (4 minutes) for rows accepted more than half a lease ago; the clock runs less than the
    // route's time limit (15 minutes) in all.
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(8);

    private string _database = null!;

    public async Task InitializeAsync() => _database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_row_that_landed_after_its_503_runs_once_on_its_own_replica_alone_within_a_lease()
    {
        await using var app = await StartAsync(Create(BackgroundRoute("/api/hello", typeof(Hello))));
        var id = await LandAsync(app, "/api/hello", "landed after the 503");

        // Before the fix it stayed queued for good: the replica is alive, so nobody took it.
        await Poll.UntilAsync(() =>
        {
            app.AdvanceWithinLease(TimeSpan.FromSeconds(15));
            return app.Executions.Find(id) is { Status: ExecutionStatus.Succeeded };
        });

        Assert.Equal("landed after the 503", (await app.Probe.NextAsync()).Body);   // its stored request
        await Poll.UntilAsync(async () => await Count($"id = '{id}' AND status = 'Succeeded' AND attempt = 1") == 1);
        Assert.Single(app.Logs, line => line.StartsWith("ApiRoutes[2048] Warning: Took up 1 execution(s) of this replica that it did not hold", StringComparison.Ordinal));

        // Further looks take nothing: it ran once.
        for (var i = 0; i < 64; i++)
        {
            app.AdvanceWithinLease(TimeSpan.FromSeconds(15));
            await Task.Delay(10);
        }

        Assert.Equal(1, app.Probe.Count(nameof(Hello)));
        Assert.Single(app.Logs, line => line.StartsWith("ApiRoutes[2048]", StringComparison.Ordinal));
    }

    // Its own work held in memory (one running, two queued behind it, all older than half a lease) is never taken
    // again; the landed row is taken although no worker is idle (it is accepted work: it takes the queue's room).
    [Fact]
    public async Task A_busy_replica_takes_its_landed_row_and_none_of_the_work_it_holds()
    {
        await using var app = await StartAsync(Create(BackgroundRoute("/api/slow", typeof(Slow))));
        var running = await PostAsync(app);
        await app.Probe.NextAsync();
        string[] queued = [await PostAsync(app), await PostAsync(app)];
        var landed = await LandAsync(app, "/api/slow", "landed");

        // The look that takes it (at 8 minutes) finds the three it holds older than half a lease too. The clock stays
        // well within the running one's time limit (15 minutes), so nothing here runs twice for a time-out's retry.
        var start = app.FakeTime.GetUtcNow();
        await Poll.UntilAsync(() =>
        {
            if (app.FakeTime.GetUtcNow() - start < TimeSpan.FromMinutes(12))
            {
                app.AdvanceWithinLease(TimeSpan.FromSeconds(15));
            }

            return app.Executions.Find(landed) is { Status: ExecutionStatus.Queued };
        });

        app.Probe.Open("slow");
        foreach (var id in queued.Append(running).Append(landed))
        {
            await app.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Succeeded);
        }

        Assert.True(app.Probe.Count(nameof(Slow)) == 4, string.Join("\n", app.Logs.Where(line => line.StartsWith("ApiRoutes[", StringComparison.Ordinal) && !line.StartsWith("ApiRoutes[2000]", StringComparison.Ordinal))));
        Assert.StartsWith("ApiRoutes[2048] Warning: Took up 1 execution(s) ", Assert.Single(app.Logs, line => line.StartsWith("ApiRoutes[2048]", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.DoesNotContain(app.Logs, line => line.StartsWith("ApiRoutes[2015]", StringComparison.Ordinal));
        await Poll.UntilAsync(async () => await Count("status = 'Succeeded' AND attempt = 1") == 4);
    }

    // What a commit whose answer was lost leaves when the settling fails: the row, written by this replica's store (so
    // owned by it), accepted now, with its request; the lifecycle never saw it (its accept was let go with the 503).
    private static async Task<string> LandAsync(TestServer app, string route, string body)
    {
        var record = new ExecutionRecord
        {
            Id = Guid.CreateVersion7(app.FakeTime.GetUtcNow()).ToString("N"), Route = route, Kind = "background", Status = ExecutionStatus.Queued,
            AcceptedAt = app.FakeTime.GetUtcNow(),
        };
        await app.Services.GetRequiredService<IExecutionStore>().AddAsync(record, RequestSnapshot.Synthetic(route, System.Text.Encoding.UTF8.GetBytes(body)), default);
        Assert.Null(app.Executions.Find(record.Id));
        return record.Id;
    }

    private Task<TestServer> StartAsync(ApiRoutes.Manifest.RouteManifest manifest) =>
        TestServer.StartAsync(
            manifest,
            "Production",
            options: options =>
            {
                options.Background.MaxConcurrency = 1;
                options.Store.LeaseDuration = Lease;
            },
            services: services => services.AddApiRoutesPostgreSql(_database));

    private static async Task<string> PostAsync(TestServer server) =>
        (await server.Client.PostAsync("/api/slow", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();

    private Task<long> Count(string condition) => PostgresServer.ScalarAsync<long>(_database, $"SELECT count(*) FROM apiroutes_executions WHERE {condition}");
}
