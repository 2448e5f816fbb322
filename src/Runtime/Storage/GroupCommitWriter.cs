using System.Threading.Channels;

namespace ApiRoutes.Storage;

/// <summary>
/// The group commit both durable stores write through: whatever arrived while the last transaction ran goes into the
/// next, so thousands of writes a second cost tens of commits. The loop survives any exception: a batch that fails
/// fails its waiters (never leaves one waiting) and the loop goes on. Changes of state that the caller cannot repeat
/// (those with a retry key) are kept, the latest per key, and written with the next batch or within a
/// second, so an execution that finished while the store was away is not left "running" in it.
/// A commit is durable when it returns (SQLite: <c>synchronous = FULL</c>, the log flushed inside it), and the next
/// batch is what arrived meanwhile. Not pipelined (a commit written while the last one's flush ran): such a batch
/// misses the flush that starts next, so each write waited out two or three flushes instead of one or two, and where
/// the flush is the slow part that is most of a request's time (bench/load/README.md, "Durable 202, fourth pass").
/// A batch that fails because of one of its writes (the data, not the store: a text the database refuses, a
/// constraint) is written again one write at a time, so that only that write fails, and it is never kept: a write that
/// can never succeed must not ride in every later batch and fail them all. Once the store itself fails during those
/// single writes, the rest of the batch fails (and is kept) as a whole: a later change of an execution must never land
/// while an earlier one is kept, to be written over it with the next batch.
/// Waiters are told off the loop, each continuation a work item of its own; or, where the store says its waiters'
/// continuations are short (SQLite: a 202, a claimed occurrence queued), a committed batch in a work item per 32
/// waiters (at most one per CPU), the continuations run one after another there, so that a batch of 25 is one
/// hand-off, not 25 (bench/load/README.md, "Durable 202, sixth pass"). Not where a continuation may run a handler
/// (PostgreSQL's coordinated start): the handler's synchronous start would hold up the 202s told after it.
/// </summary>
/// <typeparam name="TWrite">One store's write.</typeparam>
internal sealed class GroupCommitWriter<TWrite> : IAsyncDisposable
    where TWrite : notnull
{
    public const int MaxBatch = 1000;

    /// <summary>How many waiters one work item tells, at most, when there are more CPUs than items.</summary>
    private const int WaitersPerRelease = 32;

    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private static readonly object Applied = true;
    private static readonly object NotApplied = false;

    private readonly Channel<Pending> _writes = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<IReadOnlyList<TWrite>, Task<IReadOnlyList<bool>>> _commit;
    private readonly Func<TWrite, string?> _retryKey;
    private readonly Func<Exception, bool, ExecutionStoreUnavailableException> _unavailable;
    private readonly TimeProvider _time;
    private readonly Func<Exception, bool> _isDataError;
    private readonly Action<TWrite, Exception>? _dropped;
    private readonly bool _releaseTogether;
    private readonly Task _loop;
    private volatile bool _closing;
    private readonly List<Pending> _told = [];   // told, to be released off the loop (the commit loop's alone)
    private long _batches;   // numbers the batches in commit order (the commit loop's alone)
    private Exception? _storeFailure;   // the latest failure of the store itself (the commit loop's alone)

    /// <param name="commit">Writes a batch in one transaction; returns, per write, whether it applied.</param>
    /// <param name="retryKey">The key under which a failed write is kept and retried; null: not kept (its caller is told).</param>
    /// <param name="unavailable">What waiters get when a batch fails, from the cause and whether the write is kept.</param>
    /// <param name="time">The clock of the retry delay.</param>
    /// <param name="isDataError">Whether a failure is due to the data of a write rather than to the store.</param>
    /// <param name="dropped">
    /// Told of a kept write that is dropped after all (it failed for its data, or the writer closed): its caller was told
    /// it is kept, and cannot be told any more, so the store logs it.
    /// </param>
    /// <param name="releaseTogether">
    /// Whether the waiters' continuations are short enough to run one after another on a few work items per batch;
    /// otherwise each runs as a work item of its own.
    /// </param>
    public GroupCommitWriter(
        Func<IReadOnlyList<TWrite>, Task<IReadOnlyList<bool>>> commit,
        Func<TWrite, string?> retryKey,
        Func<Exception, bool, ExecutionStoreUnavailableException> unavailable,
        TimeProvider time,
        Func<Exception, bool> isDataError,
        Action<TWrite, Exception>? dropped = null,
        bool releaseTogether = false)
    {
        _commit = commit;
        _retryKey = retryKey;
        _unavailable = unavailable;
        _time = time;
        _isDataError = isDataError;
        _dropped = dropped;
        _releaseTogether = releaseTogether;
        Health = new WriteHealth(time);
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Whether the writes are failing for the store's sake, as the latest batch found.</summary>
    public WriteHealth Health { get; }

    /// <summary>Completes once the write is durable: true when it applied; throws <see cref="ExecutionStoreUnavailableException"/>.</summary>
    public Task<bool> WriteAsync(TWrite write)
    {
        var pending = new Pending(write, _releaseTogether ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously);
        return _writes.Writer.TryWrite(pending)
            ? pending.Task
            : Task.FromException<bool>(new ExecutionStoreUnavailableException("The execution store is closed."));
    }

    /// <summary>Writes what was queued (one last try for what is kept), then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _closing = true;
        _writes.Writer.TryComplete();
        await _loop;
    }

    private async Task LoopAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        var kept = new Dictionary<string, Pending>(StringComparer.Ordinal);
        while (await WaitAsync(kept.Count > 0))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _writes.Reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }

            foreach (var pending in batch)
            {
                if (_retryKey(pending.Write) is { } key)
                {
                    kept.Remove(key);   // superseded by a newer change
                }
            }

            batch.InsertRange(0, kept.Values);
            kept.Clear();
            if (batch.Count == 0)
            {
                continue;
            }

            if (await TryCommitAsync(batch, kept) is Outcome.Split)
            {
                // One of its writes failed the batch: each is written alone, so that only that one fails. Once the store
                // fails, the rest fails with it, in order (the latest change per key kept), and none is tried alone.
                for (var i = 0; i < batch.Count; i++)
                {
                    if (await TryCommitAsync([batch[i]], kept) is Outcome.StoreFailed)
                    {
                        Fail(batch[(i + 1)..], _storeFailure!, dataError: false, kept);
                        ReleaseTold();
                        break;
                    }
                }
            }
        }
    }

    // Commits a batch. A failure tells every waiter and keeps what may be
    // retried (StoreFailed, the cause in _storeFailure), unless the data of a write caused it: then a batch of several
    // is left to the caller to split (Split), and a single write fails alone and is not kept.
    private async Task<Outcome> TryCommitAsync(List<Pending> batch, Dictionary<string, Pending> kept)
    {
        try
        {
            return await CommitOnceAsync(batch, kept);
        }
        finally
        {
            ReleaseTold();
        }
    }

    private async Task<Outcome> CommitOnceAsync(List<Pending> batch, Dictionary<string, Pending> kept)
    {
        var number = _batches++;
        try
        {
            var applied = await _commit([.. batch.Select(pending => pending.Write)]);
            Tell(batch, applied);
            Health.Succeeded(number);
        }
#pragma warning disable CA1031 // The loop must outlive any failure: every waiter is told, and the loop goes on.
        catch (Exception e)
#pragma warning restore CA1031
        {
            var dataError = _isDataError(e);
            if (dataError && batch.Count > 1)
            {
                return Outcome.Split;
            }

            if (!dataError)
            {
                Health.Failed(number, e);
                _storeFailure = e;
            }

            Fail(batch, e, dataError, kept);
            return dataError ? Outcome.Done : Outcome.StoreFailed;
        }

        return Outcome.Done;
    }

    // Tells the waiters of writes that failed, and keeps, in order, those that may be retried (the latest per key).
    private void Fail(List<Pending> failed, Exception e, bool dataError, Dictionary<string, Pending> kept)
    {
        foreach (var pending in failed)
        {
            var key = _closing || dataError ? null : _retryKey(pending.Write);
            if (key is not null)
            {
                kept[key] = pending;
            }

            var failure = _unavailable(e, key is not null);
            failure.RefusedForData = dataError;

            // Told already: it was kept after an earlier failure, and its caller believes it will be written.
            if (!Told(pending, failure) && key is null)
            {
                _dropped?.Invoke(pending.Write, e);
            }
        }
    }

    private void Tell(List<Pending> batch, IReadOnlyList<bool> applied)
    {
        for (var i = 0; i < batch.Count; i++)
        {
            Told(batch[i], i < applied.Count && applied[i] ? Applied : NotApplied);
        }
    }

    // Settles a waiter's outcome, released with the others by ReleaseTold; false when it was settled before.
    private bool Told(Pending pending, object outcome)
    {
        if (pending.Outcome is not null)
        {
            return false;
        }

        pending.Outcome = outcome;
        _told.Add(pending);
        return true;
    }

    // Hands what was told to the thread pool. Together: a work item per WaitersPerRelease waiters and at most one per
    // CPU, never on the loop, which goes on to the next batch (a continuation that runs long or blocks delays the waiters
    // of its own item only); one item for the ~25 waiters of a batch at 64 connections did better than one per CPU
    // (sixth pass). Otherwise each waiter's continuation is queued by its task (RunContinuationsAsynchronously).
    private void ReleaseTold()
    {
        var count = _told.Count;
        if (count == 0)
        {
            return;
        }

        if (!_releaseTogether)
        {
            Release(_told);
            _told.Clear();
            return;
        }

        var items = Math.Min(Environment.ProcessorCount, 1 + ((count - 1) / WaitersPerRelease));
        for (int item = 0, start = 0; item < items; item++)
        {
            var end = start + ((count - start) / (items - item));
            ThreadPool.UnsafeQueueUserWorkItem(static told => Release(told), _told[start..end], preferLocal: false);
            start = end;
        }

        _told.Clear();
    }

    private static void Release(List<Pending> told)
    {
        foreach (var pending in told)
        {
            _ = pending.Outcome is Exception failure ? pending.TrySetException(failure) : pending.TrySetResult((bool)pending.Outcome!);
        }
    }

    // Waits for writes; with kept ones, at most a second. False once closed and drained.
    private async Task<bool> WaitAsync(bool retrySoon)
    {
        if (!retrySoon)
        {
            return await _writes.Reader.WaitToReadAsync();
        }

        using var soon = new CancellationTokenSource(RetryDelay, _time);
        try
        {
            // Closed: one last try for what is kept, then the loop ends (nothing is kept after a failure then).
            await _writes.Reader.WaitToReadAsync(soon.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    private enum Outcome
    {
        Done,
        Split,
        StoreFailed,
    }

    // Completed by ReleaseTold only: on a release work item, where its continuations run inline, or (options) each
    // continuation queued on its own. The waiter's task source itself: one object less per write.
    private sealed class Pending(TWrite write, TaskCreationOptions options) : TaskCompletionSource<bool>(options)
    {
        public TWrite Write { get; } = write;

        /// <summary>What the waiter is told, once settled (the commit loop's alone): the bool, or the exception.</summary>
        public object? Outcome { get; set; }
    }
}
