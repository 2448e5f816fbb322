using System.Text;
using ApiRoutes.Execution;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// A stored scheduled run is never repeated at start-up, whatever its row holds: a request there (which the runtime
/// never writes for one) is not given to the scheduled handler (review 4, finding 11).
/// </summary>
public sealed class RecoveredScheduledRowTests : IDisposable
{
    private readonly string _database = Path.Combine(Directory.CreateTempSubdirectory("apiroutes-scheduled-row-").FullName, "executions.db");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_database)!, recursive: true);

    [Fact]
    public async Task A_stored_scheduled_row_that_carries_a_request_is_recorded_as_failed_not_run_with_it()
    {
        await using (var store = SqliteExecutionStore.Open(_database))
        {
            var forged = RequestSnapshot.Synthetic("/api/tick", Encoding.UTF8.GetBytes("""{"next_run":"forged","wipe":true}"""));
            await store.AddAsync(
                new ExecutionRecord { Id = "forged", Route = "/api/tick", Kind = "scheduled", Status = ExecutionStatus.Queued, AcceptedAt = DateTimeOffset.UnixEpoch },
                forged,
                default);
        }

        await using var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/tick", typeof(Tick), "@yearly")),
            now: new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero),
            options: o =>
            {
                o.Store.Provider = StoreProvider.Sqlite;
                o.Store.Path = _database;
            });

        var failed = await server.WaitForExecutionAsync(r => r.Id == "forged" && r.Status == ExecutionStatus.Failed);

        Assert.Equal("Not finished: the process stopped while it ran (scheduled runs are not repeated).", failed.Error);
        Assert.Equal(0, server.Probe.Count(nameof(Tick)));
    }
}
