using ApiRoutes.Execution;
using ApiRoutes.Storage;
using Microsoft.Extensions.Time.Testing;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>
/// What the in-memory store keeps, as README says: the unfinished executions with their requests, the latest
/// <see cref="InMemoryExecutionStore.MaxFinished"/> finished, and the requests of the latest
/// <see cref="InMemoryExecutionStore.MaxReplayable"/> failed ones.
/// </summary>
public sealed class InMemoryExecutionStoreBoundsTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task The_latest_finished_are_kept_the_oldest_beyond_the_bound_forgotten_and_unfinished_ones_never()
    {
        var store = new InMemoryExecutionStore(new FakeTimeProvider(Start));
        await store.AddAsync(Record("unfinished", ExecutionStatus.Queued), Request(), default);
        const int Finished = InMemoryExecutionStore.MaxFinished + 500;
        for (var i = 0; i < Finished; i++)
        {
            await store.AddAsync(Record($"e{i:D5}", ExecutionStatus.Queued), Request(), default);
            await store.UpdateAsync(Record($"e{i:D5}", ExecutionStatus.Succeeded) with { FinishedAt = Start.AddSeconds(i) }, default);
        }

        Assert.Null(await store.FindAsync("e00000", default));
        Assert.Null(await store.FindAsync("e00499", default));
        Assert.Equal(ExecutionStatus.Succeeded, (await store.FindAsync("e00500", default))!.Status);
        Assert.Equal(ExecutionStatus.Succeeded, (await store.FindAsync($"e{Finished - 1:D5}", default))!.Status);
        var (unfinished, request) = Assert.Single(await store.GetUnfinishedAsync(10, default));
        Assert.Equal("unfinished", unfinished.Id);
        Assert.Equal("/api/job", request!.Path.Value);
        Assert.Null(await store.GetRequestAsync("e00500", default));   // a success is never replayed: no request kept
    }

    [Fact]
    public async Task The_requests_of_the_latest_failed_ones_are_kept_to_replay_them_and_older_ones_let_go()
    {
        var store = new InMemoryExecutionStore(new FakeTimeProvider(Start));
        const int Failed = InMemoryExecutionStore.MaxReplayable + 10;
        for (var i = 0; i < Failed; i++)
        {
            await store.AddAsync(Record($"f{i:D4}", ExecutionStatus.Running), Request(), default);
            await store.UpdateAsync(Record($"f{i:D4}", ExecutionStatus.Failed) with { FinishedAt = Start, Error = "boom" }, default);
        }

        Assert.Null(await store.GetRequestAsync("f0009", default));
        Assert.Equal(ExecutionStatus.Failed, (await store.FindAsync("f0009", default))!.Status);
        Assert.Equal("/api/job", (await store.GetRequestAsync("f0010", default))!.Path.Value);
        Assert.Equal("/api/job", (await store.GetRequestAsync($"f{Failed - 1:D4}", default))!.Path.Value);

        // Failed again (written twice): counted once, and its request stays.
        await store.UpdateAsync(Record($"f{Failed - 1:D4}", ExecutionStatus.Failed) with { FinishedAt = Start, Error = "again" }, default);
        Assert.Equal("/api/job", (await store.GetRequestAsync("f0010", default))!.Path.Value);
        Assert.Equal("again", (await store.FindAsync($"f{Failed - 1:D4}", default))!.Error);
    }

    [Fact]
    public async Task An_update_of_an_execution_it_never_saw_is_kept_without_a_request()
    {
        var store = new InMemoryExecutionStore(new FakeTimeProvider(Start));

        await store.UpdateAsync(Record("taken-over", ExecutionStatus.Running) with { StartedAt = Start }, default);

        Assert.Equal(ExecutionStatus.Running, (await store.FindAsync("taken-over", default))!.Status);
        var (record, request) = Assert.Single(await store.GetUnfinishedAsync(10, default));
        Assert.Equal("taken-over", record.Id);
        Assert.Null(request);
    }

    [Fact]
    public async Task A_succeeded_execution_kept_compact_reads_back_as_written_and_pages_keep_their_order()
    {
        var store = new InMemoryExecutionStore(new FakeTimeProvider(Start));
        var written = new List<ExecutionRecord>();
        for (var i = 0; i < 30; i++)
        {
            // Two at each accepted time: the id breaks the tie. Every third one not succeeded (kept as its record).
            var id = Guid.CreateVersion7(Start.AddSeconds(i / 2)).ToString("N");
            var record = Record(id, i % 3 == 0 ? ExecutionStatus.Failed : ExecutionStatus.Succeeded) with
            {
                AcceptedAt = Start.AddSeconds(i / 2), StartedAt = Start.AddSeconds(i / 2), FinishedAt = Start.AddSeconds(30), Attempt = 1 + (i % 3),
                TraceParent = i % 2 == 0 ? "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" : null, TraceState = i % 2 == 0 ? "a=b" : null,
            };
            await store.AddAsync(record with { Status = ExecutionStatus.Queued, FinishedAt = null }, Request(), default);
            await store.UpdateAsync(record, default);
            written.Add(record);
        }

        foreach (var record in written)
        {
            Assert.Equal(record, await store.FindAsync(record.Id, default));
        }

        // Pages of 7 through everything, newest first, then by id: the same rows, in the same order, as the records sorted.
        var expected = written.OrderByDescending(record => record.AcceptedAt).ThenBy(record => record.Id, StringComparer.Ordinal).ToList();
        var read = new List<ExecutionRecord>();
        var query = new ExecutionQuery { Limit = 7 };
        for (var page = 0; page < 10; page++)
        {
            var rows = await store.QueryAsync(query, default);
            read.AddRange(rows);
            if (rows.Count < query.Limit)
            {
                break;
            }

            query = query with { After = new ExecutionCursor(rows[^1].AcceptedAt, rows[^1].Id) };
        }

        Assert.Equal(expected, read);
        Assert.Equal(expected.Where(record => record.Status == ExecutionStatus.Succeeded),
            await store.QueryAsync(new ExecutionQuery { Status = ExecutionStatus.Succeeded, Limit = 100 }, default));
    }

    [Fact]
    public async Task A_small_page_makes_records_only_for_its_rows_not_for_the_whole_history()
    {
        var store = new InMemoryExecutionStore(new FakeTimeProvider(Start));
        for (var i = 0; i < InMemoryExecutionStore.MaxFinished; i++)
        {
            var id = Guid.CreateVersion7(Start.AddMilliseconds(i)).ToString("N");
            await store.UpdateAsync(Record(id, ExecutionStatus.Succeeded) with { FinishedAt = Start, TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" }, default);
        }

        var none = new ExecutionQuery { Limit = 20, Route = "/api/other" };
        var twenty = new ExecutionQuery { Limit = 20 };
        await store.QueryAsync(none, default);
        await store.QueryAsync(twenty, default);

        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Empty(await store.QueryAsync(none, default));
        var empty = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(20, (await store.QueryAsync(twenty, default)).Count);
        var page = GC.GetAllocatedBytesForCurrentThread() - before - empty;

        // Making all 10,000 records again took 3.3 MB (review 8); a page keeps only its own rows while going through.
        Assert.True(empty < 16 * 1024, $"{empty} bytes for an empty page");
        Assert.True(page < 64 * 1024, $"{page} bytes for a page of 20");
    }

    [Fact]
    public async Task A_query_never_misses_an_execution_written_again_between_succeeded_and_running()
    {
        // One entry per execution, changed in place under its stripe's lock: a reader sees it before or after, never neither.
        var store = new InMemoryExecutionStore(new FakeTimeProvider(Start));
        var id = Guid.CreateVersion7(Start).ToString("N");
        await store.UpdateAsync(Record(id, ExecutionStatus.Succeeded) with { FinishedAt = Start }, default);

        // Fewer successes than the bound of finished ones: each counts, and the bound would drop it at the MaxFinished-th.
        const int Writes = (2 * InMemoryExecutionStore.MaxFinished) - 2;
        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < Writes; i++)
            {
                await store.UpdateAsync(Record(id, i % 2 == 0 ? ExecutionStatus.Running : ExecutionStatus.Succeeded) with { FinishedAt = Start }, default);
            }
        });

        var (reads, misses) = (0, 0);
        for (; reads < 100_000 && (!writer.IsCompleted || reads < 100); reads++)
        {
            if ((await store.QueryAsync(new ExecutionQuery { Limit = 10 }, default)).Count != 1 || await store.FindAsync(id, default) is null)
            {
                misses++;
            }
        }

        await writer;
        Assert.Equal(0, misses);
        Assert.Equal(ExecutionStatus.Succeeded, (await store.FindAsync(id, default))!.Status);
    }

    private static ExecutionRecord Record(string id, ExecutionStatus status) =>
        new() { Id = id, Route = "/api/job", Kind = "background", Status = status, AcceptedAt = Start };

    private static RequestSnapshot Request() => RequestSnapshot.Synthetic("/api/job", "{}"u8.ToArray());
}
