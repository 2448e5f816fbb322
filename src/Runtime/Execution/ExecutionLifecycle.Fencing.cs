using ApiRoutes.Diagnostics;
using ApiRoutes.Manifest;
using ApiRoutes.Storage;

namespace ApiRoutes.Execution;

/// <summary>
/// Work this replica may no longer hold, with replicas sharing a store: a start that could not be recorded (another
/// replica may have claimed the execution meanwhile), and an attempt the <see cref="LeaseFence"/> cancelled (this
/// replica could not renew its lease in time, so another may take its work over). Neither runs on here unless the
/// ownership-checked start confirms that this replica still holds it.
/// </summary>
internal sealed partial class ExecutionLifecycle
{
    /// <summary>The waits before each further try of a start that could not be recorded; after the last, it goes back to the queue.</summary>
    internal static readonly TimeSpan[] StartRetryDelays = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8)];

    // A start that could not be recorded is tried again after a short wait, a few times. Then a background execution goes
    // to the back of the queue (tried again when its turn comes: it is never dropped while this replica holds it) and a
    // scheduled run is recorded as failed (not repeated). True: try again now.
    private async Task<bool> StartAgainAsync(TrackedExecution execution, int @try, ExecutionStoreUnavailableException e, CancellationToken cut)
    {
        var (id, route, tries) = (execution.Id, execution.Record.Route, StartRetryDelays.Length + 1);
        if (@try < tries)
        {
            var delay = StartRetryDelays[@try - 1];
            _logger.StartNotRecorded(id, route, @try, tries, $"it is tried again in {delay}", e);
            try
            {
                await Task.Delay(delay, _time, cut);
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;   // shutdown's cut: it is still queued, and the drain decides what becomes of it
            }
        }

        if (execution.Route is { Kind: RouteKind.Background })
        {
            _logger.StartNotRecorded(id, route, @try, tries, "it goes back to the queue", e);
            if (!_queue.Requeue(execution))
            {
                Cut(execution, NeverRan(execution, "its start could not be recorded as the server shut down", " here"));
            }

            return false;
        }

        _logger.StartNotRecorded(id, route, @try, tries, "it is recorded as failed (scheduled runs are not repeated)", e);
        Transition(execution, ExecutionState.Failed, execution.Record with
        {
            Status = ExecutionStatus.Failed,
            FinishedAt = _time.GetUtcNow(),
            Error = $"Not run: its start could not be recorded in the execution store ({e.Message}), so another replica may have held it. Scheduled runs are not repeated.",
        });
        return false;
    }

    // An attempt the lease fence cancelled. A background execution goes back to the queue as its next attempt (within
    // its attempts, as after a take-over), once its handler has returned, so it never runs twice here; its start is
    // checked there again, and it is skipped (2015) if another replica took it over meanwhile. However its handler
    // returned: one that honours its token by catching the cancellation and returning has stopped part-way, and which
    // it did cannot be told, so it runs again (at least once; handlers must be safe to run again). A scheduled run is
    // recorded as failed: scheduled runs are not repeated.
    private void Fenced(TrackedExecution execution, Task handlerReturned)
    {
        var (route, record, now) = (execution.Route!, execution.Record, _time.GetUtcNow());
        var maxAttempts = _options.Value.Background.RetryDelays.Count + 1;
        var why = $"Attempt {record.Attempt} was cancelled: its replica could not renew its lease in time, so another replica may take the execution over.";
        if (route.Kind == RouteKind.Background && record.Attempt < maxAttempts)
        {
            _logger.ExecutionFenced(record.Id, route.Template, record.Attempt, "it goes back to the queue as its next attempt once its handler has returned");
            if (Transition(execution, ExecutionState.RetryWaiting, record with { Status = ExecutionStatus.Queued, Attempt = record.Attempt + 1, StartedAt = null, Error = why, EarlierAttempts = record.WithCurrentFailed(now, why) }))
            {
                _ = handlerReturned.ContinueWith(_ => RetryDue(execution), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            return;
        }

        var end = route.Kind == RouteKind.Background ? $"It was its last attempt ({record.Attempt} of {maxAttempts})." : "Scheduled runs are not repeated.";
        _logger.ExecutionFenced(record.Id, route.Template, record.Attempt, "it is recorded as failed. " + end);
        _metrics.ExecutionFinished(route.Template, route.Kind, ExecutionStatus.Failed, now - record.StartedAt!.Value);
        Transition(execution, ExecutionState.Failed, record with { Status = ExecutionStatus.Failed, FinishedAt = now, Error = $"{why} {end}" });
    }
}
