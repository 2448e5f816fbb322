using Microsoft.Extensions.Logging;

namespace ApiRoutes.Diagnostics;

/// <summary>The log events of schedules: registered, fired, skipped, missed, paused (events 3xxx), in the category <see cref="Log.Category"/>.</summary>
internal static partial class ScheduleLog
{
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

    [LoggerMessage(3007, LogLevel.Warning, "External schedule trigger refused with {StatusCode}: {Reason} ({Unlogged} more refused since the last such line; at most one a second is written)")]
    public static partial void ExternalTriggerRefused(this ILogger logger, int statusCode, string reason, int unlogged);

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

    [LoggerMessage(3010, LogLevel.Debug, "Schedule {Route} at {Occurrence:O} was claimed already, by another replica or process or before a restart; it is not run here")]
    public static partial void ScheduleClaimedElsewhere(this ILogger logger, string route, DateTimeOffset occurrence);

    [LoggerMessage(3011, LogLevel.Error, "Schedule {Route} skipped the run at {Occurrence:O}: the store could not be written to claim it ({Tried}), and running it unclaimed could run it twice")]
    public static partial void ScheduleNotClaimed(this ILogger logger, string route, DateTimeOffset occurrence, string tried, Exception? exception);

    [LoggerMessage(3033, LogLevel.Warning, "Schedule {Route}: the store cannot be written to claim the occurrence {Occurrence:O}; the claim is asked again, with the same execution id, until {Until:O} (a claim that landed while its answer was lost is found as this replica's)")]
    public static partial void ScheduleClaimAskedAgain(this ILogger logger, string route, DateTimeOffset occurrence, DateTimeOffset until, Exception exception);

    [LoggerMessage(3034, LogLevel.Debug, "Schedule {Route}: the claim of the occurrence {Occurrence:O} is asked again at {At:O}")]
    public static partial void ScheduleClaimWaiting(this ILogger logger, string route, DateTimeOffset occurrence, DateTimeOffset at);

    [LoggerMessage(3035, LogLevel.Information, "Schedule {Route}: the occurrence {Occurrence:O} is claimed at {ClaimedAt:O}, once the store could be written again; it runs late by the store's outage")]
    public static partial void ScheduleClaimedLate(this ILogger logger, string route, DateTimeOffset occurrence, DateTimeOffset claimedAt);

    [LoggerMessage(3036, LogLevel.Warning, "Schedule {Route}: this replica's claim of the occurrence {Occurrence:O}, asked again, was closed as missed by another replica while this replica's lease had lapsed; it is not run")]
    public static partial void ScheduleClaimClosed(this ILogger logger, string route, DateTimeOffset occurrence);

    [LoggerMessage(3012, LogLevel.Warning, "Schedule {Route} missed {Count} occurrence(s) while no instance was up, from {First:O} to {Last:O}; the latest {Recorded} are recorded as missed")]
    public static partial void ScheduleMissed(this ILogger logger, string route, int count, DateTimeOffset first, DateTimeOffset last, int recorded);

    [LoggerMessage(3020, LogLevel.Warning, "Schedule {Route} was late: {Count} occurrence(s) from {First:O} to {Last:O} came due before it could run them (a start before them that outlasted the schedule's period, a paused process or machine, or a clock that jumped ahead); they are not run late, the latest {Recorded} are recorded as missed, and the latest due, {Occurrence:O}, is taken up in their place")]
    public static partial void ScheduleLate(this ILogger logger, string route, int count, DateTimeOffset first, DateTimeOffset last, int recorded, DateTimeOffset occurrence);

    [LoggerMessage(3026, LogLevel.Warning, "Schedule {Route} was late by more than 3 hours (a clock that jumped ahead, a machine that slept, a process stopped): {Count} occurrence(s) from {First:O} to {Last:O} came due before it could run them; as crontab after such a jump runs only the jobs of the minute it finds, none of them is run late, the latest {Recorded} are recorded as missed, and {Then}")]
    public static partial void ScheduleJumped(this ILogger logger, string route, int count, DateTimeOffset first, DateTimeOffset last, int recorded, string then);

    [LoggerMessage(3021, LogLevel.Warning, "Schedule {Route}: the clock was stepped back by hours, to {Now:O}, behind where it was last seen or the occurrence handled last ({Last:O}): the clock was set ahead before and has been put right; the schedule goes on from the new time, and the {Released} occurrence(s) after it this process claimed while the clock was ahead are released, to run when they come")]
    public static partial void ClockSteppedBack(this ILogger logger, string route, DateTimeOffset last, DateTimeOffset now, int released);

    [LoggerMessage(3030, LogLevel.Warning, "Schedule {Route}: the clock was stepped back by hours, to {Now:O}, and the occurrences after it this process claimed while the clock was ahead could not be released; they are refused as claimed (claimed_elsewhere) when they come")]
    public static partial void ClaimsNotReleased(this ILogger logger, string route, DateTimeOffset now, Exception exception);

    [LoggerMessage(3013, LogLevel.Warning, "The execution store could not record that the occurrence {Occurrence:O} of {Route} was {Outcome}; the record is kept and written when the store can be written again")]
    public static partial void OccurrenceNotRecorded(this ILogger logger, string route, DateTimeOffset occurrence, string outcome, Exception exception);

    [LoggerMessage(3031, LogLevel.Error, "The record that the occurrence {Occurrence:O} of {Route} was {Outcome} is dropped, not written: {Reason}")]
    public static partial void OccurrenceRecordDropped(this ILogger logger, string route, DateTimeOffset occurrence, string outcome, string reason, Exception? exception);

    [LoggerMessage(3032, LogLevel.Information, "{Count} occurrence record(s) kept while the execution store could not be written are written now")]
    public static partial void OccurrencesRecordedLate(this ILogger logger, int count);

    [LoggerMessage(3014, LogLevel.Information, "Schedule {Route} paused from the dashboard {Until}")]
    public static partial void SchedulePausedFromDashboard(this ILogger logger, string route, string until);

    [LoggerMessage(3015, LogLevel.Information, "Schedule {Route} resumed from the dashboard")]
    public static partial void ScheduleResumedFromDashboard(this ILogger logger, string route);

    [LoggerMessage(3019, LogLevel.Warning, "The schedules' pauses cannot be read from the execution store; the ones this process knew are used until it can")]
    public static partial void PausesUnreadable(this ILogger logger, Exception exception);

    [LoggerMessage(3018, LogLevel.Warning, "Schedule {Route}: the store records a run of {LastRun:O}, ahead of this instance's clock: written while a clock was ahead (this one's, or another replica's), or a damaged row. The occurrences missed while no instance was up are counted from the last run recorded before now; check the clocks")]
    public static partial void LastRunInTheFuture(this ILogger logger, string route, DateTimeOffset lastRun);

    [LoggerMessage(3025, LogLevel.Information, "Schedule {Route} was served as {Before} before this start, and is now {Schedule}: {Outcome}")]
    public static partial void ScheduleChanged(this ILogger logger, string route, string before, string schedule, string outcome);

    [LoggerMessage(3017, LogLevel.Error, "Schedule {Route}: the run of {Occurrence:O} could not be started; the schedule goes on with its next occurrence")]
    public static partial void ScheduledStartFailed(this ILogger logger, string route, DateTimeOffset occurrence, Exception exception);

    [LoggerMessage(3027, LogLevel.Warning, "Schedule {Route}: the execution store could not record that this start serves it as {Schedule}; what came while no instance was up was counted, and the next start judges what came before it by what the store holds then")]
    public static partial void ServedScheduleNotRecorded(this ILogger logger, string route, string schedule, Exception exception);

    [LoggerMessage(3028, LogLevel.Warning, "Schedule {Route}: the occurrence {Occurrence:O} was claimed at {ClaimedAt:O}, and no run of it was written: the process stopped (killed, or crashed) in the moment between, or the store could not be written then (the run may have gone ahead unrecorded); it is recorded missed, and not run late")]
    public static partial void ClaimNeverRun(this ILogger logger, string route, DateTimeOffset occurrence, DateTimeOffset claimedAt);

    [LoggerMessage(3029, LogLevel.Warning, "Schedule {Route}: the occurrence {Occurrence:O} was claimed by replica {Replica} at {ClaimedAt:O}, {Why}; it is recorded missed, and not run late (the replica, if it comes back, does not run it either)")]
    public static partial void ReplicaClaimNeverRun(this ILogger logger, string route, DateTimeOffset occurrence, string replica, DateTimeOffset claimedAt, string why);

    [LoggerMessage(3016, LogLevel.Warning, "Schedule {Route}: the execution store cannot be read (or holds what is not a schedule's record), so the occurrences missed while no instance was up are not known (nor caught up)")]
    public static partial void StoreReadFailed(this ILogger logger, string route, Exception exception);
}
