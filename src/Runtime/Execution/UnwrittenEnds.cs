using ApiRoutes.Diagnostics;
using ApiRoutes.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Execution;

/// <summary>
/// The ends (succeeded, failed, timed out) of this process's executions until their writes land. While an end's write
/// is under way, and after it failed (a full disk, a store away: the row stays queued or running), the execution stays in
/// the <see cref="ExecutionLog"/>, whatever the bounded history lets go meanwhile, so that nothing of this process takes
/// its row up as work left behind and runs it again: start-up recovery's later pages, the take-over of its own rows
/// (review 41d F2; review 42a F2: also while the write is under way). A failed end is written again: a second after, then
/// at doubling intervals up to a minute, together, until it lands; and once more as the server stops, after the drain and
/// the writes still under way then (review 42a F1). One still not written when the process stops is told (2051) and runs
/// again at the next start, as after a crash; so is one the store refuses for its data, even made plain, which is kept
/// but not written again. (The durable stores' group commit keeps a failed change and tries it each second itself, but
/// tells nobody when it lands: a write here supersedes the one it keeps, and its outcome is how this process learns it.)
/// </summary>
internal sealed class UnwrittenEnds(IExecutionStore store, ExecutionLog log, TimeProvider time, ILoggerFactory loggerFactory) : IHostedService
{
    private static readonly TimeSpan FirstInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LastInterval = TimeSpan.FromMinutes(1);

    private readonly ILogger _logger = loggerFactory.CreateLogger(Log.Category);
    private readonly Lock _gate = new();

    // id -> the execution and the record to write (its end, or that end made plain).
    private readonly Dictionary<string, (TrackedExecution Execution, ExecutionRecord Record)> _unwritten = new(StringComparer.Ordinal);

    // Ends the store refused for their data, even made plain: kept, never written again.
    private readonly HashSet<string> _refused = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _inFlight;
    private volatile bool _stopped;
    private ITimer? _timer;
    private DateTimeOffset? _nextTry;
    private TimeSpan _interval = FirstInterval;
    private bool _writing;
    private Task _round = Task.CompletedTask;

    /// <summary>Whether an execution in this state has ended here, and its record is its end.</summary>
    public static bool IsEnd(ExecutionState state) => state is ExecutionState.Succeeded or ExecutionState.Failed or ExecutionState.TimedOut;

    /// <summary>How many ends wait to be written again.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _unwritten.Count;
            }
        }
    }

    /// <summary>When they are written again next; null while a round writes them, or none waits (or after the stop).</summary>
    public DateTimeOffset? NextTry
    {
        get
        {
            lock (_gate)
            {
                return _nextTry;
            }
        }
    }

    /// <summary>
    /// An end's write is under way (the store did not complete it at once): the log keeps the execution until
    /// <see cref="Landed"/> or <see cref="Failed"/>, one of which follows.
    /// </summary>
    public void Writing(TrackedExecution execution)
    {
        Interlocked.Increment(ref _inFlight);
        log.KeepUnwritten(execution);
    }

    /// <summary>The write of an end (or of that end made plain) landed: the log lets the execution go in its turn.</summary>
    public void Landed(TrackedExecution execution)
    {
        try
        {
            log.EndWritten(execution);
        }
        finally
        {
            Done();
        }
    }

    /// <summary>
    /// The write of <paramref name="end"/> (or of it made plain, <paramref name="written"/>) failed with
    /// <paramref name="e"/>: kept and written again while it is the end of the execution the log lists. Not if another
    /// replica holds the execution now (its outcome stands).
    /// </summary>
    public void Failed(TrackedExecution execution, ExecutionRecord end, ExecutionRecord written, Exception e)
    {
        try
        {
            bool ours;
            lock (execution)
            {
                ours = ReferenceEquals(execution.Record, end) && IsEnd(execution.State) && log.IsListed(execution);
            }

            if (!ours || e is ExecutionStoreUnavailableException { HeldElsewhere: true })
            {
                log.EndWritten(execution);   // not this process's to keep
                return;
            }

            lock (_gate)
            {
                if (e is ExecutionStoreUnavailableException { RefusedForData: true })
                {
                    _refused.Add(execution.Id);   // the same write fails again however long one waits
                    return;
                }

                _unwritten[execution.Id] = (execution, written);
                ArmLocked();
            }
        }
        finally
        {
            Done();
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // After the drain (registered before the workers, stopped after them): the writes still under way, once more what
    // failed, then what is left is told.
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Task round;
        lock (_gate)
        {
            _stopped = true;
            _timer?.Dispose();
            (_timer, _nextTry) = (null, null);
            round = _round;
        }

        try
        {
            if (Volatile.Read(ref _inFlight) == 0)
            {
                _drained.TrySetResult();
            }

            await _drained.Task.WaitAsync(cancellationToken);
            await round.WaitAsync(cancellationToken);
            lock (_gate)
            {
                round = _unwritten.Count == 0 ? Task.CompletedTask : StartRoundLocked();
            }

            await round.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's time to stop is over (a store that does not answer): what is left is told.
        }

        int left;
        lock (_gate)
        {
            left = _unwritten.Count + _refused.Count + Volatile.Read(ref _inFlight);
        }

        if (left > 0)
        {
            _logger.EndsNeverWritten(left);
        }
    }

    // One write under way fewer; the stop waits for none to be.
    private void Done()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && _stopped)
        {
            _drained.TrySetResult();
        }
    }

    private void ArmLocked()
    {
        if (_timer is not null || _writing || _stopped)
        {
            return;
        }

        // The callback only hands over to the thread pool: never inside a caller's locks.
        _nextTry = time.GetUtcNow() + _interval;
        _timer = time.CreateTimer(_ => ThreadPool.UnsafeQueueUserWorkItem(static self => self.Fire(), this, preferLocal: false), null, _interval, Timeout.InfiniteTimeSpan);
        _interval = TimeSpan.FromTicks(Math.Min(_interval.Ticks * 2, LastInterval.Ticks));
    }

    private void Fire()
    {
        lock (_gate)
        {
            _timer?.Dispose();
            (_timer, _nextTry) = (null, null);
            if (!_stopped && !_writing)
            {
                StartRoundLocked();
            }
        }
    }

    // Off the caller's lock and thread (a timer's, or the stop's).
    private Task StartRoundLocked()
    {
        _writing = true;
        return _round = Task.Run(WriteAsync);
    }

    // Every end kept, written at once (a group commit takes them together); each that lands is let go.
    private async Task WriteAsync()
    {
        (TrackedExecution Execution, ExecutionRecord Record)[] due;
        lock (_gate)
        {
            due = [.. _unwritten.Values];
        }

        var writes = due.Select(entry => (entry.Execution, entry.Record, Write: store.UpdateAsync(entry.Record, CancellationToken.None))).ToList();
        var (landed, failed, why) = (0, 0, (Exception?)null);
        foreach (var (execution, record, write) in writes)
        {
            try
            {
                await write.ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Whatever the store throws, the end stays kept and is tried again.
            catch (Exception e)
#pragma warning restore CA1031
            {
                if (!Refused(execution, record, e))
                {
                    (failed, why) = (failed + 1, why ?? e);
                }

                continue;
            }

            landed++;
            Let(execution, record);
        }

        lock (_gate)
        {
            _writing = false;
            if (landed > 0 || _unwritten.Count == 0)
            {
                _interval = FirstInterval;   // the store is back, or nothing waits: the next failure is tried again soon
            }

            if (_unwritten.Count > 0)
            {
                ArmLocked();
            }
        }

        if (failed > 0)
        {
            _logger.EndsNotWrittenYet(failed, why!.Message, landed);
        }
        else if (landed > 0)
        {
            _logger.EndsWrittenAtLast(landed);
        }
    }

    // A write refused not for the store's sake, so not written again as it is: true if so. By another replica, which holds
    // the execution now (its outcome stands: let go); for its data (written once more made plain, else kept as refused).
    private bool Refused(TrackedExecution execution, ExecutionRecord record, Exception e)
    {
        if (e is ExecutionStoreUnavailableException { HeldElsewhere: true })
        {
            Let(execution, record);
            return true;
        }

        if (e is not ExecutionStoreUnavailableException { RefusedForData: true })
        {
            return false;
        }

        var plain = ExecutionLifecycle.Plain(record);
        lock (_gate)
        {
            if (_unwritten.TryGetValue(execution.Id, out var kept) && ReferenceEquals(kept.Record, record))
            {
                if (plain == record)
                {
                    _unwritten.Remove(execution.Id);
                    _refused.Add(execution.Id);
                    return true;
                }

                _unwritten[execution.Id] = (execution, plain);
            }
        }

        return false;
    }

    // No longer written again (unless a newer failure put it back), and let go by the log in its turn.
    private void Let(TrackedExecution execution, ExecutionRecord record)
    {
        lock (_gate)
        {
            if (_unwritten.TryGetValue(execution.Id, out var kept) && ReferenceEquals(kept.Record, record))
            {
                _unwritten.Remove(execution.Id);
                log.EndWritten(execution);
            }
        }
    }
}
