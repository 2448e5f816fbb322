using ApiRoutes.Diagnostics;
using ApiRoutes.Manifest;

namespace ApiRoutes.Execution;

/// <summary>What becomes of work that shutdown ends before it finishes, decided in one place.</summary>
internal sealed partial class ExecutionLifecycle
{
    private const int MaxCutLines = 100;

    // Read once: whether what did not finish can be left to the next start.
    private readonly bool _durable;
    private readonly Lock _graceLock = new();
    private int _cut;

    // Of those cut with a durable store, the scheduled runs that had started: they stay in the store too, but are not run
    // again (the next start records them failed), so the shutdown's count of what runs again leaves them out (review 46g
    // F5: event 2011 counted them among the executions that "run at the next start").
    private int _cutNotRunAgain;

    // Likewise, with replicas, the background runs cut during their last attempt (review 48A F2; event 2054).
    private int _cutLastAttempts;
    private bool _graceOver;
    private bool _counted;

    /// <summary>
    /// Shutdown ends an execution that did not finish (queued, running, or waiting for a retry). With a durable store
    /// nothing is lost: it stays unfinished in the store and runs again at the next start (or on another replica); a
    /// running background attempt is written back as queued with the same attempt (a cut is not a failure). Without one
    /// it is recorded as failed, with why. Either way it is logged; an execution that ended meanwhile is left as it ended.
    /// </summary>
    public void Cut(TrackedExecution execution, string reason)
    {
        // Every one is recorded; the log names the first ones and counts the rest, so a deep queue cannot flood it. The
        // cut and its count under the grace's lock together: the shutdown's count (CutUnfinished) sees both or neither
        // (it saw an execution already cut by the drain and not yet counted, and said "0 unfinished"). One cut after the
        // count was logged (an admission whose store write ended after it) is not in it: it has its line.
        bool named;
        lock (execution)    // always the execution's lock first, then the grace's
        lock (_graceLock)
        {
            if (ExecutionTransitions.IsFinal(execution.State))
            {
                return;
            }

            var (record, now) = (execution.Record, _time.GetUtcNow());
            if (_durable)
            {
                if (!Transition(execution, ExecutionState.Cut, record, write: false))
                {
                    return;
                }

                if (record.Status == ExecutionStatus.Running && record.Kind != RouteKind.Scheduled.Name() && _coordination is null)
                {
                    // The drain, not the handler, ended this attempt: back in the queue as the same attempt, so that it runs
                    // again without using up a retry, also on its last attempt (review 16b F1: it was recorded failed at the
                    // next start, "stopped during its last attempt"). A row left running is a crash's, which counts. The
                    // log keeps the record as it ran: a return within the grace is written over this as succeeded. Not
                    // with replicas: a queued row of a live replica may be taken by another while the handler here still
                    // runs in its grace (review 16d F1); there the take-over counts the cut attempt, as before.
                    Write(execution, record with { Status = ExecutionStatus.Queued });
                }

                // Review 46g F5: a scheduled run that started is not run again (scheduled runs never repeat): the next start
                // records it failed. It was told "it runs again" as the others. Review 48A F2: so is, with replicas, a
                // background run's last attempt, left running, whose take-over counts it as an attempt (review 16d F1).
                switch (NotRunAgain(record))
                {
                    case CutRun.Scheduled:
                        reason += "; as a scheduled run that started, it is not run again: the next start records it failed";
                        _cutNotRunAgain += _counted ? 0 : 1;
                        break;
                    case CutRun.LastAttempt:
                        reason += $"; as its last attempt ({record.Attempt} of {MaxAttempts(RouteKind.Background)}), it is not run again: with replicas the cut attempt counts as an attempt, and another replica, or the next start, records it failed";
                        _cutLastAttempts += _counted ? 0 : 1;
                        break;
                    default:
                        reason += "; it runs again at the next start, or on another replica";
                        break;
                }
            }
            else if (!Transition(execution, ExecutionState.Cut, record with { Status = ExecutionStatus.Failed, FinishedAt = now, Error = $"Cut by shutdown: {reason}." }))
            {
                return;
            }
            else if (record is { Status: ExecutionStatus.Running, StartedAt: { } started } && execution.Route is { } route)
            {
                _metrics.ExecutionFinished(route.Template, route.Kind, ExecutionStatus.Failed, now - started);
            }

            named = _counted || ++_cut <= MaxCutLines;
            if (_counted)
            {
                reason += _durable ? " (after the shutdown's count of them, event 2011)" : " (after the shutdown's count)";
            }
        }

        if (named)
        {
            _logger.ExecutionCut(execution.Id, execution.Record.Route, reason);
        }
    }

    /// <summary>
    /// A handler that was running at the cut has returned while the process still runs. If it ran to completion its
    /// work is done: it is recorded as succeeded, so a durable store does not run it again at the next start. If it
    /// gave up (most often because of the cut), or returns after the grace, it stays as the cut left it.
    /// </summary>
    public void ReturnedAfterCut(TrackedExecution execution, bool succeeded)
    {
        var now = _time.GetUtcNow();
        ExecutionRecord record;
        lock (execution)    // always the execution's lock first, then the grace's
        lock (_graceLock)
        {
            // After the grace the drain has said what stays for the next start; what returns later stays so too.
            record = execution.Record;
            if (!succeeded || _graceOver
                || !Transition(execution, ExecutionState.Succeeded, record with { Status = ExecutionStatus.Succeeded, FinishedAt = now, Error = null }, afterCut: true))
            {
                return;
            }

            _cut--;
            switch (_durable ? NotRunAgain(record) : CutRun.RunsAgain)
            {
                case CutRun.Scheduled:
                    _cutNotRunAgain--;
                    break;
                case CutRun.LastAttempt:
                    _cutLastAttempts--;
                    break;
            }
        }

        // Without a durable store the cut was already counted, as failed, when it was recorded.
        if (_durable && execution.Route is { } route && record.StartedAt is { } started)
        {
            _metrics.ExecutionFinished(route.Template, route.Kind, ExecutionStatus.Succeeded, now - started);
        }

        _logger.ReturnedAfterCut(execution.Id, record.Route);
    }

    // What becomes of a run cut with a durable store, as the next start (or another replica's take-over) decides it
    // (Resume): a scheduled run that had started is recorded failed (never repeated); with replicas, a background run's
    // attempt is left running, counted as an attempt by the take-over, and so recorded failed when it was the last one
    // (without replicas it is written back as queued with the same attempt); anything else runs again.
    private CutRun NotRunAgain(ExecutionRecord record) => record.Status != ExecutionStatus.Running ? CutRun.RunsAgain
        : record.Kind == RouteKind.Scheduled.Name() ? CutRun.Scheduled
        : _coordination is not null && record.Attempt >= MaxAttempts(RouteKind.Background) ? CutRun.LastAttempt
        : CutRun.RunsAgain;

    private enum CutRun
    {
        RunsAgain,
        Scheduled,
        LastAttempt,
    }

    /// <summary>
    /// Why a queued execution was cut before its attempt started, <paramref name="when"/>: "it never ran" is said of a
    /// first attempt only; a retry's earlier attempt did run (review 39a N2: event 2007 said "it never ran" of a retry
    /// whose first attempt had failed).
    /// </summary>
    public static string NeverRan(TrackedExecution execution, string when, string where = "") => execution.Record.Attempt > 1
        ? $"{when}; its attempt {execution.Record.Attempt} never ran{where} (an earlier attempt did)"
        : $"{when}; it never ran{where}";

    /// <summary>At the end of the drain and its grace: cuts whatever this process still holds unfinished, then says how many were cut.</summary>
    public void CutUnfinished()
    {
        lock (_graceLock)
        {
            _graceOver = true;
        }

        // One still being stored is its admission's to end: queued, or failed as the queue closed.
        foreach (var execution in _log.HeldUnfinished().Where(e => e.State != ExecutionState.Accepted))
        {
            Cut(execution, execution.State switch
            {
                ExecutionState.Running => "still running",
                ExecutionState.RetryWaiting => PendingRetry(execution),
                _ => NeverRan(execution, "queued when the drain period ended"),
            });
        }

        int cut, notRunAgain, lastAttempts;
        lock (_graceLock)
        {
            (cut, notRunAgain, lastAttempts, _counted) = (_cut, _cutNotRunAgain, _cutLastAttempts, true);
        }

        if (_durable)
        {
            _logger.LeftForNextStart(cut - notRunAgain - lastAttempts);
            if (notRunAgain > 0)
            {
                _logger.CutScheduledRunsNotRunAgain(notRunAgain);
            }

            if (lastAttempts > 0)
            {
                _logger.CutLastAttemptsNotRunAgain(lastAttempts);
            }
        }
        else if (cut > MaxCutLines)
        {
            _logger.ExecutionsCut(cut - MaxCutLines);
        }
    }
}
