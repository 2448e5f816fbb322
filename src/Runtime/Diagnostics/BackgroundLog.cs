using Microsoft.Extensions.Logging;

namespace ApiRoutes.Diagnostics;

/// <summary>The log events of background executions: accepted, run, retried, recovered and drained (events 2xxx), in the category <see cref="Log.Category"/>.</summary>
internal static partial class BackgroundLog
{
    [LoggerMessage(2000, LogLevel.Information, "Background execution {ExecutionId} of {Route} accepted")]
    public static partial void BackgroundAccepted(this ILogger logger, string executionId, string route);

    [LoggerMessage(2043, LogLevel.Information, "Background request to {Route} answered with execution {ExecutionId}, accepted before under the same Idempotency-Key; nothing new runs")]
    public static partial void BackgroundAcceptedBefore(this ILogger logger, string executionId, string route);

    [LoggerMessage(2001, LogLevel.Warning, "Background request to {Route} rejected with {StatusCode}: {Reason}")]
    public static partial void BackgroundRejected(this ILogger logger, string route, int statusCode, string reason);

    [LoggerMessage(2018, LogLevel.Warning, "{Count} more background request(s) to {Route} were rejected since the last such line (at most one a second is written)")]
    public static partial void BackgroundRejectedNotLogged(this ILogger logger, string route, int count);

    [LoggerMessage(2002, LogLevel.Information, "Execution {ExecutionId} of {Route} started (attempt {Attempt})")]
    public static partial void ExecutionStarted(this ILogger logger, string executionId, string route, int attempt);

    [LoggerMessage(2003, LogLevel.Information, "Execution {ExecutionId} of {Route} succeeded in {DurationMs} ms")]
    public static partial void ExecutionSucceeded(this ILogger logger, string executionId, string route, long durationMs);

    [LoggerMessage(2004, LogLevel.Error, "Execution {ExecutionId} of {Route} failed (attempt {Attempt})")]
    public static partial void ExecutionFailed(this ILogger logger, string executionId, string route, int attempt, Exception exception);

    [LoggerMessage(2005, LogLevel.Error, "Execution {ExecutionId} of {Route} timed out after {TimeLimit}; its RequestAborted token was cancelled and the run abandoned")]
    public static partial void ExecutionTimedOut(this ILogger logger, string executionId, string route, TimeSpan timeLimit);

    [LoggerMessage(2006, LogLevel.Warning, "Execution {ExecutionId} of {Route} will be retried in {Delay} (attempt {NextAttempt} of {MaxAttempts})")]
    public static partial void ExecutionRetryScheduled(this ILogger logger, string executionId, string route, TimeSpan delay, int nextAttempt, int maxAttempts);

    [LoggerMessage(2007, LogLevel.Error, "Execution {ExecutionId} of {Route} was cut by shutdown: {Reason}")]
    public static partial void ExecutionCut(this ILogger logger, string executionId, string route, string reason);

    [LoggerMessage(2013, LogLevel.Error, "{Count} more execution(s) were cut by shutdown (see the execution log for each)")]
    public static partial void ExecutionsCut(this ILogger logger, int count);

    [LoggerMessage(2008, LogLevel.Information, "Shutting down: waiting up to {DrainTimeout} for {Running} running and {Queued} queued execution(s)")]
    public static partial void Draining(this ILogger logger, TimeSpan drainTimeout, int running, int queued);

    [LoggerMessage(2009, LogLevel.Information, "Recovered {Requeued} unfinished execution(s) from the store; {Failed} recorded as failed")]
    public static partial void Recovered(this ILogger logger, int requeued, int failed);

    [LoggerMessage(2010, LogLevel.Error, "The execution store could not record execution {ExecutionId}")]
    public static partial void StoreWriteFailed(this ILogger logger, string executionId, Exception exception);

    [LoggerMessage(2011, LogLevel.Information, "Shutting down: {Count} unfinished execution(s) stay in the store and run at the next start, or on another replica")]
    public static partial void LeftForNextStart(this ILogger logger, int count);

    // Review 46g F5: counted in 2011 before, among the executions that run again.
    [LoggerMessage(2053, LogLevel.Warning, "Shutting down: {Count} scheduled run(s) cut while they ran stay in the store but are not run again (a scheduled run never repeats): the next start, or another replica, records them failed, and their schedules go on at their next occurrences")]
    public static partial void CutScheduledRunsNotRunAgain(this ILogger logger, int count);

    // Review 48A F2: with replicas, counted in 2011 before, among the executions that run again.
    [LoggerMessage(2054, LogLevel.Warning, "Shutting down: {Count} background execution(s) cut during their last attempt stay in the store but are not run again (with replicas a cut attempt counts as an attempt): another replica, or the next start, records them failed")]
    public static partial void CutLastAttemptsNotRunAgain(this ILogger logger, int count);

    [LoggerMessage(2012, LogLevel.Debug, "Pruned {Count} finished execution(s) older than {Retention}")]
    public static partial void Pruned(this ILogger logger, int count, TimeSpan retention);

    [LoggerMessage(2019, LogLevel.Error, "Execution {ExecutionId} in the store cannot be read ({Problem}); it is recorded as failed and the others run")]
    public static partial void UnreadableExecution(this ILogger logger, string executionId, string problem);

    [LoggerMessage(2020, LogLevel.Error, "Execution {ExecutionId} of {Route} cannot go from {From} to {To}: that is not a step of an execution's life; the change is ignored (a bug)")]
    public static partial void IllegalTransition(this ILogger logger, string executionId, string route, string from, string to);

    [LoggerMessage(2023, LogLevel.Warning, "Execution {ExecutionId} of {Route} returned after the cut, its work done: it is recorded as succeeded and does not run again")]
    public static partial void ReturnedAfterCut(this ILogger logger, string executionId, string route);

    [LoggerMessage(2024, LogLevel.Error, "The runtime failed while it ran execution {ExecutionId} of {Route}; it is recorded as failed (internal error) and its worker or schedule goes on (a bug)")]
    public static partial void WorkerFailed(this ILogger logger, string executionId, string route, Exception exception);

    [LoggerMessage(2025, LogLevel.Error, "A callback a handler registered on its RequestAborted token threw when it was cancelled (the time limit, the shutdown cut, the lease fence or the handler's own Abort; a handler's bug); the other callbacks ran and the attempt went on ending")]
    public static partial void AbortCallbackFailed(this ILogger logger, Exception exception);

    [LoggerMessage(2026, LogLevel.Error, "Disposing the services of execution {ExecutionId} of {Route} threw (a scoped service's Dispose or DisposeAsync; its bug); the attempt's outcome is recorded as it was")]
    public static partial void ScopeDisposalFailed(this ILogger logger, string executionId, string route, Exception exception);

    [LoggerMessage(2027, LogLevel.Error, "A callback execution {ExecutionId} of {Route} registered on its response threw ({Callback}; RegisterForDispose and RegisterForDisposeAsync register OnCompleted ones; its bug): the other callbacks ran and the attempt's outcome is recorded as it was")]
    public static partial void ResponseCallbackFailed(this ILogger logger, string executionId, string route, string callback, Exception exception);

    [LoggerMessage(2028, LogLevel.Warning, "Execution {ExecutionId} of {Route} has ended ({Outcome}), but its response's callbacks or its scope's disposal still ran at its time limit ({TimeLimit}): their RequestAborted is cancelled, and until they return they hold its worker (or its schedule)")]
    public static partial void EndOverdue(this ILogger logger, string executionId, string route, string outcome, TimeSpan timeLimit);

    [LoggerMessage(2029, LogLevel.Debug, "The retry of execution {ExecutionId} of {Route} (attempt {Attempt}) is due, and waits for its attempt before to end (its response's callbacks, its scope's disposal)")]
    public static partial void RetryWaitsForEnd(this ILogger logger, string executionId, string route, int attempt);

    [LoggerMessage(2030, LogLevel.Warning, "Execution {ExecutionId} of {Route} is not started: its start could not be recorded in the store (try {Try} of {Tries}), and another replica may hold it; {Next}")]
    public static partial void StartNotRecorded(this ILogger logger, string executionId, string route, int @try, int tries, string next, Exception exception);

    [LoggerMessage(2031, LogLevel.Warning, "Execution {ExecutionId} of {Route} was cancelled (attempt {Attempt}): its replica could not renew its lease in time, so another replica may take it over; {Next}")]
    public static partial void ExecutionFenced(this ILogger logger, string executionId, string route, int attempt, string next);

    [LoggerMessage(2040, LogLevel.Error, "The execution store dropped a change of execution {ExecutionId} that was kept to be written when the store is back: it cannot be stored (its data), or the store closed first; the stored row keeps its earlier state")]
    public static partial void KeptWriteDropped(this ILogger logger, string executionId, Exception exception);

    [LoggerMessage(2041, LogLevel.Error, "Execution {ExecutionId} of {Route} is not started: the store refused its start for its data (a text it cannot hold, a constraint), which trying again cannot change; it is recorded as failed")]
    public static partial void StartRefused(this ILogger logger, string executionId, string route, Exception exception);

    [LoggerMessage(2042, LogLevel.Warning, "The connection to the execution store failed before its answer to a commit came; the commit is found to have landed, so its {Accepted} new background execution(s) are accepted (202), not refused")]
    public static partial void CommitAnswerLost(this ILogger logger, int accepted, Exception exception);

    [LoggerMessage(2045, LogLevel.Error, "The runtime's loop '{Loop}' could not use the execution store; it tries again at its next tick")]
    public static partial void LoopStoreUnavailable(this ILogger logger, string loop, Exception exception);

    [LoggerMessage(2046, LogLevel.Critical, "{Description} The app stops: what it accepts could not be kept, and the work recorded before could be neither run nor recorded as failed")]
    public static partial void StoreDamaged(this ILogger logger, string description);

    [LoggerMessage(2021, LogLevel.Error, "The runtime's loop '{Loop}' failed; it goes on at its next tick (a bug)")]
    public static partial void LoopFailed(this ILogger logger, string loop, Exception exception);

    [LoggerMessage(2014, LogLevel.Information, "Took over {Requeued} unfinished execution(s) of stopped replicas; {Failed} recorded as failed")]
    public static partial void TookOver(this ILogger logger, int requeued, int failed);

    [LoggerMessage(2047, LogLevel.Warning, "{Reason} This replica's lease had lapsed (4003) and another replica took execution {ExecutionId} over: its handler may have run on both, and the other replica's outcome is the one recorded")]
    public static partial void ChangeHeldElsewhere(this ILogger logger, string executionId, string reason);

    [LoggerMessage(2048, LogLevel.Warning, "Took up {Requeued} execution(s) of this replica that it did not hold: queued first attempts, each answered 503 because the store could not tell whether it was written whose row landed after all (a client that sent it again without an Idempotency-Key has it twice), or claimed by a take-over of this replica whose answer was lost; each runs now; {Failed} recorded as failed")]
    public static partial void TookLanded(this ILogger logger, int requeued, int failed);

    [LoggerMessage(2052, LogLevel.Warning, "Took up {Requeued} unfinished execution(s) of this replica that it did not hold: a take-over of this replica claimed them and the answer to its commit was lost; they run now, as after the end of the replica they were taken from; {Failed} recorded as failed")]
    public static partial void TookUnheld(this ILogger logger, int requeued, int failed);

    [LoggerMessage(2015, LogLevel.Information, "Execution {ExecutionId} of {Route} is held by another replica now; it runs there, not here")]
    public static partial void ExecutionHeldElsewhere(this ILogger logger, string executionId, string route);

    [LoggerMessage(2044, LogLevel.Warning, "{Failed} unfinished execution(s) were recorded as failed as they were taken up (their ids and errors are on the dashboard): {Reasons}")]
    public static partial void TakenUpAsFailed(this ILogger logger, int failed, string reasons);

    [LoggerMessage(2016, LogLevel.Information, "Took {Count} execution(s) waiting in the queues of busy replicas; {Failed} recorded as failed")]
    public static partial void TookWaiting(this ILogger logger, int count, int failed);

    [LoggerMessage(2017, LogLevel.Debug, "Loaded {Count} recent execution(s) from the store")]
    public static partial void HistoryLoaded(this ILogger logger, int count);

    [LoggerMessage(2022, LogLevel.Information, "Execution {ExecutionId} of {Route} accepted as a replay of {ReplayOf}")]
    public static partial void ExecutionReplayed(this ILogger logger, string executionId, string route, string replayOf);

    [LoggerMessage(2049, LogLevel.Warning, "The ends of {Failed} execution(s) are still not written ({Why}); {Landed} landed. Each is written again at doubling intervals up to a minute, and once more as the server stops; until then it stays in memory and is not run again here")]
    public static partial void EndsNotWrittenYet(this ILogger logger, int failed, string why, int landed);

    [LoggerMessage(2050, LogLevel.Information, "The ends of {Count} execution(s) that could not be written before are written now")]
    public static partial void EndsWrittenAtLast(this ILogger logger, int count);

    [LoggerMessage(2051, LogLevel.Warning, "Stopping: the ends of {Count} execution(s) could not be written; their rows stay unfinished in the store, and they run again at the next start (or on another replica)")]
    public static partial void EndsNeverWritten(this ILogger logger, int count);
}
