using System.Net;
using ApiRoutes.Background;
using ApiRoutes.Execution;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// Review 17a: attacks on c5c2386 ("A retry's due time is kept with its execution") with the SQLite store. F1, F2 and F4
/// failed on 2dfa201; the Q cases passed there and guard what held.
/// </summary>
public sealed class RetryDueRecoveryTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly string _database = Path.Combine(Directory.CreateTempSubdirectory("apiroutes-retry-due-").FullName, "executions.db");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_database)!, recursive: true);

    // F1. Retries waiting out their delay after a restart took the recovery's room, so runnable work left in the store
    // beyond that room waited for the retries' delays with every worker idle. Before c5c2386 those retries ran at once and the room came back within seconds.
    // The state before the crash is a normal one: retries always re-enter the queue, past MaxQueueLength.
    [Fact]
    public async Task F1_waiting_retries_at_startup_keep_runnable_work_in_the_store_while_the_worker_is_idle()
    {
        await using (var store = SqliteExecutionStore.Open(_database))
        {
            var request = RequestSnapshot.Synthetic("/api/slow", "{}"u8.ToArray());
            // Two retries waiting out a ten-minute delay (oldest first), then one first attempt that never started.
            await store.AddAsync(Row("r1", 2, Start.AddMinutes(-3)) with { RetryAt = Start.AddMinutes(9) }, request, default);
            await store.AddAsync(Row("r2", 2, Start.AddMinutes(-2)) with { RetryAt = Start.AddMinutes(9) }, request, default);
            await store.AddAsync(Row("fresh", 1, Start.AddMinutes(-1)), request, default);
        }

        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/slow", typeof(Slow))), options: o =>
        {
            o.Store.Provider = StoreProvider.Sqlite;
            o.Store.Path = _database;
            o.Background.MaxQueueLength = 2;
            o.Background.MaxConcurrency = 1;
            o.Background.RetryDelays = [TimeSpan.FromMinutes(10)];
        });
        server.Probe.Open("slow");
        await server.WaitForLogAsync("ApiRoutes[2009] Information: Recovered 2 unfinished execution(s)");

        // Page waits of one second (fake clock), each step given time to show before the next: before the fix the one
        // worker stayed idle until the retries' delay came due (9 minutes); now the runnable one runs within seconds.
        var queue = server.Services.GetRequiredService<BackgroundQueue>();
        var steps = await Poll.SteppingAsync(server.FakeTime, TimeSpan.FromSeconds(1), maxSteps: 30, () => server.Probe.Count(nameof(Slow)) >= 1);
        Assert.True(server.Probe.Count(nameof(Slow)) >= 1, $"the worker stayed idle for {steps} s while runnable work waited in the store: "
            + $"retryWaiting={queue.RetryWaiting}, waiting={queue.Waiting}, fresh={server.Executions.Find("fresh")?.Status.ToString() ?? "not taken up"}");

        // The runnable one runs while the retries wait out their delay. A new request is accepted too: the retries wait
        // in their own room beside the queue, as at any time (review 39a F2: they took the queue's, and refused it).
        using var accepted = await server.Client.PostAsync("/api/slow", null);
        await server.WaitForExecutionAsync(record => record is { Id: "fresh", Status: ExecutionStatus.Succeeded });
        Assert.Equal(2, queue.RetryWaiting);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
    }

    // F2. The clamp is applied in memory only (WaitForRetry(write: false)): the row keeps the far-future due time, which
    // every other reader of the store (another replica's status URL and dashboard, the next start) still sees, and which
    // stays in the row after the retry came due and waits in the queue.
    [Fact]
    public async Task F2_a_clamped_due_time_is_not_written_back_to_the_store()
    {
        await using (var store = SqliteExecutionStore.Open(_database))
        {
            await store.AddAsync(Row("e1", 2, Start.AddHours(-1)), RequestSnapshot.Synthetic("/api/slow", "{}"u8.ToArray()), default);
        }

        await SqlAsync("UPDATE executions SET retry_at = '2100-01-01T00:00:00.0000000Z' WHERE id = 'e1'");

        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/slow", typeof(Slow))), options: o =>
        {
            o.Store.Provider = StoreProvider.Sqlite;
            o.Store.Path = _database;
            o.Background.MaxConcurrency = 1;
        });
        await server.WaitForLogAsync("ApiRoutes[2009] Information: Recovered 1 unfinished execution(s)");
        var inMemory = (await server.WaitForExecutionAsync(r => r.Id == "e1")).RetryAt;
        var executions = server.Services.GetRequiredService<IExecutionStore>();
        DateTimeOffset? stored = null;
        for (var i = 0; i < 100 && (stored = (await executions.FindAsync("e1", default))!.RetryAt) != inMemory; i++)
        {
            await Task.Delay(20);   // written in the next group commit: polled for, bounded
        }

        Assert.Equal(Start.AddMinutes(2), inMemory);   // clamped to the longest delay (2 minutes) in memory
        Assert.Equal(inMemory, stored);                // was: the store still said 2100-01-01, for good
    }

    // F4. RetryDelays shortened between deploys (fewer items): a retry that was waiting out its delay (attempt 3 never
    // started) is recorded as failed "the process stopped during its last attempt (3 of 2)", which did not happen.
    // Not stuck, but misleading; and the retry_at of a now-impossible attempt is ignored silently.
    [Fact]
    public async Task F4_fewer_retry_delays_fail_a_waiting_retry_with_a_reason_that_is_not_true()
    {
        await using (var store = SqliteExecutionStore.Open(_database))
        {
            await store.AddAsync(Row("e1", 3, Start.AddHours(-1)) with { RetryAt = Start.AddMinutes(1), Error = "boom" }, RequestSnapshot.Synthetic("/api/slow", "{}"u8.ToArray()), default);
        }

        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/slow", typeof(Slow))), options: o =>
        {
            o.Store.Provider = StoreProvider.Sqlite;
            o.Store.Path = _database;
            o.Background.RetryDelays = [TimeSpan.FromMinutes(1)];
        });
        var failed = await server.WaitForExecutionAsync(r => r.Id == "e1" && r.Status == ExecutionStatus.Failed);
        Assert.Null(failed.RetryAt);   // cleared: good
        Assert.DoesNotContain("stopped during its last attempt", failed.Error, StringComparison.Ordinal);   // was: "(3 of 2)"
    }

    // Q1 (confirmation, passes). One group-commit batch holding the retry-waiting write and the next start of the same
    // execution: the later write wins whole, retry_at included; in the other order, the retry-waiting write wins whole.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Q1_a_batch_with_the_retry_waiting_write_and_the_start_keeps_the_later_one_whole(bool startFirst)
    {
        await using var store = SqliteExecutionStore.Open(_database);
        var queued = Row("e1", 1, Start);
        await store.AddAsync(queued, RequestSnapshot.Synthetic("/api/slow", "{}"u8.ToArray()), default);
        var waiting = queued with { Attempt = 2, Error = "boom", RetryAt = Start.AddMinutes(1) };
        var running = waiting with { Status = ExecutionStatus.Running, StartedAt = Start.AddMinutes(1), RetryAt = null };
        SqliteWrite[] batch = startFirst
            ? [new SqliteWrite(running, null, null), new SqliteWrite(waiting, null, null)]
            : [new SqliteWrite(waiting, null, null), new SqliteWrite(running, null, null)];

        await store.CommitAsync(batch);

        Assert.Equal(startFirst ? waiting : running, await store.FindAsync("e1", default));
    }

    // Q6 (confirmation, passes). A retry_at that parses as text but is not an instant, or is a number, makes the row
    // unreadable; it is recorded as failed (not run), and the failed write clears the column so the row reads again.
    [Theory]
    [InlineData("'soon'")]
    [InlineData("1767225600")]
    [InlineData("X'00'")]
    [InlineData("'9999-12-31T23:59:59.9999999-01:00'")]
    public async Task Q6_a_corrupt_retry_at_fails_the_row_with_why_and_the_row_reads_again(string value)
    {
        await using (var store = SqliteExecutionStore.Open(_database))
        {
            await store.AddAsync(Row("e1", 2, Start.AddHours(-1)), RequestSnapshot.Synthetic("/api/slow", "{}"u8.ToArray()), default);
        }

        await SqlAsync($"UPDATE executions SET retry_at = {value} WHERE id = 'e1'");

        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/slow", typeof(Slow))), options: o =>
        {
            o.Store.Provider = StoreProvider.Sqlite;
            o.Store.Path = _database;
        });
        server.Probe.Open("slow");
        var ended = await server.WaitForExecutionAsync(r => r.Id == "e1" && r.Status is ExecutionStatus.Failed or ExecutionStatus.Succeeded);
        ExecutionRecord? stored = null;
        for (var deadline = DateTime.UtcNow + Probe.Patience; stored?.Status != ExecutionStatus.Failed && DateTime.UtcNow < deadline; await Task.Delay(20))
        {
            stored = await server.Services.GetRequiredService<IExecutionStore>().FindAsync("e1", default);   // the failed write is not awaited
        }

        Assert.NotNull(stored);
        Assert.Null(stored.RetryAt);
        Assert.Equal(ExecutionStatus.Failed, ended.Status);
    }

    private static ExecutionRecord Row(string id, int attempt, DateTimeOffset accepted) =>
        new() { Id = id, Route = "/api/slow", Kind = "background", Status = ExecutionStatus.Queued, Attempt = attempt, AcceptedAt = accepted };

    private async Task SqlAsync(string sql)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_database};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }
}
