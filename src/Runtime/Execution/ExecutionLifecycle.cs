using ApiRoutes.Background;
using ApiRoutes.Diagnostics;
using ApiRoutes.Manifest;
using ApiRoutes.ManifestLoading;
using ApiRoutes.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ApiRoutes.Execution;

/// <summary>
/// The one owner of an execution's life — accepted, queued, running, retry-waiting, succeeded, failed, timed out,
/// cut — for background, scheduled, on-demand and externally triggered runs alike. It is the only code that changes
/// an execution's state: every change is checked against <see cref="ExecutionTransitions"/>, listed in the read side
/// (<see cref="ExecutionLog"/>) and written to the store. Everything else asks it: the endpoints to accept, the
/// workers and the scheduler to start and finish, the retry timers to queue again, recovery and take-over to resume,
/// the drain to cut (<c>ExecutionLifecycle.Recovery.cs</c>, <c>ExecutionLifecycle.Shutdown.cs</c>).
/// </summary>
internal sealed partial class ExecutionLifecycle
{
    private readonly ExecutionLog _log;
    private readonly IExecutionStore _store;
    private readonly BackgroundQueue _queue;
    private readonly RetryService _retries;
    private readonly UnwrittenEnds _unwrittenEnds;
    private readonly RouteTable _routes;
    private readonly ApiRoutesMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly IOptions<ApiRoutesOptions> _options;
    private readonly IReplicaCoordination? _coordination;
    private readonly ILogger _logger;

    public ExecutionLifecycle(
        ExecutionLog log,
        IExecutionStore store,
        BackgroundQueue queue,
        RetryService retries,
        UnwrittenEnds unwrittenEnds,
        RouteTable routes,
        ApiRoutesMetrics metrics,
        TimeProvider time,
        IOptions<ApiRoutesOptions> options,
        ILoggerFactory loggerFactory,
        IReplicaCoordination? coordination = null)
    {
        (_log, _store, _queue, _retries, _unwrittenEnds, _routes, _metrics, _time, _options, _coordination) = (log, store, queue, retries, unwrittenEnds, routes, metrics, time, options, coordination);
        _durable = _store.IsDurable;
        _logger = loggerFactory.CreateLogger(Log.Category);
    }

    /// <summary>The routes whose executions this process can run, as replica claims name them (<see cref="IReplicaCoordination.RouteKey"/>).</summary>
    public IReadOnlyCollection<string> ServedRoutes => field ??= [.. _routes.Routes.Select(route => IReplicaCoordination.RouteKey(route.Kind.Name(), route.Template))];

    /// <summary>The attempts an execution of a route of this kind may have: background ones are retried, scheduled runs never.</summary>
    public int MaxAttempts(RouteKind kind) => kind == RouteKind.Background ? _options.Value.Background.RetryDelays.Count + 1 : 1;

    /// <summary>
    /// Starts an attempt. With replica coordination the start is durable first, and false means another replica holds
    /// the execution now (it took it over): it must not run here, and is released. A start that cannot be recorded is
    /// not run either, since another replica may hold the execution (<c>ExecutionLifecycle.Fencing.cs</c>). False also
    /// once shutdown cut it; <paramref name="cut"/> ends a wait to try the start again.
    /// </summary>
    public async Task<bool> TryStartAsync(TrackedExecution execution, CancellationToken cut = default)
    {
        if (_coordination is null)
        {
            var running = execution.Record with { Status = ExecutionStatus.Running, StartedAt = _time.GetUtcNow(), FinishedAt = null, RetryAt = null };
            if (!_durable)
            {
                return Started(execution, Transition(execution, ExecutionState.Running, running));
            }

            // The attempt is on disk before its handler runs (review 16b F2): else a handler that takes the process down at
            // once (killed for its memory, a stack overflow on a poison body) left its row queued at the same attempt, and
            // ran again at every start, never reaching its last attempt. A start the store cannot write is logged and run
            // as before: the write is kept, and lands when the store is back.
            Task written;
            lock (execution)
            {
                if (!Transition(execution, ExecutionState.Running, running, write: false))
                {
                    return false;
                }

                written = Write(execution, running);
            }

            // Never on the write's release, where the 202s of the same commit wait behind whatever runs inline.
            await written.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ForceYielding);
            if (cut.IsCancellationRequested)
            {
                // The drain period ended while the start was written: not run now, in the stop (review 16d F2).
                Cut(execution, NeverRan(execution, "its start was being written when the drain period ended"));
                return false;
            }

            lock (execution)
            {
                if (execution.State != ExecutionState.Running)
                {
                    return false;
                }
            }

            return Started(execution, true);
        }

        for (var @try = 1; ; @try++)
        {
            var running = execution.Record with { Status = ExecutionStatus.Running, StartedAt = _time.GetUtcNow(), FinishedAt = null, RetryAt = null };
            Task<bool> start;
            lock (execution)
            {
                if (!Allowed(execution, ExecutionState.Running))
                {
                    return false;
                }

                start = _coordination.TryStartAsync(running, CancellationToken.None);   // in the writer's queue now: before any later change
            }

            try
            {
                if (await start)
                {
                    return Started(execution, Transition(execution, ExecutionState.Running, running, write: false));
                }

                if (Transition(execution, ExecutionState.Released, execution.Record, write: false))
                {
                    _log.Forget(execution);
                }

                // Said once it is so: whoever reads the line finds the execution gone from this replica's log.
                _logger.ExecutionHeldElsewhere(execution.Id, execution.Record.Route);
                return false;
            }
            catch (ExecutionStoreUnavailableException e) when (e.RefusedForData)
            {
                StartRefused(execution, e);   // the same start would be refused again: not tried again, not requeued
                return false;
            }
            catch (ExecutionStoreUnavailableException e)
            {
                if (!await StartAgainAsync(execution, @try, e, cut))
                {
                    return false;
                }
            }
        }
    }

    /// <summary>Ends an attempt: succeeded, timed out, failed (then retried after its delay while attempts are left), or cut.</summary>
    public void Finish(TrackedExecution execution, AttemptResult result, TimeSpan limit)
    {
        if (result.Fenced)
        {
            Fenced(execution, result.HandlerReturned);
            return;
        }

        if (result.Cut)
        {
            Cut(execution, "running when the drain period ended");
            return;
        }

        // Decided, logged and recorded under the execution's lock, as one step: the cut at the end of the drain period
        // (which takes the same lock) comes before it or after it, never between a success logged and its record.
        lock (execution)
        {
            End(execution, result, limit);
        }
    }

    private void End(TrackedExecution execution, AttemptResult result, TimeSpan limit)
    {
        if (execution.State == ExecutionState.Cut)
        {
            // The drain cut it while its handler ran on, and the handler returned before this attempt's end was seen.
            ReturnedAfterCut(execution, result.Status == ExecutionStatus.Succeeded);
            return;
        }

        var (route, record, finished) = (execution.Route!, execution.Record, _time.GetUtcNow());
        var error = result switch
        {
            { Status: ExecutionStatus.TimedOut } => $"Timed out after {limit}: RequestAborted was cancelled.",
            { Exception: { } e } => ExecutionRunner.Bounded(e.ToString()),
            _ => null,
        };
        _metrics.ExecutionFinished(route.Template, route.Kind, result.Status, finished - record.StartedAt!.Value);
        switch (result.Status)
        {
            case ExecutionStatus.Succeeded:
                _logger.ExecutionSucceeded(record.Id, route.Template, (long)(finished - record.StartedAt!.Value).TotalMilliseconds);
                break;
            case ExecutionStatus.TimedOut:
                _logger.ExecutionTimedOut(record.Id, route.Template, limit);
                break;
            default:
                _logger.ExecutionFailed(record.Id, route.Template, record.Attempt, result.Exception!);
                break;
        }

        var delays = _options.Value.Background.RetryDelays;
        // Retried only while a delay is left for this attempt: delays are indexed within their range alone.
        if (result.Status != ExecutionStatus.Failed || route.Kind != RouteKind.Background || record.Attempt < 1 || record.Attempt > delays.Count)
        {
            Transition(execution, StateOf(result.Status), record with { Status = result.Status, FinishedAt = finished, Error = error });
            return;
        }

        var delay = delays[record.Attempt - 1];
        WaitForRetry(execution, record with
        {
            Status = ExecutionStatus.Queued, Attempt = record.Attempt + 1, StartedAt = null, Error = error, RetryAt = finished + delay,
            EarlierAttempts = record.WithCurrentFailed(finished, error),
        }, delays.Count + 1, delay, write: true);
    }

    /// <summary>
    /// A worker failed while it handled the execution (a bug: an exception out of starting, running or finishing it):
    /// logged, and recorded as failed unless it ended already, so the worker goes on and the execution does not stay
    /// queued or running. Never throws.
    /// </summary>
    public void FailInternal(TrackedExecution execution, Exception exception)
    {
        _logger.WorkerFailed(execution.Id, execution.Record.Route, exception);
        try
        {
            lock (execution)
            {
                if (execution.State is ExecutionState.Queued or ExecutionState.Running)
                {
                    var error = ExecutionRunner.Bounded("internal error: " + exception);
                    Transition(execution, ExecutionState.Failed, execution.Record with { Status = ExecutionStatus.Failed, FinishedAt = _time.GetUtcNow(), Error = error });
                }
            }
        }
#pragma warning disable CA1031 // The worker must go on whatever recording the failure meets (the store's own failure is logged by it).
        catch (Exception again)
#pragma warning restore CA1031
        {
            _logger.WorkerFailed(execution.Id, execution.Record.Route, again);
        }
    }

    /// <summary>A retry's delay is over (<see cref="RetryService"/>): it is queued again, never refused for capacity.</summary>
    public void RetryDue(TrackedExecution execution)
    {
        // Its attempt before may still be ending (its response's callbacks, its scope): the retry waits for that end, so
        // two attempts of one execution never overlap here (review 40a F1), as after the fence.
        if (execution.End is { IsCompleted: false } end)
        {
            _logger.RetryWaitsForEnd(execution.Id, execution.Record.Route, execution.Record.Attempt);
            var deferring = _retries.Deferring();   // no "first retry due" for a 503 meanwhile: this one's place may free at any moment
            _ = end.ContinueWith(
                _ =>
                {
                    deferring.Dispose();
                    RetryDue(execution);
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            return;
        }

        // The record says queued already (with its new attempt), so nothing is written.
        if (Transition(execution, ExecutionState.Queued, execution.Record, write: false) && !_queue.Requeue(execution))
        {
            Cut(execution, PendingRetry(execution));
        }
    }

    // Waits until next.RetryAt, the retry's due time, which its record keeps (written with it, or read back from the
    // store: review 16b F5). The timer is armed before the record says "retry-waiting", and the due retry waits for this
    // lock: so an observer that sees the record knows the timer runs (a test on a fake clock), and the retry never comes
    // before the state. The retry is logged under the lock too: an observer that moves the clock on seeing the record
    // could otherwise run (and log) the next attempt and its retry before this one is logged.
    // delay: what event 2006 says it waits (the configured delay; for a retry taken up from the store, the rest of it).
    private void WaitForRetry(TrackedExecution execution, ExecutionRecord next, int maxAttempts, TimeSpan delay, bool write)
    {
        var due = next.RetryAt!.Value;
        lock (execution)
        {
            if (_retries.TrySchedule(execution, due, this))
            {
                _logger.ExecutionRetryScheduled(next.Id, next.Route, delay, next.Attempt, maxAttempts);
                Transition(execution, ExecutionState.RetryWaiting, next, write);
                return;
            }

            Transition(execution, ExecutionState.RetryWaiting, next, write);
        }

        Cut(execution, PendingRetry(execution));
    }

    private static string PendingRetry(TrackedExecution execution) => $"a retry (attempt {execution.Record.Attempt}) was pending when the server shut down";

    private bool Started(TrackedExecution execution, bool started)
    {
        if (started)
        {
            _logger.ExecutionStarted(execution.Id, execution.Record.Route, execution.Record.Attempt);
        }

        return started;
    }

    // The one place where an execution's state changes: checked against the table, listed, then written.
    private bool Transition(TrackedExecution execution, ExecutionState to, ExecutionRecord record, bool write = true, bool afterCut = false)
    {
        // A retry's due time means something only while it is queued: a run that started or ended has none.
        if (record.RetryAt is not null && record.Status != ExecutionStatus.Queued)
        {
            record = record with { RetryAt = null };
        }

        lock (execution)
        {
            // Out of a cut only through ReturnedAfterCut, which holds to the grace; any other late change is dropped.
            if ((execution.State == ExecutionState.Cut && !afterCut) || !Allowed(execution, to))
            {
                return false;
            }

            var first = execution.State == ExecutionState.Accepted;

            // A retry's wait keeps a place in the retries' room beside the queue (past it, one of the queue's: review 39a
            // F2), however it ends.
            if ((to == ExecutionState.RetryWaiting) != (execution.State == ExecutionState.RetryWaiting))
            {
                _queue.CountRetryWaiting(to == ExecutionState.RetryWaiting ? 1 : -1);
            }

            _log.Apply(execution, record, to);
            if (first)
            {
                _log.Track(execution);
            }

            if (write)
            {
                Write(execution, record);
            }

            return true;
        }
    }

    // A change the table does not list is a bug, logged; after a cut or a release it is a late timer, dropped quietly.
    private bool Allowed(TrackedExecution execution, ExecutionState to)
    {
        if (ExecutionTransitions.Allows(execution.State, to))
        {
            return true;
        }

        if (!ExecutionTransitions.HasLeft(execution.State))
        {
            _logger.IllegalTransition(execution.Id, execution.Record.Route, execution.State.ToString(), to.ToString());
        }

        return false;
    }

    private static ExecutionState StateOf(ExecutionStatus status) => status switch
    {
        ExecutionStatus.Succeeded => ExecutionState.Succeeded,
        ExecutionStatus.TimedOut => ExecutionState.TimedOut,
        _ => ExecutionState.Failed,
    };
}
