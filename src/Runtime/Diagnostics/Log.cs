using Microsoft.Extensions.Logging;

namespace ApiRoutes.Diagnostics;

/// <summary>
/// Every log event of the runtime, with a stable event id (README lists them). Category: <c>ApiRoutes</c>.
/// </summary>
internal static partial class Log
{
    public const string Category = "ApiRoutes";

    [LoggerMessage(1000, LogLevel.Information, "ApiRoutes serving {RouteCount} route(s) from {ManifestPath}\n{RouteTable}")]
    public static partial void RoutesLoaded(this ILogger logger, int routeCount, string manifestPath, string routeTable);

    [LoggerMessage(1001, LogLevel.Debug, "Route {Route} served {StatusCode}")]
    public static partial void RouteServed(this ILogger logger, string route, int statusCode);

    [LoggerMessage(1002, LogLevel.Error, "Route {Route} failed")]
    public static partial void RouteFailed(this ILogger logger, string route, Exception exception);

    [LoggerMessage(1004, LogLevel.Error, "Route {Route} ran past its time limit of {TimeLimit}: its request was cancelled at the limit; {Outcome}")]
    public static partial void RouteTimedOut(this ILogger logger, string route, TimeSpan timeLimit, string outcome);

    [LoggerMessage(1003, LogLevel.Warning, "{Method} {Path} refused with {StatusCode}: {Reason} ({Unlogged} more refused since the last such line; at most one a second is written)")]
    public static partial void RequestRefused(this ILogger logger, string method, string path, int statusCode, string reason, int unlogged);

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

    [LoggerMessage(2025, LogLevel.Error, "A callback a handler registered on its RequestAborted token threw when it was cancelled (the time limit, the shutdown cut or the lease fence; a handler's bug); the other callbacks ran and the attempt went on ending")]
    public static partial void AbortCallbackFailed(this ILogger logger, Exception exception);

    [LoggerMessage(2026, LogLevel.Error, "Disposing the services of execution {ExecutionId} of {Route} threw (a scoped service's Dispose or DisposeAsync; its bug); the attempt's outcome is recorded as it was")]
    public static partial void ScopeDisposalFailed(this ILogger logger, string executionId, string route, Exception exception);

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

    [LoggerMessage(3000, LogLevel.Information, "Schedule {Route} registered ({Expression}, {TimeZone}); next run at {NextRun:O}")]
    public static partial void ScheduleRegistered(this ILogger logger, string route, string expression, string timeZone, DateTimeOffset nextRun);

    [LoggerMessage(3001, LogLevel.Information, "Schedule {Route} fired for {Occurrence:O} as execution {ExecutionId}")]
    public static partial void ScheduleFired(this ILogger logger, string route, DateTimeOffset occurrence, string executionId);

    [LoggerMessage(3002, LogLevel.Warning, "Schedule {Route} skipped the run at {Occurrence:O}: the previous run {ExecutionId} is still going")]
    public static partial void ScheduleSkipped(this ILogger logger, string route, DateTimeOffset occurrence, string executionId);

    [LoggerMessage(3003, LogLevel.Warning, "Scheduled route {Route} run on demand: in development only; in production it runs only on its schedule ({Expression}, {TimeZone})")]
    public static partial void ScheduleInvokedOnDemand(this ILogger logger, string route, string expression, string timeZone);

    [LoggerMessage(3004, LogLevel.Information, "Schedules are not run in this process: {HowTheyRun}. Set ApiRoutes:Scheduling:Enabled=true to run them on schedule")]
    public static partial void SchedulerDisabled(this ILogger logger, string howTheyRun);

    [LoggerMessage(3024, LogLevel.Warning, "Schedules are not run in this process, and no scheduled route runs here: outside Development their paths are not served, and no external trigger is set (ApiRoutes:Scheduling:ExternalTriggerSecret). Set ApiRoutes:Scheduling:Enabled=true to run them on schedule, or set the trigger's secret")]
    public static partial void NoScheduleRuns(this ILogger logger);

    [LoggerMessage(3006, LogLevel.Debug, "Schedule {Route} waiting for {NextRun:O}")]
    public static partial void ScheduleWaiting(this ILogger logger, string route, DateTimeOffset nextRun);

    [LoggerMessage(3007, LogLevel.Warning, "External schedule trigger refused with {StatusCode}: {Reason}")]
    public static partial void ExternalTriggerRefused(this ILogger logger, int statusCode, string reason);

    [LoggerMessage(3008, LogLevel.Information, "Schedule {Route} missed {Count} occurrence(s) since its last run at {LastRun:O}; running one catch-up for {Occurrence:O}")]
    public static partial void ScheduleCatchingUp(this ILogger logger, string route, int count, DateTimeOffset lastRun, DateTimeOffset occurrence);

    [LoggerMessage(3009, LogLevel.Information, "Schedule {Route} is paused; the run at {Occurrence:O} is skipped")]
    public static partial void SchedulePaused(this ILogger logger, string route, DateTimeOffset occurrence);

    [LoggerMessage(3005, LogLevel.Warning, "Schedule {Route} has no further occurrence and stops")]
    public static partial void ScheduleEnded(this ILogger logger, string route);

    [LoggerMessage(3022, LogLevel.Information, "Schedule {Route} is no longer served as a scheduled route and stops")]
    public static partial void ScheduleRemoved(this ILogger logger, string route);

    [LoggerMessage(3023, LogLevel.Error, "The scheduler could not follow the routes' change; the schedules go on as they were until the next change")]
    public static partial void ScheduleFollowFailed(this ILogger logger, Exception exception);

    [LoggerMessage(2014, LogLevel.Information, "Took over {Requeued} unfinished execution(s) of stopped replicas; {Failed} recorded as failed")]
    public static partial void TookOver(this ILogger logger, int requeued, int failed);

    [LoggerMessage(2015, LogLevel.Information, "Execution {ExecutionId} of {Route} is held by another replica now; it runs there, not here")]
    public static partial void ExecutionHeldElsewhere(this ILogger logger, string executionId, string route);

    [LoggerMessage(2044, LogLevel.Warning, "{Failed} unfinished execution(s) were recorded as failed as they were taken up (their ids and errors are on the dashboard): {Reasons}")]
    public static partial void TakenUpAsFailed(this ILogger logger, int failed, string reasons);

    [LoggerMessage(2016, LogLevel.Information, "Took {Count} execution(s) waiting in the queues of busy replicas; {Failed} recorded as failed")]
    public static partial void TookWaiting(this ILogger logger, int count, int failed);

    [LoggerMessage(2017, LogLevel.Debug, "Loaded {Count} recent execution(s) from the store")]
    public static partial void HistoryLoaded(this ILogger logger, int count);

    [LoggerMessage(3010, LogLevel.Debug, "Schedule {Route} at {Occurrence:O} was claimed already, by another replica or process or before a restart; it is not run here")]
    public static partial void ScheduleClaimedElsewhere(this ILogger logger, string route, DateTimeOffset occurrence);

    [LoggerMessage(3011, LogLevel.Error, "Schedule {Route} skipped the run at {Occurrence:O}: the store cannot be written to claim it, and running it unclaimed could run it twice")]
    public static partial void ScheduleNotClaimed(this ILogger logger, string route, DateTimeOffset occurrence, Exception exception);

    [LoggerMessage(3012, LogLevel.Warning, "Schedule {Route} missed {Count} occurrence(s) while no instance was up, from {First:O} to {Last:O}; the latest {Recorded} are recorded as missed")]
    public static partial void ScheduleMissed(this ILogger logger, string route, int count, DateTimeOffset first, DateTimeOffset last, int recorded);

    [LoggerMessage(3020, LogLevel.Warning, "Schedule {Route} was late: {Count} occurrence(s) from {First:O} to {Last:O} came due before it could run them (a start before them that outlasted the schedule's period, a paused process or machine, or a clock that jumped ahead); they are not run late, the latest {Recorded} are recorded as missed, and the latest due, {Occurrence:O}, is taken up in their place")]
    public static partial void ScheduleLate(this ILogger logger, string route, int count, DateTimeOffset first, DateTimeOffset last, int recorded, DateTimeOffset occurrence);

    [LoggerMessage(3021, LogLevel.Warning, "Schedule {Route}: the clock was stepped back by hours, to {Now:O}, behind the occurrence handled last ({Last:O}): the clock was set ahead before and has been put right; the schedule goes on from the new time")]
    public static partial void ClockSteppedBack(this ILogger logger, string route, DateTimeOffset last, DateTimeOffset now);

    [LoggerMessage(3013, LogLevel.Warning, "The execution store could not record that the occurrence {Occurrence:O} of {Route} was {Outcome}")]
    public static partial void OccurrenceNotRecorded(this ILogger logger, string route, DateTimeOffset occurrence, string outcome, Exception exception);

    [LoggerMessage(3014, LogLevel.Information, "Schedule {Route} paused from the dashboard {Until}")]
    public static partial void SchedulePausedFromDashboard(this ILogger logger, string route, string until);

    [LoggerMessage(3015, LogLevel.Information, "Schedule {Route} resumed from the dashboard")]
    public static partial void ScheduleResumedFromDashboard(this ILogger logger, string route);

    [LoggerMessage(3019, LogLevel.Warning, "The schedules' pauses cannot be read from the execution store; the ones this process knew are used until it can")]
    public static partial void PausesUnreadable(this ILogger logger, Exception exception);

    [LoggerMessage(3018, LogLevel.Warning, "Schedule {Route}: the store records a last run at {LastRun:O}, more than a day from now, so the occurrences missed while no instance was up are not known (nor caught up) until then; a damaged row, or one written while a clock was wrong")]
    public static partial void LastRunInTheFuture(this ILogger logger, string route, DateTimeOffset lastRun);

    [LoggerMessage(3017, LogLevel.Error, "Schedule {Route}: the run of {Occurrence:O} could not be started; the schedule goes on with its next occurrence")]
    public static partial void ScheduledStartFailed(this ILogger logger, string route, DateTimeOffset occurrence, Exception exception);

    [LoggerMessage(3016, LogLevel.Warning, "Schedule {Route}: the execution store cannot be read (or holds what is not a schedule's record), so the occurrences missed while no instance was up are not known (nor caught up)")]
    public static partial void StoreReadFailed(this ILogger logger, string route, Exception exception);

    [LoggerMessage(2022, LogLevel.Information, "Execution {ExecutionId} of {Route} accepted as a replay of {ReplayOf}")]
    public static partial void ExecutionReplayed(this ILogger logger, string executionId, string route, string replayOf);
    [LoggerMessage(6000, LogLevel.Information, "Routes refreshed from the code: {RouteCount} route(s) served, in {ElapsedMs} ms")]
    public static partial void RoutesRefreshed(this ILogger logger, int routeCount, long elapsedMs);

    [LoggerMessage(6001, LogLevel.Error, "{Diagnostic}")]
    public static partial void WatchDiagnosticError(this ILogger logger, string diagnostic);

    [LoggerMessage(6002, LogLevel.Warning, "{Diagnostic}")]
    public static partial void WatchDiagnosticWarning(this ILogger logger, string diagnostic);

    [LoggerMessage(6003, LogLevel.Warning, "The routes were not refreshed, so the last valid ones are still served: {Reason}")]
    public static partial void RoutesKept(this ILogger logger, string reason);

    [LoggerMessage(6004, LogLevel.Information, "dotnet watch: routes follow the code of {ProjectFile} (each save re-runs the build's analysis, compiling with the compiler server '{CompilerServer}', which dotnet watch's builds of the project use too)")]
    public static partial void RouteWatchStarted(this ILogger logger, string projectFile, string compilerServer);

    [LoggerMessage(6005, LogLevel.Warning, "dotnet watch: routes do not follow the code, because {Reason}; restart dotnet watch to see route changes")]
    public static partial void RouteWatchUnavailable(this ILogger logger, string reason);

    [LoggerMessage(6011, LogLevel.Information, "dotnet watch: also watching {Count} folder(s) outside the project that it reads files from: {Folders}")]
    public static partial void WatchingOutsideFolders(this ILogger logger, int count, string folders);

    [LoggerMessage(6010, LogLevel.Warning, "dotnet watch: {Reason}")]
    public static partial void RouteWatchDegraded(this ILogger logger, string reason);

    [LoggerMessage(6007, LogLevel.Information, "dotnet watch: stopped with SIGTERM, as for a restart: the compiler server '{CompilerServer}' keeps running for the restart's build (Roslyn ends it after its idle timeout)")]
    public static partial void CompilerServerLeftRunning(this ILogger logger, string compilerServer);

    [LoggerMessage(6008, LogLevel.Information, "dotnet watch: stopping for a restart, the analysis in progress {Outcome}, after {ElapsedMs} ms")]
    public static partial void AnalysisStoppedForRestart(this ILogger logger, string outcome, long elapsedMs);

    [LoggerMessage(6009, LogLevel.Warning, "dotnet watch: the handlers' source files could not be saved to {Path} ({Reason}), so deleting, renaming or moving a handler restarts the app instead of being hot reloaded")]
    public static partial void HandlerSourcesNotSaved(this ILogger logger, string path, string reason);

    [LoggerMessage(6012, LogLevel.Debug, "dotnet watch: {Path} was written again with the bytes it had (saved unchanged, or removed and made again); deleting it now restarts the app rather than being hot reloaded, which dotnet watch's hot reload cannot do safely after such a save")]
    public static partial void HandlerSourceRewritten(this ILogger logger, string path);

    [LoggerMessage(6006, LogLevel.Debug, "dotnet watch: the refreshed code names handlers hot reload has not applied yet; the routes follow once it has")]
    public static partial void WaitingForHotReload(this ILogger logger);

    [LoggerMessage(4000, LogLevel.Information, "Execution store: PostgreSQL {Database}, as replica {Replica} (lease {Lease})")]
    public static partial void ReplicaRegistered(this ILogger logger, string database, string replica, TimeSpan lease);

    [LoggerMessage(4001, LogLevel.Warning, "Replica {Replica} could not renew its lease at {Database}; if this lasts past the lease, other replicas take over its work")]
    public static partial void ReplicaLeaseNotRenewed(this ILogger logger, string replica, string database, Exception exception);

    [LoggerMessage(4002, LogLevel.Information, "Replica {Replica} renews its lease again")]
    public static partial void ReplicaLeaseRenewed(this ILogger logger, string replica);

    [LoggerMessage(4003, LogLevel.Warning, "Replica {Replica} let its lease ({Lease}) lapse; other replicas may have taken over its work, which may then run twice (at least once)")]
    public static partial void ReplicaLeaseLapsed(this ILogger logger, string replica, TimeSpan lease);

    [LoggerMessage(4004, LogLevel.Warning, "Replica {Replica} stops its work: {Reason}. Its running handlers are cancelled (RequestAborted) and nothing starts until a renewal of its lease succeeds")]
    public static partial void ReplicaFenced(this ILogger logger, string replica, string reason);

    [LoggerMessage(4005, LogLevel.Information, "Replica {Replica} holds its lease again: queued work starts again")]
    public static partial void ReplicaFenceLifted(this ILogger logger, string replica);

    [LoggerMessage(4006, LogLevel.Warning, "The SQLite store {Path} is in {Folder}, which configuration watches with every folder below it for a file it reloads on change (appsettings.json): every commit of the store wakes that watch, and the store accepts fewer background requests a second. Set ApiRoutes:Store:Path to a file outside {Folder}, or turn reloading off (hostBuilder:reloadConfigOnChange=false)")]
    public static partial void StoreInWatchedFolder(this ILogger logger, string path, string folder);

    [LoggerMessage(4007, LogLevel.Warning, "The SQLite store {Path} is on a file system held in memory ({FileSystem}): the executions it holds, each answered 202, are lost when the machine restarts. Set ApiRoutes:Store:Path to a file on a disk (in a container, on a mounted volume)")]
    public static partial void StoreHeldInMemory(this ILogger logger, string path, string fileSystem);

    [LoggerMessage(4008, LogLevel.Warning, "The SQLite store {Path} is open to users other than this app's ({Found}): its files hold the body and headers of every accepted request, and what is written there runs as this app. Make it this user's only: {Remedy}")]
    public static partial void StoreOpenToOthers(this ILogger logger, string path, string found, string remedy);

    [LoggerMessage(4009, LogLevel.Warning, "Replica {Replica}'s clock is {Difference} {Direction} the database's at {Database} (read to within {Uncertainty}). Leases follow the database's clock, but schedules and retry delays each replica's own: a scheduled run this replica claims starts that much {EarlyOrLate}, and a retry it schedules waits that much more or less where another replica takes it over. Synchronise the machines' clocks (NTP: chrony, systemd-timesyncd); when every replica says so, the database's is the one off")]
    public static partial void ReplicaClockSkewed(this ILogger logger, string replica, string difference, string direction, string database, string uncertainty, string earlyOrLate);

    [LoggerMessage(4011, LogLevel.Warning, "{Key} is set, but {Chosen}: it is not used; {What}")]
    public static partial void StoreSettingUnused(this ILogger logger, string key, string chosen, string what);

    [LoggerMessage(4012, LogLevel.Warning, "The SQLite store file '{Path}' {What}, which the store of this app ({Provider}) does not run: start the app once with ApiRoutes:Store:Provider=Sqlite (and that file) to finish it, or move the file aside")]
    public static partial void StoreLeftBehind(this ILogger logger, string path, string what, string provider);

    [LoggerMessage(4010, LogLevel.Information, "Replica {Replica}'s clock agrees with the database's again (within {Difference})")]
    public static partial void ReplicaClockAgrees(this ILogger logger, string replica, string difference);
}
