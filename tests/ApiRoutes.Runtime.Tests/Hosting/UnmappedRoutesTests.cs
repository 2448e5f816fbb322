using System.Net;
using System.Reflection;
using ApiRoutes.Execution;
using ApiRoutes.Hosting;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Hosting;

/// <summary>
/// Review 46g F4: an app whose Program.cs calls AddApiRoutes and never MapApiRoutes served none of its routes (404, AR0105
/// at build) and said nothing at run time, while its schedules ran and its start-up recovery took up the work left in the
/// store. It says so once started (event 1007), and runs none of it: the rows stay for a start that maps the routes.
/// </summary>
public sealed class UnmappedRoutesTests : IDisposable
{
    private const string NotMapped = "ApiRoutes[1007] Warning: The app started without mapping the ApiRoutes routes";

    private readonly string _database = Path.Combine(Directory.CreateTempSubdirectory("apiroutes-unmapped-").FullName, "executions.db");
    private readonly FakeTimeProvider _gateTime = new();

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_database)!, recursive: true);

    [Fact]
    public async Task An_app_that_never_maps_its_routes_says_so_and_runs_neither_its_schedules_nor_the_work_left_until_a_start_that_maps_them()
    {
        await using (var store = SqliteExecutionStore.Open(_database))
        {
            await store.AddAsync(
                new ExecutionRecord { Id = "left", Route = "/api/work", Kind = "background", Status = ExecutionStatus.Queued, AcceptedAt = DateTimeOffset.UnixEpoch },
                RequestSnapshot.Synthetic("/api/work", "{}"u8.ToArray()),
                default);
        }

        var manifest = Create(BackgroundRoute("/api/work", typeof(Hello)), ScheduledRoute("/api/tick", typeof(Tick), "* * * * *"));
        var unmapped = await TestServer.StartAsync(manifest, options: Sqlite, services: GateOnItsOwnClock, mapRoutes: false);
        try
        {
            // Past the gate's idle window and bound, where a mapped app's recovery and schedules begin, and past three of
            // the schedule's minutes; a request answered (by nobody: 404) opens it no more.
            _gateTime.Advance(StartupWorkGate.Bound);
            unmapped.FakeTime.Advance(TimeSpan.FromMinutes(3));
            using (var response = await unmapped.Client.PostAsync(new Uri("/api/work", UriKind.Relative), null))
            {
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            }

            Assert.False(unmapped.Services.GetRequiredService<StartupWorkGate>().IsOpen);
            Assert.Equal((0, 0), (unmapped.Probe.Count(nameof(Hello)), unmapped.Probe.Count(nameof(Tick))));
            Assert.Empty(unmapped.Executions.Snapshot());

            // Told once, as the host has started (its ApplicationStarted, before StartAsync returned).
            Assert.Single(unmapped.Logs, line => line.StartsWith(NotMapped, StringComparison.Ordinal));
            Assert.Contains(
                "the executions accepted before stay in the execution store as they are, for the next start that maps the routes (or a replica that does). Call app.MapApiRoutes() after builder.Build()",
                unmapped.Logs.Single(line => line.StartsWith(NotMapped, StringComparison.Ordinal)),
                StringComparison.Ordinal);
        }
        finally
        {
            await unmapped.DisposeAsync();
        }

        // Nothing lost: the row is as it was left, and the next start, which maps the routes, runs it (and says nothing of 1007).
        await using (var store = SqliteExecutionStore.Open(_database))
        {
            var row = Assert.Single(await store.GetUnfinishedAsync(10, default));
            Assert.Equal(("left", ExecutionStatus.Queued, 1), (row.Record.Id, row.Record.Status, row.Record.Attempt));
        }

        await using var mapped = await TestServer.StartAsync(manifest, options: Sqlite);
        await mapped.WaitForExecutionAsync(r => r.Id == "left" && r.Status == ExecutionStatus.Succeeded);
        Assert.DoesNotContain(mapped.Logs, line => line.StartsWith("ApiRoutes[1007]", StringComparison.Ordinal));
    }

    // With replicas, the take-over (every half lease) claimed the work of stopped replicas and ran it in the app that
    // served none of its routes; it takes nothing now, and the other replicas do.
    [Fact]
    public async Task A_replica_that_never_maps_its_routes_takes_over_nothing()
    {
        var coordination = new WatchedCoordination(new ElsewhereCoordination());
        await using var replica = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/work", typeof(Hello))),
            services: s => s.AddSingleton<IReplicaCoordination>(coordination),
            mapRoutes: false);
        var takeOver = replica.Services.GetServices<IHostedService>().OfType<TakeOverService>().Single();

        // One take-over, run here rather than waited for at its tick.
        var runOnce = typeof(TakeOverService).GetMethod("RunOnceAsync", BindingFlags.NonPublic | BindingFlags.Instance)!;
        await (Task)runOnce.Invoke(takeOver, [CancellationToken.None])!;

        Assert.Equal((0, 0), (coordination.ClaimsLookedAt, coordination.RunsLookedAt));
    }

    // The gate on a clock of its own that only the test moves; made as AddApiRoutes makes it, with what it asks of the app.
    private void GateOnItsOwnClock(IServiceCollection services) =>
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<StartupWorkGate>(sp, (TimeProvider)_gateTime));

    private void Sqlite(ApiRoutesOptions options)
    {
        options.Store.Provider = StoreProvider.Sqlite;
        options.Store.Path = _database;
    }
}
