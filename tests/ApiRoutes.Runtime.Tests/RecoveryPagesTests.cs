using ApiRoutes.Execution;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// Start-up recovery takes up unfinished work a queue's room at a time, never all of it into memory at once, and the
/// rest as the queue drains (review 4, finding 8).
/// </summary>
public sealed class RecoveryPagesTests : IDisposable
{
    private const int Rows = 7;

    private readonly string _database = Path.Combine(Directory.CreateTempSubdirectory("apiroutes-recovery-pages-").FullName, "executions.db");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_database)!, recursive: true);

    [Fact]
    public async Task Unfinished_work_past_the_queue_is_taken_up_as_the_queue_drains()
    {
        await using (var store = SqliteExecutionStore.Open(_database))
        {
            var request = RequestSnapshot.Synthetic("/api/slow", "{}"u8.ToArray());
            for (var i = 0; i < Rows; i++)
            {
                await store.AddAsync(new ExecutionRecord { Id = $"e{i}", Route = "/api/slow", Kind = "background", Status = ExecutionStatus.Queued, AcceptedAt = DateTimeOffset.UnixEpoch.AddSeconds(i) }, request, default);
            }
        }

        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/slow", typeof(Slow))),
            options: o =>
            {
                o.Store.Provider = StoreProvider.Sqlite;
                o.Store.Path = _database;
                o.Background.MaxQueueLength = 2;
                o.Background.MaxConcurrency = 1;
            });

        // The first page: the queue's room (2), of which the one worker starts one and waits at the gate; while it
        // waits, the queue's bound and the worker hold at most three.
        await server.WaitForLogAsync("ApiRoutes[2009] Information: Recovered 2 unfinished execution(s)");
        await server.WaitForExecutionAsync(r => r.Status == ExecutionStatus.Running);
        Assert.InRange(server.Executions.Active.Count, 2, 3);
        Assert.DoesNotContain(server.Logs, line => line.StartsWith($"ApiRoutes[2009] Information: Recovered {Rows} ", StringComparison.Ordinal));

        // The handlers return; each tick of the page wait takes up what the queue has room for, until all ran.
        server.Probe.Open("slow");
        var deadline = DateTime.UtcNow + Probe.Patience;
        while (server.Executions.Snapshot().Count(r => r.Status == ExecutionStatus.Succeeded) < Rows)
        {
            Assert.True(DateTime.UtcNow < deadline, "not every unfinished execution ran:\n" + string.Join("\n", server.Logs));
            server.FakeTime.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(10);
        }

        Assert.Equal(Rows, server.Probe.Count(nameof(Slow)));
    }
}
