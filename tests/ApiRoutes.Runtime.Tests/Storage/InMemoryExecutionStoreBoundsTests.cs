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

    private static ExecutionRecord Record(string id, ExecutionStatus status) =>
        new() { Id = id, Route = "/api/job", Kind = "background", Status = status, AcceptedAt = Start };

    private static RequestSnapshot Request() => RequestSnapshot.Synthetic("/api/job", "{}"u8.ToArray());
}
