using ApiRoutes.Diagnostics;
using ApiRoutes.Storage;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Scheduling;

/// <summary>
/// The record of every occurrence of every schedule and what became of it (ran, skipped, paused, claimed elsewhere,
/// missed, refused), kept in the execution store for as long as executions: so "why didn't it run at 03:00?" has an
/// answer. Writes are not awaited (a schedule never waits for its record). One the store cannot take for the store's
/// sake (a full disk, a database away) is kept and written again every <see cref="RetryDelay"/> until it lands, as the
/// store keeps a change of an execution's state (review 37b F2: the records of a full disk's hour were dropped for good,
/// the "missed" record of a run the crash cut among them); one refused for its data, one more than
/// <see cref="MaxKept"/> waiting, or one still waiting when the app stops, is dropped and logged.
/// </summary>
internal sealed class OccurrenceLog : IAsyncDisposable
{
    /// <summary>
    /// At most this many missed occurrences are recorded at once (the latest): per schedule at start-up (no instance was
    /// up), and per late wake of the scheduler; the metric and the log line count them all.
    /// </summary>
    public const int MaxRecordedMisses = 100;

    /// <summary>
    /// At most this many records wait for a store that cannot be written (the latest: an older one is dropped for a new
    /// one); an every-minute schedule's 16 hours.
    /// </summary>
    public const int MaxKept = 1_000;

    /// <summary>How long kept records wait before they are written again.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);

    private readonly IExecutionStore _store;
    private readonly TimeProvider _time;
    private readonly ApiRoutesMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ITimer _retry;

    // Records the store could not take, oldest first, one per (route, occurrence, outcome) as the store keeps them.
    private readonly OrderedDictionary<(string Route, DateTimeOffset Occurrence, OccurrenceOutcome Outcome), OccurrenceRecord> _kept = [];
    // Those a round of the retry writes again, until each has landed or is kept again (under _kept).
    private readonly HashSet<(string Route, DateTimeOffset Occurrence, OccurrenceOutcome Outcome)> _rewriting = [];
    private bool _retrying;   // the retry is armed, or a round of it runs (under _kept)
    private bool _closed;   // the app stops: what fails now is dropped (under _kept)

    public OccurrenceLog(IExecutionStore store, TimeProvider time, ApiRoutesMetrics metrics, ILoggerFactory loggerFactory)
    {
        _store = store;
        _time = time;
        _metrics = metrics;
        _logger = loggerFactory.CreateLogger(Log.Category);
        _retry = time.CreateTimer(static log => _ = ((OccurrenceLog)log!).RetryAsync(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public void Record(string route, DateTimeOffset occurrence, OccurrenceOutcome outcome, string? executionId = null, string? detail = null) =>
        _ = WriteAsync(new OccurrenceRecord { Route = route, Occurrence = occurrence, Outcome = outcome, ExecutionId = executionId, Detail = detail, RecordedAt = _time.GetUtcNow() }, retried: false);

    // Writes a record; true once written. One that fails is kept (logged the first time) or dropped (logged).
    private Task<bool> WriteAsync(OccurrenceRecord record, bool retried)
    {
        Task write;
        try
        {
            write = _store.RecordOccurrenceAsync(record, CancellationToken.None);
        }
#pragma warning disable CA1031 // A record never stops what it records (a run, a start-up), nor the records retried with it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            write = Task.FromException(e);
        }

        return write.IsCompletedSuccessfully
            ? Task.FromResult(true)
            : write.ContinueWith(
                (done, state) =>
                {
                    var (log, record, retried) = ((OccurrenceLog, OccurrenceRecord, bool))state!;
                    if (done.Exception?.InnerException is not { } e)
                    {
                        return true;
                    }

                    log.Failed(record, e, retried);
                    return false;
                },
                (this, record, retried),
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
    }

    private void Failed(OccurrenceRecord record, Exception e, bool retried)
    {
        var outcome = OccurrenceRecord.Name(record.Outcome);
        if (e is not ExecutionStoreUnavailableException { RefusedForData: false })
        {
            // Its data (or a fault of the store itself): the same write would fail again.
            _logger.OccurrenceRecordDropped(record.Route, record.Occurrence, outcome, "the store refused it", e);
            return;
        }

        OccurrenceRecord? dropped = null;
        bool closed, arm = false;
        lock (_kept)
        {
            closed = _closed;
            if (!closed && _kept.TryAdd(Key(record), record))
            {
                if (_kept.Count > MaxKept)
                {
                    dropped = _kept.GetAt(0).Value;
                    _kept.RemoveAt(0);
                }

                arm = !_retrying;
                _retrying = true;
            }
        }

        if (arm)
        {
            Arm();
        }

        if (closed)
        {
            _logger.OccurrenceRecordDropped(record.Route, record.Occurrence, outcome, "the app stopped before the store could be written again", e);
            return;
        }

        if (!retried)
        {
            _logger.OccurrenceNotRecorded(record.Route, record.Occurrence, outcome, e);
        }

        if (dropped is not null)
        {
            _logger.OccurrenceRecordDropped(dropped.Route, dropped.Occurrence, OccurrenceRecord.Name(dropped.Outcome), $"more than {MaxKept} records were waiting for the store", null);
        }
    }

    // A round of the retry: every kept record written again, together; those that fail again are kept for the next.
    private async Task RetryAsync()
    {
        OccurrenceRecord[] due;
        lock (_kept)
        {
            if (_closed)
            {
                return;
            }

            due = [.. _kept.Values];
            _rewriting.UnionWith(_kept.Keys);
            _kept.Clear();
        }

        try
        {
            await WriteAgainAsync(due);
        }
        finally
        {
            bool arm;
            lock (_kept)
            {
                _rewriting.ExceptWith(due.Select(Key));
                arm = _retrying = _kept.Count > 0 && !_closed;
            }

            if (arm)
            {
                Arm();
            }
        }
    }

    // Not under the lock: a test clock may hold its own while it runs the retry, which takes the lock.
    private void Arm()
    {
        try
        {
            _retry.Change(RetryDelay, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // The app stopped meanwhile: the stop wrote or dropped what was kept.
        }
    }

    /// <summary>
    /// At the stop (the scheduler and the endpoints stopped, the store not closed yet): the kept records are written once
    /// more; what fails then is dropped and logged, as the store drops the changes it kept.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        OccurrenceRecord[] left;
        lock (_kept)
        {
            _closed = true;
            left = [.. _kept.Values];
            _kept.Clear();
        }

        await _retry.DisposeAsync();
        await WriteAgainAsync(left);
    }

    // Kept records written again, together: how many landed is said; each that failed again is kept or dropped (Failed).
    private async Task WriteAgainAsync(OccurrenceRecord[] records)
    {
        var written = (await Task.WhenAll(records.Select(record => WriteAsync(record, retried: true)))).Count(done => done);
        if (written > 0)
        {
            _logger.OccurrencesRecordedLate(written);
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

        _metrics.OccurrencesMissed(route, missed.Count);
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
    /// An occurrence claimed with no run written (review 32b F4): logged (3028; with replicas, whose claimant stopped, or
    /// lives and wrote no run of it within <see cref="IReplicaCoordination.ClaimWithoutRunLimit"/>, 3029), counted as
    /// missed, and recorded missed with why. Not run late: the claim stands.
    /// </summary>
    public void ClaimNeverRun(ClaimNeverRun claim)
    {
        string detail;
        if (claim.Replica is { } replica)
        {
            // A live claimant's: its claim landed, its answer was lost, and every try to ask it again failed (review 38a F2).
            var why = claim.ClaimantLive
                ? $"which lives on and wrote no run of it within {(int)IReplicaCoordination.ClaimWithoutRunLimit.TotalMinutes} minutes (its claim landed while the store's answer to it was lost)"
                : "which stopped (or let its lease lapse) before it wrote a run of it";
            _logger.ReplicaClaimNeverRun(claim.Route, claim.Occurrence, replica, claim.ClaimedAt, why);
            detail = $"Claimed at {claim.ClaimedAt:O} by replica {replica}, {why}. Not run late.";
        }
        else
        {
            _logger.ClaimNeverRun(claim.Route, claim.Occurrence, claim.ClaimedAt);
            detail = $"Claimed at {claim.ClaimedAt:O}, and no run of it was written: the process stopped (killed, or crashed) in the moment between, or the store could not be written then (the run may have gone ahead unrecorded). Not run late.";
        }

        _metrics.OccurrencesMissed(claim.Route, 1);
        Record(claim.Route, claim.Occurrence, OccurrenceOutcome.Missed, detail: detail);
    }

    /// <summary>
    /// An occurrence claimed whose record was never written, the process stopped before it, found at the next start or by
    /// another replica's take-over: one whose run was written is recorded ran, with its run (whose own record says how it
    /// ended; review 44b F2); one claimed as skipped, skipped, with the run that still went (review 48A F1: only the
    /// claim said so, and no list showed it); one a take-over closed whose answer was lost, missed (review 45a F2). The
    /// store keeps one record per (route, occurrence, outcome), so two starts or two replicas that find it record it once.
    /// </summary>
    public void Unrecorded(ClaimRunUnrecorded claim)
    {
        // This replica's own record of it waits for the store (event 3013: an outage of 15 minutes or more) and lands at
        // the next retry, with its own words; one written here before that retry (the take-over runs every half lease,
        // the retry every 5 s) said it was dropped (event 3031, never logged), and the store kept that one (review 49C
        // F1). If the kept one is dropped after all, the next take-over finds the claim again.
        if (claim is { Closed: null, Claimant: ClaimantState.Own } && IsKept(claim.Route, claim.Occurrence, claim.Skipped ? OccurrenceOutcome.Skipped : OccurrenceOutcome.Ran))
        {
            return;
        }

        if (claim.Closed is { } closed)
        {
            ClaimNeverRun(closed);
        }
        else if (claim.Skipped)
        {
            Record(claim.Route, claim.Occurrence, OccurrenceOutcome.Skipped, claim.ExecutionId, claim.Replica is { } replica
                ? $"The previous run was still going. {ByReplica(replica, claim.Claimant, "skipped it")}"
                : "The previous run was still going. Recorded at the next start: the process stopped (killed, or crashed) after it claimed the occurrence as skipped and before this record was written.");
        }
        else
        {
            Record(claim.Route, claim.Occurrence, OccurrenceOutcome.Ran, claim.ExecutionId, claim.Replica is { } replica
                ? ByReplica(replica, claim.Claimant, "claimed it and wrote its run")
                : "Recorded at the next start: the process stopped (killed, or crashed) after its run was written and before this record was.");
        }
    }

    // Kept, or being written again by a round of the retry (review 49C F1's window: the take-over then wrote first).
    private bool IsKept(string route, DateTimeOffset occurrence, OccurrenceOutcome outcome)
    {
        lock (_kept)
        {
            return _kept.ContainsKey((route, occurrence, outcome)) || _rewriting.Contains((route, occurrence, outcome));
        }
    }

    private static (string Route, DateTimeOffset Occurrence, OccurrenceOutcome Outcome) Key(OccurrenceRecord record) =>
        (record.Route, record.Occurrence, record.Outcome);

    // Who recorded it, for whom, and why that one did not. A live claimant's record may also have waited for the store
    // (an outage of 15 minutes or more, its lease renewed before its next retry): not only dropped (review 49C F3). One
    // gone may have lived on after its run (a claim 15 minutes old) or may still live, cut off from the store: not only
    // "in the moment between" its run and its record (review 49C F6).
    private static string ByReplica(string replica, ClaimantState claimant, string what) => claimant switch
    {
        ClaimantState.Own => $"Recorded later by replica {replica} itself, which {what}: its first record of it was dropped (its event 3031 says why).",
        ClaimantState.Live => $"Recorded by another replica: replica {replica}, which {what}, wrote no record of it in {(int)IReplicaCoordination.ClaimWithoutRunLimit.TotalMinutes} minutes (dropped: its event 3031 says why; or kept while the store could not be written, its event 3013, and written after this one).",
        _ => $"Recorded by another replica: replica {replica}, which {what}, wrote no record of it (it stopped, or let its lease lapse, before it wrote one).",
    };

    /// <summary>The records <paramref name="query"/> selects, newest first; what the store says, with the status of each run.</summary>
    /// <exception cref="ExecutionStoreUnavailableException">The store cannot be read.</exception>
    public Task<IReadOnlyList<OccurrenceRecord>> ReadAsync(OccurrenceQuery query, CancellationToken cancellationToken) =>
        _store.GetOccurrencesAsync(query, cancellationToken);
}
