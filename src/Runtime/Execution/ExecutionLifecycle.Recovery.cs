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
    /// <summary>The error of an attempt whose process stopped while it ran, as its retry records it.</summary>
    public const string StoppedWhileRunning = "Its process stopped while it ran (a crash, or a replica that stopped renewing its lease); taken up again as its next attempt.";

    /// <summary>Lists executions read back from the store as history (held by nobody here), newest first.</summary>
    public void Remember(IEnumerable<ExecutionRecord> history) => _log.Remember(history);

    /// <summary>
    /// Takes up unfinished executions: each runs again (at least once) as its next attempt if it was running when its
    /// process stopped, or is recorded as failed with why — a row that cannot be read, a route gone from this deploy, a
    /// scheduled run (its occurrence has passed), an interrupted last attempt.
    /// </summary>
    public (int Requeued, int Failed) Resume(IReadOnlyList<StoredExecution> unfinished)
    {
        var (requeued, failed, _, _) = Resume(unfinished, int.MaxValue);
        return (requeued, failed);
    }

    /// <summary>
    /// As <see cref="Resume(IReadOnlyList{StoredExecution})"/>, queuing at most <paramref name="room"/> of them to run,
    /// and taking up retries still waiting out their delay while fewer than <c>MaxQueueLength</c> wait here; those past
    /// either are left as they are (<c>Left</c>), for a later page; <c>LeftToRun</c> of them could run now, but found
    /// no room. A waiting retry needs no worker until it is due, so it never takes the room of work that can run now
    /// (review 17a F1: workers sat idle while runnable rows waited in the store behind retries due in hours).
    /// </summary>
    public (int Requeued, int Failed, int Left, int LeftToRun) Resume(IReadOnlyList<StoredExecution> unfinished, int room)
    {
        int requeued = 0, runnable = 0, failed = 0, left = 0, leftToRun = 0;
        List<string>? failures = null;
        var maxAttempts = _options.Value.Background.RetryDelays.Count + 1;
        var waitingRoom = room == int.MaxValue ? int.MaxValue : Math.Max(0, _options.Value.Background.MaxQueueLength - _queue.RetryWaiting);
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
                // A queued retry past the attempts configured now (RetryDelays shortened by a deploy) never started.
                _ when attempt > maxAttempts && record.Status == ExecutionStatus.Queued =>
                    $"Not run: its retry (attempt {record.Attempt}) is past the {maxAttempts} attempt(s) ApiRoutes:Background:RetryDelays allows now.",
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
                if (stored.Unreadable is null)
                {
                    (failures ??= []).Add($"{IReplicaCoordination.RouteKey(record.Kind, record.Route)}: {reason}");   // an unreadable row has its own line (2019)
                }

                continue;
            }

            if (StoredRetryDue(record, maxAttempts) is { } due)
            {
                if (waitingRoom == 0)
                {
                    left++;
                    continue;
                }

                // A retry that was waiting out its delay when its process stopped waits out the rest of it (review 16b
                // F5); a due time taken as sooner than stored is written, so that every reader of the row says the same
                // (review 17a F2).
                waitingRoom--;
                requeued++;
                WaitForRetry(execution, record with { RetryAt = due }, maxAttempts, due - _time.GetUtcNow(), write: due != record.RetryAt);
                continue;
            }

            if (runnable == room)
            {
                left++;
                leftToRun++;
                continue;
            }

            runnable++;
            requeued++;

            // A row left running is an attempt its process never ended (a crash, a lapsed replica's): it counts, and its
            // retry says so, as a retry after a failure does.
            var queued = record.Status == ExecutionStatus.Running
                ? record with { Status = ExecutionStatus.Queued, Attempt = (int)attempt, StartedAt = null, Error = StoppedWhileRunning, EarlierAttempts = record.WithCurrentFailed(null, StoppedWhileRunning) }
                : record with { Status = ExecutionStatus.Queued, StartedAt = null };
            if (Transition(execution, ExecutionState.Queued, queued) && !_queue.Requeue(execution))
            {
                Cut(execution, NeverRan(execution, "taken up as the server shut down", " here"));
            }
        }

        if (failures is not null)
        {
            // Accepted work that will never run: a warning with the routes and reasons, not only a count (review 25b F5).
            var groups = failures.CountBy(failure => failure).OrderByDescending(group => group.Value).ToList();
            _logger.TakenUpAsFailed(failures.Count, string.Join("; ", groups.Take(5).Select(group => $"{group.Value} × {group.Key}"))
                + (groups.Count > 5 ? $"; and {groups.Skip(5).Sum(group => group.Value)} more" : ""));
        }

        return (requeued, failed, left, leftToRun);
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
