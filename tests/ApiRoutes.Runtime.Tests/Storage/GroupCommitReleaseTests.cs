using ApiRoutes.Storage;
using Microsoft.Extensions.Time.Testing;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>
/// How the group commit tells a batch's waiters: off its loop; released together (SQLite), a few work items per batch,
/// each waiter's continuation run inline on one of them (bench/load/README.md, "Durable 202, sixth pass"); by default
/// (PostgreSQL), each continuation a work item of its own.
/// </summary>
public sealed class GroupCommitReleaseTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_waiter_that_blocks_in_its_continuation_holds_up_neither_the_loop_nor_later_batches()
    {
        var committed = new List<string>();
        using var commits = new SemaphoreSlim(0);
        await using var writer = Writer(batch =>
        {
            var done = Commit(committed, batch, _ => true);
            commits.Release();
            return done;
        });
        using var gate = new ManualResetEventSlim();

        // Runs inline where the waiter is told, and blocks there until a later write is durable.
        var blocked = writer.WriteAsync("a").ContinueWith(_ => gate.Wait(Bound), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        Assert.True(await commits.WaitAsync(Bound));   // "b" is a batch of its own

        Assert.True(await writer.WriteAsync("b").WaitAsync(Bound));
        Assert.False(blocked.IsCompleted);
        gate.Set();
        Assert.True(await blocked.WaitAsync(Bound));
        Assert.Equal(["a", "b"], committed);
    }

    [Fact]
    public async Task Every_waiter_of_a_batch_is_told_its_own_outcome()
    {
        var commits = 0;
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var started = new SemaphoreSlim(0);
        await using var writer = Writer(async batch =>
        {
            if (Interlocked.Increment(ref commits) == 1)
            {
                started.Release();
                await first.Task;   // the writes below gather meanwhile: one batch
            }

            return [.. batch.Select(write => write.StartsWith("applied", StringComparison.Ordinal))];
        });

        var holder = writer.WriteAsync("applied holder");
        Assert.True(await started.WaitAsync(Bound));
        var writes = Enumerable.Range(0, 25).Select(i => (Applied: i % 3 != 0, Task: writer.WriteAsync(i % 3 != 0 ? $"applied {i}" : $"refused {i}"))).ToList();
        first.SetResult();

        Assert.True(await holder.WaitAsync(Bound));
        foreach (var (applied, task) in writes)
        {
            Assert.Equal(applied, await task.WaitAsync(Bound));
        }

        Assert.Equal(2, commits);
    }

    [Fact]
    public async Task By_default_a_waiter_that_blocks_in_its_continuation_holds_up_no_other_waiter_of_its_batch()
    {
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var started = new SemaphoreSlim(0);
        var commits = 0;
        await using var writer = Writer(
            async batch =>
            {
                if (Interlocked.Increment(ref commits) == 1)
                {
                    started.Release();
                    await first.Task;   // "a" and "b" gather meanwhile: one batch
                }

                return [.. batch.Select(_ => true)];
            },
            releaseTogether: false);
        using var gate = new ManualResetEventSlim();

        var holder = writer.WriteAsync("holder");
        Assert.True(await started.WaitAsync(Bound));
        var blocked = writer.WriteAsync("a").ContinueWith(_ => gate.Wait(Bound), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        var b = writer.WriteAsync("b");
        first.SetResult();

        Assert.True(await b.WaitAsync(Bound));   // PostgreSQL's: a continuation may run a handler's synchronous start
        Assert.False(blocked.IsCompleted);
        gate.Set();
        Assert.True(await blocked.WaitAsync(Bound));
        Assert.True(await holder.WaitAsync(Bound));
        Assert.Equal(2, commits);
    }

    private static GroupCommitWriter<string> Writer(Func<IReadOnlyList<string>, Task<IReadOnlyList<bool>>> commit, bool releaseTogether = true) =>
        new(commit, _ => null, (e, kept) => new ExecutionStoreUnavailableException(e.Message, e), new FakeTimeProvider(), _ => false, releaseTogether: releaseTogether);

    private static Task<IReadOnlyList<bool>> Commit(List<string> committed, IReadOnlyList<string> batch, Func<string, bool> applied)
    {
        lock (committed)
        {
            committed.AddRange(batch);
        }

        return Task.FromResult<IReadOnlyList<bool>>([.. batch.Select(applied)]);
    }
}
