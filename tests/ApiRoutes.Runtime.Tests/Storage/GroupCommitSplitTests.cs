using System.Collections.Concurrent;
using ApiRoutes.Storage;
using Microsoft.Extensions.Time.Testing;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>
/// A batch split for a data error is written one write at a time; when the store fails during the split (review 5,
/// finding 4), the rest fails with it and is kept in order, so that an earlier change of an execution that is kept never
/// lands over a later one, and a kept write that fails for its data later is reported as dropped (the store logs 2040).
/// </summary>
public sealed class GroupCommitSplitTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_change_kept_during_a_split_never_overwrites_a_later_change_of_the_same_execution()
    {
        var split = await SplitWithAStoreFailureAsync();

        Assert.Equal("succeeded", split.Stored["a"]);   // not "running", written after "succeeded"
        Assert.NotNull(split.FailingAfterSplit);         // the store failed mid-split: the writes are failing ...
        Assert.Null(split.FailingAtEnd);                 // ... until a later batch lands
    }

    [Fact]
    public async Task A_kept_write_that_fails_for_its_data_later_is_reported_as_dropped()
    {
        var split = await SplitWithAStoreFailureAsync();

        Assert.Equal(["b:poison"], split.Dropped);
        Assert.False(split.Stored.ContainsKey("b"));
    }

    // One batch: a starts, b's write cannot be stored, a succeeds (a fast handler); the store fails for a moment on the
    // first write alone. Then one more write, with which whatever was kept rides.
    private static async Task<Split> SplitWithAStoreFailureAsync()
    {
        var stored = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);   // id -> state, as the store holds it
        var dropped = new ConcurrentQueue<string>();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var storeDownOnce = true;
        await using var writer = new GroupCommitWriter<string>(
            async batch =>
            {
                started.TrySetResult();
                await gate.Task;   // the first batch waits, so that the next writes gather into one
                if (batch.Contains("b:poison"))
                {
                    throw new FormatException("the text cannot be stored");
                }

                if (batch is ["a:running"] && storeDownOnce)
                {
                    storeDownOnce = false;
                    throw new IOException("the connection was reset");   // the store, for a moment
                }

                foreach (var write in batch)
                {
                    var parts = write.Split(':');
                    stored[parts[0]] = parts[1];
                }

                return [.. batch.Select(_ => true)];
            },
            write => write.Split(':')[0],   // id:state; a change of state is kept after a failure of the store
            (e, kept) => new ExecutionStoreUnavailableException(kept ? "kept" : "lost", e),
            new FakeTimeProvider(),
            e => e is FormatException,
            (write, _) => dropped.Enqueue(write));

        var first = writer.WriteAsync("first:running");
        await started.Task.WaitAsync(Patience);
        var together = new[] { "a:running", "b:poison", "a:succeeded" }.Select(writer.WriteAsync).ToArray();
        gate.SetResult();
        await first.WaitAsync(Patience);
        await Task.WhenAll(together.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default))).WaitAsync(Patience);
        var failingAfterSplit = writer.Health.Failing();

        Assert.True(await writer.WriteAsync("c:running").WaitAsync(Patience));
        return new Split(stored, [.. dropped], failingAfterSplit, writer.Health.Failing());
    }

    private sealed record Split(IReadOnlyDictionary<string, string> Stored, string[] Dropped, string? FailingAfterSplit, string? FailingAtEnd);
}
