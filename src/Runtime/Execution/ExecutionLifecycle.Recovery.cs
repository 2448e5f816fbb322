using ApiRoutes.Diagnostics;
using ApiRoutes.Manifest;
using ApiRoutes.Storage;

namespace ApiRoutes.Execution;

/// <summary>
/// Work that comes back from the store: after a restart (<c>StartupRecoveryService</c>), or from replicas that stopped
/// or are busy (<c>TakeOverService</c>). What becomes of each is decided here.
/// </summary>
internal sealed partial class ExecutionLifecycle
{
    /// <summary>Lists executions read back from the store as history (held by nobody here), newest first.</summary>
    public void Remember(IEnumerable<ExecutionRecord> history) => _log.Remember(history);

    /// <summary>
    /// Takes up unfinished executions: each runs again (at least once) as its next attempt if it was running when its
    /// process stopped, or is recorded as failed with why — a row that cannot be read, a route gone from this deploy, a
    /// scheduled run (its occurrence has passed), an interrupted last attempt.
    /// </summary>
    public (int Requeued, int Failed) Resume(IReadOnlyList<StoredExecution> unfinished)
    {
        var (requeued, failed, _) = Resume(unfinished, int.MaxValue);
        return (requeued, failed);
    }

    /// <summary>
    /// As <see cref="Resume(IReadOnlyList{StoredExecution})"/>, queuing at most <paramref name="room"/> of them; those
    /// past it are left as they are (<c>Left</c>), for a later page.
    /// </summary>
    public (int Requeued, int Failed, int Left) Resume(IReadOnlyList<StoredExecution> unfinished, int room)
    {
        int requeued = 0, failed = 0, left = 0;
        var maxAttempts = _options.Value.Background.RetryDelays.Count + 1;
        foreach (var stored in unfinished)
        {
            var (record, request) = stored;
            if (_log.Held(record.Id) is not null)
            {
                continue;   // accepted by this process since it started: it is in its queue already
            }

            var route = _routes.Routes.FirstOrDefault(r => r.Template == record.Route && r.Kind.Name() == record.Kind);
            var execution = new TrackedExecution(record, ExecutionState.Accepted, route, request);
            // Counted in long: a row's attempt is bounded when it is read, but counting on never wraps here either.
            var attempt = record.Status == ExecutionStatus.Running ? record.Attempt + 1L : record.Attempt;
            // A scheduled run is never repeated, whatever its row holds: the runtime stores no request for one, so a
            // request there (a damaged or hand-written row) is not one its handler may be given.
            var scheduled = record.Kind == RouteKind.Scheduled.Name();
            var reason = (stored.Unreadable, route, NotRepeated: scheduled || request is null) switch
            {
                ({ } problem, _, _) => $"Not run: its stored row cannot be read ({problem}).",
                (_, null, _) => "Not finished: its route no longer exists in this deploy.",
                (_, _, true) => "Not finished: the process stopped while it ran (scheduled runs are not repeated).",
                _ when attempt > maxAttempts => $"Not finished: the process stopped during its last attempt ({record.Attempt} of {maxAttempts}).",
                _ => null,
            };
            if (stored.Unreadable is { } unreadable)
            {
                _logger.UnreadableExecution(record.Id, unreadable);
            }

            if (reason is not null)
            {
                Transition(execution, ExecutionState.Failed, record with { Status = ExecutionStatus.Failed, FinishedAt = _time.GetUtcNow(), Error = reason });
                failed++;
                continue;
            }

            if (requeued == room)
            {
                left++;
                continue;
            }

            requeued++;
            if (StoredRetryDue(record, maxAttempts) is { } due)
            {
                // A retry that was waiting out its delay when its process stopped waits out the rest of it (review 16b F5).
                WaitForRetry(execution, record with { RetryAt = due }, maxAttempts, write: false);
                continue;
            }

            if (Transition(execution, ExecutionState.Queued, record with { Status = ExecutionStatus.Queued, Attempt = (int)attempt, StartedAt = null }) && !_queue.Requeue(execution))
            {
                Cut(execution, "taken up as the server shut down; it never ran here");
            }
        }

        return (requeued, failed, left);
    }

    // When a queued retry read back from the store is due, if that is still to come: never later than the longest delay
    // configured from now (a row is input: one that says "in a hundred years" must not hold its place for ever).
    private DateTimeOffset? StoredRetryDue(ExecutionRecord record, int maxAttempts)
    {
        if (record is not { Status: ExecutionStatus.Queued, RetryAt: { } stored } || maxAttempts < 2)
        {
            return null;
        }

        var now = _time.GetUtcNow();
        var latest = now + _options.Value.Background.RetryDelays.Max();
        var due = stored < latest ? stored : latest;
        return due > now ? due : null;
    }
}
