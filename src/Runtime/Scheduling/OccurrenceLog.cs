using ApiRoutes.Diagnostics;
using ApiRoutes.Storage;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Scheduling;

/// <summary>
/// The record of every occurrence of every schedule and what became of it (ran, skipped, paused, claimed elsewhere,
/// missed, refused), kept in the execution store for as long as executions: so "why didn't it run at 03:00?" has an
/// answer. Writes are not awaited (a schedule never waits for its record); one that fails is logged.
/// </summary>
internal sealed class OccurrenceLog(IExecutionStore store, TimeProvider time, ApiRoutesMetrics metrics, ILoggerFactory loggerFactory)
{
    /// <summary>
    /// At most this many missed occurrences are recorded at once (the latest): per schedule at start-up (no instance was
    /// up), and per late wake of the scheduler; the metric and the log line count them all.
    /// </summary>
    public const int MaxRecordedMisses = 100;

    private readonly ILogger _logger = loggerFactory.CreateLogger(Log.Category);

    public void Record(string route, DateTimeOffset occurrence, OccurrenceOutcome outcome, string? executionId = null, string? detail = null)
    {
        Task write;
        try
        {
            write = store.RecordOccurrenceAsync(
                new OccurrenceRecord { Route = route, Occurrence = occurrence, Outcome = outcome, ExecutionId = executionId, Detail = detail, RecordedAt = time.GetUtcNow() },
                CancellationToken.None);
        }
        catch (ExecutionStoreUnavailableException e)
        {
            write = Task.FromException(e);
        }

        if (!write.IsCompletedSuccessfully)
        {
            write.ContinueWith(
                failed => _logger.OccurrenceNotRecorded(route, occurrence, OccurrenceRecord.Name(outcome), failed.Exception!.InnerException!),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted,
                TaskScheduler.Default);
        }
    }

    /// <summary>
    /// Occurrences that were not run (<paramref name="missed"/>): counted, logged, and the latest
    /// <see cref="MaxRecordedMisses"/> recorded. They came while no instance was up; or, with <paramref name="takenUp"/>,
    /// while the scheduler was late, before that occurrence, which it took up in their place.
    /// </summary>
    public void Missed(string route, MissedOccurrences missed, DateTimeOffset? takenUp = null, bool jumped = false)
    {
        if (missed.Count == 0)
        {
            return;
        }

        metrics.OccurrencesMissed(route, missed.Count);
        var recorded = missed.Latest.TakeLast(MaxRecordedMisses).ToList();
        string? detail = null;
        if (jumped)
        {
            _logger.ScheduleJumped(route, missed.Count, missed.First, missed.Latest[^1], recorded.Count,
                takenUp is { } current ? $"the occurrence of that minute, {current:O}, is taken up" : "the schedule goes on with its next occurrence");
            detail = "Came due while the scheduler was late by more than 3 hours (a clock that jumped ahead, a machine that slept, a process stopped); not run late, as crontab after such a jump runs only the jobs of the minute it finds.";
        }
        else if (takenUp is { } instead)
        {
            _logger.ScheduleLate(route, missed.Count, missed.First, missed.Latest[^1], recorded.Count, instead);
            detail = $"Came due while the scheduler was late (a start before it that outlasted the schedule's period, a paused process or machine, or a clock that jumped ahead); not run late: {ScheduledRequest.Format(instead)} was taken up in its place (its own record says whether it ran).";
        }
        else
        {
            _logger.ScheduleMissed(route, missed.Count, missed.First, missed.Latest[^1], recorded.Count);
        }

        foreach (var occurrence in recorded)
        {
            Record(route, occurrence, OccurrenceOutcome.Missed, detail: detail);
        }
    }

    /// <summary>
    /// An occurrence claimed with no run written (review 32b F4): logged (3028; with replicas, whose claimant stopped,
    /// 3029), counted as missed, and recorded missed with why. Not run late: the claim stands.
    /// </summary>
    public void ClaimNeverRun(ClaimNeverRun claim)
    {
        string detail;
        if (claim.Replica is { } replica)
        {
            _logger.ReplicaClaimNeverRun(claim.Route, claim.Occurrence, replica, claim.ClaimedAt);
            detail = $"Claimed at {claim.ClaimedAt:O} by replica {replica}, which stopped (or let its lease lapse) before it wrote a run of it. Not run late.";
        }
        else
        {
            _logger.ClaimNeverRun(claim.Route, claim.Occurrence, claim.ClaimedAt);
            detail = $"Claimed at {claim.ClaimedAt:O}, and no run of it was written: the process stopped (killed, or crashed) in the moment between, or the store could not be written then (the run may have gone ahead unrecorded). Not run late.";
        }

        metrics.OccurrencesMissed(claim.Route, 1);
        Record(claim.Route, claim.Occurrence, OccurrenceOutcome.Missed, detail: detail);
    }

    /// <summary>The records <paramref name="query"/> selects, newest first; what the store says, with the status of each run.</summary>
    /// <exception cref="ExecutionStoreUnavailableException">The store cannot be read.</exception>
    public Task<IReadOnlyList<OccurrenceRecord>> ReadAsync(OccurrenceQuery query, CancellationToken cancellationToken) =>
        store.GetOccurrencesAsync(query, cancellationToken);
}
