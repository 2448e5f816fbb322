using ApiRoutes.Diagnostics;
using ApiRoutes.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Execution;

/// <summary>
/// The ends (succeeded, failed, timed out) of this process's executions whose write did not land — a full disk, a store
/// away —: their rows stay queued or running in the store. Each stays in the <see cref="ExecutionLog"/> until its end is
/// written (whatever the bounded history lets go meanwhile), so that nothing of this process takes its row up as work
/// left behind and runs it again: start-up recovery's later pages, the take-over of its own rows (review 41d F2). And its
/// end is written again: a second after, then at doubling intervals up to a minute, together, until it lands; and once
/// more as the server stops, after the drain. One still not written when the process ends runs again at the next start,
/// as after a crash. An end the store refuses for its data, even made plain, is only kept, not written again. (The
/// durable stores' group commit keeps a failed change and tries it each second itself, but tells nobody when it lands:
/// a write here supersedes the one it keeps, and its outcome is how this process learns it.)
/// </summary>
internal sealed class UnwrittenEnds(IExecutionStore store, ExecutionLog log, TimeProvider time, ILoggerFactory loggerFactory) : IHostedService
{
    private static readonly TimeSpan FirstInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LastInterval = TimeSpan.FromMinutes(1);

    private readonly ILogger _logger = loggerFactory.CreateLogger(Log.Category);
    private readonly Lock _gate = new();

    // id -> the execution and the record to write (its end, or that end made plain).
    private readonly Dictionary<string, (TrackedExecution Execution, ExecutionRecord Record)> _unwritten = new(StringComparer.Ordinal);
    private ITimer? _timer;
    private DateTimeOffset? _nextTry;
    private TimeSpan _interval = FirstInterval;
    private bool _writing;
    private bool _stopped;
    private Task _round = Task.CompletedTask;

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
    /// A write of <paramref name="end"/> (the execution's latest record, or that made plain as <paramref name="written"/>)
    /// failed with <paramref name="e"/>: kept and written again if it is the execution's end here, and still its latest.
    /// Not if another replica holds the execution now (its outcome stands).
    /// </summary>
    public void NotWritten(TrackedExecution execution, ExecutionRecord end, ExecutionRecord written, Exception e)
    {
        if (e is ExecutionStoreUnavailableException { HeldElsewhere: true })
        {
            return;
        }

        lock (execution)
        {
            if (!ReferenceEquals(execution.Record, end) || execution.State is not (ExecutionState.Succeeded or ExecutionState.Failed or ExecutionState.TimedOut))
            {
                return;
            }

            log.KeepUnwritten(execution);
        }

        if (e is ExecutionStoreUnavailableException { RefusedForData: true })
        {
            return;   // the same write fails again however long one waits
        }

        lock (_gate)
        {
            _unwritten[execution.Id] = (execution, written);
            ArmLocked();
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // After the drain (registered before the workers, stopped after them): once more, then what is left is told.
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

        if (Count is var left and > 0)
        {
            _logger.EndsNeverWritten(left);
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
                (failed, why) = (failed + 1, why ?? e);
                Refused(execution, record, e);
                continue;
            }

            landed++;
            Let(execution, record);
        }

        lock (_gate)
        {
            _writing = false;
            if (landed > 0)
            {
                _interval = FirstInterval;   // the store is back: the next failure is tried again soon
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

    // A write refused not for the store's sake: by another replica, which holds the execution now (its outcome stands),
    // or for its data (written once more made plain, else only kept).
    private void Refused(TrackedExecution execution, ExecutionRecord record, Exception e)
    {
        if (e is ExecutionStoreUnavailableException { HeldElsewhere: true })
        {
            Let(execution, record);
        }
        else if (e is ExecutionStoreUnavailableException { RefusedForData: true })
        {
            var plain = ExecutionLifecycle.Plain(record);
            lock (_gate)
            {
                if (_unwritten.TryGetValue(execution.Id, out var kept) && ReferenceEquals(kept.Record, record))
                {
                    if (plain == record)
                    {
                        _unwritten.Remove(execution.Id);
                    }
                    else
                    {
                        _unwritten[execution.Id] = (execution, plain);
                    }
                }
            }
        }
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
