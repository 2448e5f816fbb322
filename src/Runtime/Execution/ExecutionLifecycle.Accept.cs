using ApiRoutes.Diagnostics;
using ApiRoutes.Manifest;
using ApiRoutes.ManifestLoading;
using ApiRoutes.Scheduling;
using ApiRoutes.Storage;

namespace ApiRoutes.Execution;

/// <summary>How executions come into being: a background request, a schedule occurrence, a run on demand.</summary>
internal sealed partial class ExecutionLifecycle
{
    /// <summary>
    /// A background request: its execution, not yet queued, and <paramref name="stored"/>, the one write of it, which
    /// completes once it is durable (before the 202) or fails with <see cref="ExecutionStoreUnavailableException"/>
    /// (the request is refused). Not async itself, so the hot path pays for no state machine of its own.
    /// <paramref name="replayOf"/>: the failed execution it replays.
    /// </summary>
    public TrackedExecution Accept(LoadedRoute route, RequestSnapshot request, TraceContext trace, CancellationToken cancellationToken, out Task stored, string? replayOf = null)
    {
        var execution = Track(route, request, trace, replayOf);
        try
        {
            stored = _store.AddAsync(execution.Record, request, cancellationToken);
        }
        catch
        {
            _log.Forget(execution);
            throw;
        }

        return execution;
    }

    /// <summary>
    /// As <see cref="Accept"/>, under an idempotency key: <paramref name="stored"/> tells whether this execution was
    /// stored, or which execution an earlier request with the key was accepted as (then this one is to be let go with
    /// <see cref="NotStored"/>).
    /// </summary>
    public TrackedExecution AcceptOnce(
        LoadedRoute route, RequestSnapshot request, TraceContext trace, IdempotencyKey key, CancellationToken cancellationToken, out Task<KeyedAdd> stored, string? replayOf = null)
    {
        var execution = Track(route, request, trace, replayOf);
        try
        {
            stored = _store.AddOnceAsync(execution.Record, request, key, cancellationToken);
        }
        catch
        {
            _log.Forget(execution);
            throw;
        }

        return execution;
    }

    // A new background execution, listed before its row is written: start-up recovery, reading the rows meanwhile, sees
    // it is held here.
    private TrackedExecution Track(LoadedRoute route, RequestSnapshot request, TraceContext trace, string? replayOf)
    {
        var now = _time.GetUtcNow();
        var record = new ExecutionRecord
        {
            Id = Guid.CreateVersion7(now).ToString("N"), Route = route.Template, Kind = route.Kind.Name(), Status = ExecutionStatus.Queued, AcceptedAt = now,
            TraceParent = trace.Parent, TraceState = trace.State, ReplayOf = replayOf,
        };
        var execution = new TrackedExecution(record, ExecutionState.Accepted, route, request);
        _log.Track(execution);
        return execution;
    }

    /// <summary>An accepted execution whose row was not written (the request is refused): no longer held here.</summary>
    public void NotStored(TrackedExecution? execution)
    {
        if (execution is not null)
        {
            _log.Forget(execution);
        }
    }

    /// <summary>
    /// Queues a stored request whose place was reserved: true when it will run, queued here or, when shutdown closed the
    /// queue, left in a durable store for the next start; false (recorded as failed) when the store is not durable.
    /// </summary>
    public bool Enqueue(TrackedExecution execution)
    {
        _logger.BackgroundAccepted(execution.Id, execution.Record.Route);

        // Held while it enters the queue, so a worker that takes it at once waits until it is queued here too.
        lock (execution)
        {
            if (_queue.TryWrite(execution))
            {
                return Transition(execution, ExecutionState.Queued, execution.Record, write: false);
            }

            // Shutdown closed the queue as it was stored. A durable store keeps it for the next start (or another
            // replica), as it keeps what was queued: it will run, so it is accepted. Recorded as failed, it never ran and
            // its Idempotency-Key answered every retry with that failure.
            if (_durable)
            {
                Cut(execution, "stored as the server shut down, so it never ran here");
                return true;
            }

            Transition(execution, ExecutionState.Failed, execution.Record with { Status = ExecutionStatus.Failed, FinishedAt = _time.GetUtcNow(), Error = "The server shut down as it was accepted." });
            return false;
        }
    }

    /// <summary>The record of a run of a schedule, queued from now: <see cref="AcceptScheduled"/> accepts it.</summary>
    /// <param name="route">The scheduled route.</param>
    /// <param name="id">The execution id its claim was made with.</param>
    /// <param name="occurrence">The occurrence it runs for.</param>
    /// <param name="trace">The trace it continues (an external trigger's), or none: a trace of its own.</param>
    /// <param name="replayOf">A replay (from the dashboard): the failed run it replays.</param>
    public ExecutionRecord ScheduledRecord(LoadedRoute route, string id, DateTimeOffset occurrence, TraceContext trace, string? replayOf = null) => new()
    {
        Id = id, Route = route.Template, Kind = route.Kind.Name(), Status = ExecutionStatus.Queued, AcceptedAt = _time.GetUtcNow(), Occurrence = occurrence,
        TraceParent = trace.Parent, TraceState = trace.State, ReplayOf = replayOf,
    };

    /// <summary>A schedule occurrence this process claimed (or a run started by hand), queued to start at once.</summary>
    /// <param name="route">The scheduled route.</param>
    /// <param name="record">Its record (<see cref="ScheduledRecord"/>).</param>
    /// <param name="missed">A catch-up run.</param>
    /// <param name="trigger">What started it, for its span.</param>
    public TrackedExecution AcceptScheduled(LoadedRoute route, ExecutionRecord record, bool missed, string trigger)
    {
        var execution = new TrackedExecution(record, ExecutionState.Accepted, route, ScheduledRequest.For(route, record.Occurrence!.Value, missed)) { Trigger = trigger };
        Transition(execution, ExecutionState.Queued, record, write: false);
        _store.AddAsync(record, null, CancellationToken.None).LogIfFails(_logger, record.Id);   // no request: not repeated after a crash
        return execution;
    }

    /// <summary>A scheduled route run on demand (development): running from the start, in the request that asked.</summary>
    public TrackedExecution StartOnDemand(LoadedRoute route)
    {
        var now = _time.GetUtcNow();
        var record = new ExecutionRecord { Id = Guid.CreateVersion7(now).ToString("N"), Route = route.Template, Kind = route.Kind.Name(), Status = ExecutionStatus.Running, AcceptedAt = now, StartedAt = now };
        var execution = new TrackedExecution(record, ExecutionState.Accepted, route);
        Transition(execution, ExecutionState.Running, record, write: false);
        _store.AddAsync(record, null, CancellationToken.None).LogIfFails(_logger, record.Id);
        return execution;
    }

    /// <summary>Ends a run on demand as its request saw it end.</summary>
    public void EndOnDemand(TrackedExecution execution, ExecutionStatus status, string? error) =>
        Transition(execution, StateOf(status), execution.Record with { Status = status, FinishedAt = _time.GetUtcNow(), Error = error });
}
