using System.Collections.Concurrent;
using ApiRoutes.Storage;
using Microsoft.Extensions.Time.Testing;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// The group commit with a sync step (the SQLite store's log flush): the next batch is committed while the last one is
/// made durable, and a waiter is told only after a sync that began after its batch's commit. The syncs are gated by
/// the test, so every interleaving asserted here is forced, not hoped for.
/// </summary>
public sealed class PipelinedGroupCommitTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly ConcurrentQueue<string> _committed = new();
    private readonly ConcurrentQueue<string> _batches = new();
    private readonly List<TaskCompletionSource> _syncs = [.. Enumerable.Range(0, 4).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))];
    private readonly SemaphoreSlim _syncStarted = new(0);
    private int _syncCount;

    [Fact]
    public async Task The_next_batch_is_committed_during_a_sync_and_each_waiter_is_told_only_after_a_sync_that_began_after_its_commit()
    {
        await using var writer = Create();

        var first = writer.WriteAsync("a");
        Assert.True(await _syncStarted.WaitAsync(Patience));             // sync 1 began after "a" was committed
        var second = writer.WriteAsync("b");
        await WaitUntilAsync(() => _committed.Contains("b"));             // committed while sync 1 runs
        Assert.False(first.IsCompleted);

        _syncs[0].SetResult();
        Assert.True(await first.WaitAsync(Patience));
        Assert.True(await _syncStarted.WaitAsync(Patience));             // sync 2, for "b": sync 1 began before "b" was committed
        Assert.False(second.IsCompleted);

        _syncs[1].SetResult();
        Assert.True(await second.WaitAsync(Patience));
        Assert.Equal(["a", "b"], _committed);
    }

    [Fact]
    public async Task At_most_two_batches_wait_to_be_durable_and_what_comes_meanwhile_gathers_into_the_next()
    {
        await using var writer = Create();

        var a = writer.WriteAsync("a");
        Assert.True(await _syncStarted.WaitAsync(Patience));             // sync 1: "a"
        var b = writer.WriteAsync("b");
        await WaitUntilAsync(() => _committed.Contains("b"));             // the second batch, committed during sync 1
        var c = writer.WriteAsync("c");
        var d = writer.WriteAsync("d");                                   // both wait: two batches are not yet durable

        _syncs[0].SetResult();
        Assert.True(await a.WaitAsync(Patience));
        await WaitUntilAsync(() => _committed.Contains("d"));             // a place came free: c and d, as one batch
        _syncs[1].SetResult();                                            // the syncs of "b" and "c+d" (one or two)
        _syncs[2].SetResult();

        var told = await Task.WhenAll(b, c, d).WaitAsync(Patience);
        Assert.All(told, Assert.True);
        Assert.Equal(["a", "b", "c+d"], _batches);
    }

    [Fact]
    public async Task A_failed_sync_fails_the_batches_it_covered_and_the_next_ones_are_told_as_usual()
    {
        var writer = Create();

        var lost = writer.WriteAsync("a");
        Assert.True(await _syncStarted.WaitAsync(Patience));
        _syncs[0].SetException(new IOException("fsync failed"));
        var error = await Assert.ThrowsAsync<ExecutionStoreUnavailableException>(() => lost.WaitAsync(Patience));
        Assert.Equal("fsync failed (kept: False)", error.Message);

        var next = writer.WriteAsync("b");
        Assert.True(await _syncStarted.WaitAsync(Patience));
        _syncs[1].SetResult();
        Assert.True(await next.WaitAsync(Patience));

        // Closing waits for the last batch's sync: nothing is left waiting.
        var last = writer.WriteAsync("c");
        Assert.True(await _syncStarted.WaitAsync(Patience));
        _syncs[2].SetResult();
        await writer.DisposeAsync().AsTask().WaitAsync(Patience);
        Assert.True(last.IsCompletedSuccessfully);
        Assert.Equal(["a", "b", "c"], _committed);
    }

    private GroupCommitWriter<string> Create() => new(
        batch =>
        {
            foreach (var write in batch)
            {
                _committed.Enqueue(write);
            }

            _batches.Enqueue(string.Join('+', batch));

            return Task.FromResult<IReadOnlyList<bool>>([.. batch.Select(_ => true)]);
        },
        _ => null,
        (e, kept) => new ExecutionStoreUnavailableException($"{e.Message} (kept: {kept})", e),
        new FakeTimeProvider(),
        _ => false,
        () =>
        {
            var sync = _syncs[Interlocked.Increment(ref _syncCount) - 1];
            _syncStarted.Release();
            return sync.Task;
        });

    // Bounded: at most the patience, in steps of 10 ms.
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var waited = TimeSpan.Zero; !condition(); waited += TimeSpan.FromMilliseconds(10))
        {
            Assert.True(waited < Patience, "the condition never held");
            await Task.Delay(10);
        }
    }
}
