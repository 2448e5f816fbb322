using ApiRoutes.Execution;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.Extensions.DependencyInjection;
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

    // Review 5, finding 6: the log's finished history is bounded (1,000); an execution that finished here on an early
    // page but whose end could not be written (a full disk) stays unfinished in the store, and once 1,000 more have
    // finished it is no longer in the log; a later page must still know it was taken up here, and not run it again.
    [Fact]
    public async Task An_execution_taken_up_by_an_earlier_page_is_not_run_again_once_it_has_left_the_finished_history()
    {
        const int Others = 1100;
        var store = new UnwrittenEndStore("first");
        var request = RequestSnapshot.Synthetic("/api/hello", "{}"u8.ToArray());
        await store.SeedAsync(new ExecutionRecord { Id = "first", Route = "/api/hello", Kind = "background", Status = ExecutionStatus.Queued, AcceptedAt = DateTimeOffset.UnixEpoch }, request);
        for (var i = 0; i < Others; i++)
        {
            await store.SeedAsync(new ExecutionRecord { Id = $"e{i:0000}", Route = "/api/hello", Kind = "background", Status = ExecutionStatus.Queued, AcceptedAt = DateTimeOffset.UnixEpoch.AddSeconds(1 + i) }, request);
        }

        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/hello", typeof(Hello))),
            options: o => o.Background.MaxQueueLength = 100,
            services: s => s.AddSingleton<IExecutionStore>(store));

        var deadline = DateTime.UtcNow + (2 * Probe.Patience);
        while (server.Probe.Count(nameof(Hello)) < Others + 1 || server.Executions.Active.Count > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{server.Probe.Count(nameof(Hello))} of {Others + 1} ran:\n" + string.Join("\n", server.Logs.TakeLast(20)));
            server.FakeTime.Advance(TimeSpan.FromSeconds(1));   // the page wait
            await Task.Delay(10);
        }

        // Every page held "first" (the oldest, its end never written), and pages went on after 1,000 others had finished
        // and pushed it out of the finished history: 1,101 rows through a queue of 100 take 12 pages at least. (A page
        // more, once all ran, would read nothing: recovery has ended by then.)
        Assert.True(store.Pages >= 12, $"recovery read {store.Pages} page(s)");
        Assert.Single(server.Logs, line => line.StartsWith("ApiRoutes[2002] Information: Execution first of /api/hello started", StringComparison.Ordinal));
        Assert.Equal(Others + 1, server.Probe.Count(nameof(Hello)));
    }

    // Every write about one execution fails, as on a full disk: its row stays queued.
    private sealed class UnwrittenEndStore(string unwritten) : PagedStore
    {
        public override Task UpdateAsync(ExecutionRecord record, CancellationToken cancellationToken) => record.Id == unwritten
            ? Task.FromException(new ExecutionStoreUnavailableException("The test's disk is full."))
            : base.UpdateAsync(record, cancellationToken);
    }
}
