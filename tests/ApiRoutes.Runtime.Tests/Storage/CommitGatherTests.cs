using ApiRoutes.Storage;
using Microsoft.Extensions.Time.Testing;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>
/// The group commit's gather: after a commit that answered requests, the next batch waits for as many requests to
/// arrive, for a bounded share of that commit's time. On a fake clock: nothing here sleeps.
/// </summary>
public sealed class CommitGatherTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task After_a_commit_that_answered_three_requests_the_next_batch_waits_until_it_holds_three_and_no_longer()
    {
        using var gather = new CommitGather(_time);
        gather.Arrived(answersRequest: true);   // the three of the batch
        gather.Arrived(answersRequest: true);
        gather.Arrived(answersRequest: true);
        gather.Taken(3);
        Released(gather, answered: 3, commit: TimeSpan.FromMilliseconds(2), arrivalsDuringCommit: 1);

        var wait = gather.WaitAsync().AsTask();
        gather.Arrived(answersRequest: false);   // a start or finish: no request waits for it
        gather.Arrived(answersRequest: true);
        Assert.False(wait.IsCompleted);

        gather.Arrived(answersRequest: true);   // with the one that arrived during the commit, three
        await wait.WaitAsync(Timeout);
        Assert.True(gather.WaitAsync().IsCompleted);   // one wait per release
    }

    [Fact]
    public async Task The_wait_lasts_at_most_half_the_commit_and_a_write_after_that_ends_it()
    {
        using var gather = new CommitGather(_time);
        Released(gather, answered: 5, commit: TimeSpan.FromMilliseconds(0.6));

        var wait = gather.WaitAsync().AsTask();
        _time.Advance(TimeSpan.FromMilliseconds(0.25));
        gather.Arrived(answersRequest: false);
        Assert.False(wait.IsCompleted);   // within 0.3 ms of the release

        _time.Advance(TimeSpan.FromMilliseconds(0.05));
        gather.Arrived(answersRequest: false);   // the first write after the window ends the wait at once
        await wait.WaitAsync(Timeout);
    }

    [Fact]
    public async Task Without_arrivals_the_clock_ends_the_wait_within_a_millisecond_also_after_a_long_commit()
    {
        using var gather = new CommitGather(_time);
        Released(gather, answered: 64, commit: TimeSpan.FromMilliseconds(40));

        var wait = gather.WaitAsync().AsTask();
        _time.Advance(TimeSpan.FromMilliseconds(0.999));
        Assert.False(wait.IsCompleted);

        _time.Advance(TimeSpan.FromMilliseconds(0.001));
        await wait.WaitAsync(Timeout);
    }

    [Fact]
    public void A_write_after_a_quiet_spell_or_after_a_commit_that_answered_none_is_taken_at_once()
    {
        using var gather = new CommitGather(_time);
        Released(gather, answered: 3, commit: TimeSpan.FromMilliseconds(2));
        _time.Advance(CommitGather.MaxWindow);
        Assert.True(gather.WaitAsync().IsCompleted);

        Released(gather, answered: 0, commit: TimeSpan.FromMilliseconds(2));
        Assert.True(gather.WaitAsync().IsCompleted);

        Released(gather, answered: 1, commit: TimeSpan.Zero);   // a commit that took no time holds nothing back
        Assert.True(gather.WaitAsync().IsCompleted);
    }

    [Fact]
    public async Task The_writer_closing_ends_a_wait()
    {
        using var gather = new CommitGather(_time);
        Released(gather, answered: 1, commit: TimeSpan.FromMilliseconds(2));
        var wait = gather.WaitAsync().AsTask();
        Assert.False(wait.IsCompleted);

        gather.EndWait();
        await wait.WaitAsync(Timeout);
    }

    [Fact]
    public async Task The_group_commit_puts_a_start_and_the_request_answered_next_into_one_batch()
    {
        var batches = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var writer = new GroupCommitWriter<string>(
            batch =>
            {
                _time.Advance(TimeSpan.FromMilliseconds(2));   // the commit and its flush
                batches.Enqueue(string.Join('+', batch));
                return Task.FromResult<IReadOnlyList<bool>>([.. batch.Select(_ => true)]);
            },
            _ => null,
            (e, kept) => new ExecutionStoreUnavailableException(e.Message, e),
            _time,
            _ => false,
            answersRequest: write => write.StartsWith("request", StringComparison.Ordinal));

        Assert.True(await writer.WriteAsync("request 1").WaitAsync(Timeout));
        var start = writer.WriteAsync("start 1");   // its 202 went out: the worker starts it; the client sends its next
        var next = writer.WriteAsync("request 2");
        Assert.All(await Task.WhenAll(start, next).WaitAsync(Timeout), Assert.True);

        var alone = writer.WriteAsync("finish 1");   // no request comes: the clock ends the wait
        _time.Advance(CommitGather.MaxWindow);
        Assert.True(await alone.WaitAsync(Timeout));
        Assert.Equal(["request 1", "start 1+request 2", "finish 1"], batches);
    }

    // A commit of the given length, the requests that arrived during it, and its release.
    private void Released(CommitGather gather, int answered, TimeSpan commit, int arrivalsDuringCommit = 0)
    {
        gather.Committing();
        _time.Advance(commit);
        for (var i = 0; i < arrivalsDuringCommit; i++)
        {
            gather.Arrived(answersRequest: true);
        }

        gather.Released(answered);
    }
}
