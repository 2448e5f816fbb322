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
    public async Task Succeeded_executions_with_the_runtimes_ids_come_back_whole_from_the_compact_history_up_to_its_bound()
    {
        var store = new InMemoryExecutionStore(new FakeTimeProvider(Start));
        const int Succeeded = InMemoryExecutionStore.MaxFinished + 300;
        var ids = Enumerable.Range(0, Succeeded).Select(i => Guid.CreateVersion7(Start.AddMilliseconds(i)).ToString("N")).ToList();
        const string Trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
        {
            var queued = Record(id, ExecutionStatus.Queued) with { TraceParent = Trace, TraceState = "congo=t61rcWkgMzE", ReplayOf = i == Succeeded - 1 ? "earlier" : null };
            await store.AddAsync(queued, Request(), default);
            await store.UpdateAsync(queued with { Status = ExecutionStatus.Running, StartedAt = Start.AddSeconds(i) }, default);
            await store.UpdateAsync(queued with { Status = ExecutionStatus.Succeeded, Attempt = 2, StartedAt = Start.AddSeconds(i), FinishedAt = Start.AddSeconds(i + 1) }, default);
        }

        await store.AddAsync(Record("unfinished", ExecutionStatus.Queued), Request(), default);
        var last = Record(ids[^1], ExecutionStatus.Succeeded) with
        {
            Attempt = 2, StartedAt = Start.AddSeconds(Succeeded - 1), FinishedAt = Start.AddSeconds(Succeeded), TraceParent = Trace, TraceState = "congo=t61rcWkgMzE", ReplayOf = "earlier",
        };
        Assert.Equal(last, await store.FindAsync(ids[^1], default));
        Assert.Null(await store.GetRequestAsync(ids[^1], default));
        Assert.Null(await store.FindAsync(ids[299], default));   // the oldest beyond the bound are forgotten
        Assert.Equal(ExecutionStatus.Succeeded, (await store.FindAsync(ids[300], default))!.Status);
        Assert.Equal("unfinished", Assert.Single(await store.GetUnfinishedAsync(10, default)).Record.Id);

        var recent = await store.QueryAsync(new ExecutionQuery { Limit = InMemoryExecutionStore.MaxFinished + 10 }, default);
        Assert.Equal(InMemoryExecutionStore.MaxFinished + 1, recent.Count);
        Assert.Equal(ids[300..].Order(StringComparer.Ordinal).Append("unfinished").Order(StringComparer.Ordinal), recent.Select(r => r.Id).Order(StringComparer.Ordinal));

        // Pruned by when they finished, as every finished one is.
        Assert.Equal(200, await store.PruneAsync(Start.AddSeconds(501), default));
        Assert.Null(await store.FindAsync(ids[499], default));
        Assert.NotNull(await store.FindAsync(ids[500], default));
    }

    [Fact]
    public async Task A_succeeded_execution_written_again_as_something_else_leaves_the_compact_history_and_is_seen_as_written()
    {
        var store = new InMemoryExecutionStore(new FakeTimeProvider(Start));
        var id = Guid.CreateVersion7(Start).ToString("N");
        await store.AddAsync(Record(id, ExecutionStatus.Queued), Request(), default);
        await store.UpdateAsync(Record(id, ExecutionStatus.Succeeded) with { FinishedAt = Start }, default);

        await store.UpdateAsync(Record(id, ExecutionStatus.Running) with { StartedAt = Start }, default);

        Assert.Equal(ExecutionStatus.Running, (await store.FindAsync(id, default))!.Status);
        Assert.Equal(id, Assert.Single(await store.GetUnfinishedAsync(10, default)).Record.Id);
        Assert.Equal(id, Assert.Single(await store.QueryAsync(new ExecutionQuery { Limit = 10 }, default)).Id);

        // An id in another form (upper case) is kept as before, not in the compact history.
        var upper = Guid.CreateVersion7(Start).ToString("N").ToUpperInvariant();
        await store.UpdateAsync(Record(upper, ExecutionStatus.Succeeded) with { FinishedAt = Start }, default);
        Assert.Equal(upper, (await store.FindAsync(upper, default))!.Id);
    }

    private static ExecutionRecord Record(string id, ExecutionStatus status) =>
        new() { Id = id, Route = "/api/job", Kind = "background", Status = status, AcceptedAt = Start };

    private static RequestSnapshot Request() => RequestSnapshot.Synthetic("/api/job", "{}"u8.ToArray());
}
