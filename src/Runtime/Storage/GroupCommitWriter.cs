namespace ApiRoutes.Storage;

/// <summary>
/// The group commit both durable stores write through: whatever arrived while the last transaction ran goes into the
/// next, so thousands of writes a second cost tens of commits. The loop survives any exception: a batch that fails
/// fails its waiters (never leaves one waiting) and the loop goes on. Changes of state that the caller cannot repeat
/// (those with a retry key) are kept, the latest per key, and written with the next batch or within a
/// second, so an execution that finished while the store was away is not left "running" in it.
/// With a <c>sync</c> step the commit is pipelined: a batch is committed (written, not yet durable), the next one is
/// written while a second loop makes everything written so far durable at once (one fsync for one or more batches),
/// and only then are the waiters of those batches told, in the order they were committed.
/// A batch that fails because of one of its writes (the data, not the store: a text the database refuses, a
/// constraint) is written again one write at a time, so that only that write fails, and it is never kept: a write that
/// can never succeed must not ride in every later batch and fail them all.
/// The commit and the sync loops run on threads of their own and wait on their own locks: a commit and a sync block
/// their thread (SQLite's are synchronous), and on thread-pool threads every batch cost hand-offs through the pool
/// and blocked pool threads that the pool then made up for (<see cref="GroupCommitLoops{TItem, TCommitted}"/>).
/// </summary>
/// <typeparam name="TWrite">One store's write.</typeparam>
internal sealed class GroupCommitWriter<TWrite> : IAsyncDisposable
    where TWrite : notnull
{
    public const int MaxBatch = 1000;

    // Pipelined: at most two batches committed and not yet durable, one in the sync that runs and one waiting for the
    // next. The commit loop then waits, and writes gather into a batch meanwhile, as they do during a sync of its own
    // without a pipeline: a commit of a few rows costs the log whole pages, so batches must not shrink to single rows.
    private const int MaxUndurable = 2;

    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly Func<IReadOnlyList<TWrite>, Task<IReadOnlyList<bool>>> _commit;
    private readonly Func<TWrite, string?> _retryKey;
    private readonly Func<Exception, bool, ExecutionStoreUnavailableException> _unavailable;
    private readonly TimeProvider _time;
    private readonly Func<Task>? _sync;
    private readonly Func<Exception, bool> _isDataError;
    private readonly GroupCommitLoops<Pending, Committed> _loops;
    private volatile bool _closing;

    /// <param name="commit">Writes a batch in one transaction; returns, per write, whether it applied.</param>
    /// <param name="retryKey">The key under which a failed write is kept and retried; null: not kept (its caller is told).</param>
    /// <param name="unavailable">What waiters get when a batch fails, from the cause and whether the write is kept.</param>
    /// <param name="time">The clock of the retry delay.</param>
    /// <param name="isDataError">Whether a failure is due to the data of a write rather than to the store.</param>
    /// <param name="sync">
    /// Null: a commit is durable when it returns. Else: makes every batch committed so far durable; it runs beside the
    /// next commit, and the waiters of a batch are told only once a sync that began after its commit has returned.
    /// </param>
    public GroupCommitWriter(
        Func<IReadOnlyList<TWrite>, Task<IReadOnlyList<bool>>> commit,
        Func<TWrite, string?> retryKey,
        Func<Exception, bool, ExecutionStoreUnavailableException> unavailable,
        TimeProvider time,
        Func<Exception, bool> isDataError,
        Func<Task>? sync = null)
    {
        _commit = commit;
        _retryKey = retryKey;
        _unavailable = unavailable;
        _time = time;
        _isDataError = isDataError;
        _sync = sync;
        _loops = new GroupCommitLoops<Pending, Committed>(CommitLoop, sync is null ? null : SyncLoop, sync is null ? int.MaxValue : MaxUndurable);
        _loops.Start();
    }

    /// <summary>Completes once the write is durable: true when it applied; throws <see cref="ExecutionStoreUnavailableException"/>.</summary>
    public Task<bool> WriteAsync(TWrite write)
    {
        var pending = new Pending(write);
        return _loops.TryAdd(pending)
            ? pending.Done.Task
            : Task.FromException<bool>(new ExecutionStoreUnavailableException("The execution store is closed."));
    }

    /// <summary>Writes what was queued (one last try for what is kept), then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _closing = true;
        await _loops.StopAsync();
    }

    private void CommitLoop()
    {
        var batch = new List<Pending>(MaxBatch);
        var kept = new Dictionary<string, Pending>(StringComparer.Ordinal);
        while (true)
        {
            batch.Clear();
            if (!_loops.TakeBatch(batch, MaxBatch, kept.Count > 0 ? WaitForRetry : null))
            {
                return;   // closed, and nothing is kept that was not tried once more since
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
                _loops.GiveBack(1);
                continue;
            }

            if (!TryCommit(batch, kept))
            {
                // One of its writes failed the batch: each is written alone, so that only that one fails.
                foreach (var pending in batch)
                {
                    _loops.TakePlace();
                    TryCommit([pending], kept);
                }
            }
        }
    }

    // With kept writes, the commit loop waits for new ones at most a second (on the injected clock).
    private ITimer WaitForRetry(Action due) => _time.CreateTimer(_ => due(), null, RetryDelay, Timeout.InfiniteTimeSpan);

    // Commits a batch, its place among the undurable ones taken. A failure tells every waiter and keeps what may be
    // retried, unless the data of a write caused it: then a batch of several is left to the caller to split (false),
    // and a single write fails alone and is not kept.
    private bool TryCommit(List<Pending> batch, Dictionary<string, Pending> kept)
    {
        try
        {
            var applied = _commit([.. batch.Select(pending => pending.Write)]).GetAwaiter().GetResult();
            if (_sync is not null)
            {
                _loops.Committed(new Committed([.. batch], applied));   // told once durable
            }
            else
            {
                Tell(batch, applied);
            }
        }
#pragma warning disable CA1031 // The loop must outlive any failure: every waiter is told, and the loop goes on.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _loops.GiveBack(1);
            var dataError = _isDataError(e);
            if (dataError && batch.Count > 1)
            {
                return false;
            }

            foreach (var pending in batch)
            {
                var key = _closing || dataError ? null : _retryKey(pending.Write);
                if (key is not null)
                {
                    kept[key] = pending;
                }

                pending.Done.TrySetException(_unavailable(e, key is not null));
            }
        }

        return true;
    }

    // Makes what was committed durable, as many batches at once as were committed meanwhile, and tells their waiters.
    // A failed sync fails its batches' waiters (their rows may or may not survive a crash); none is kept for a retry,
    // since whether the store can still make anything durable is unknown.
    private void SyncLoop()
    {
        var ready = new List<Committed>();
        while (_loops.TakeCommitted(ready))
        {
            try
            {
                _sync!().GetAwaiter().GetResult();
                foreach (var committed in ready)
                {
                    Tell(committed.Batch, committed.Applied);
                }
            }
#pragma warning disable CA1031 // As the commit loop: every waiter is told, and the loop goes on.
            catch (Exception e)
#pragma warning restore CA1031
            {
                foreach (var pending in ready.SelectMany(committed => committed.Batch))
                {
                    pending.Done.TrySetException(_unavailable(e, false));
                }
            }

            _loops.GiveBack(ready.Count);
            ready.Clear();
        }
    }

    private static void Tell(IReadOnlyList<Pending> batch, IReadOnlyList<bool> applied)
    {
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Done.TrySetResult(i < applied.Count && applied[i]);
        }
    }

    private sealed record Committed(Pending[] Batch, IReadOnlyList<bool> Applied);

    private sealed class Pending(TWrite write)
    {
        public TWrite Write { get; } = write;

        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
