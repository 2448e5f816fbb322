using ApiRoutes.Execution;

namespace ApiRoutes.Storage;

/// <summary>
/// Where executions are kept: a background request is stored before its 202 is sent, every change of state after
/// it, so that work accepted before a crash or a deploy is run again on restart (at least once), and so that "what
/// ran, when, how did it end" survives the process. Only persistence: coordination between replicas that share a
/// store is <see cref="IReplicaCoordination"/>, which only a store able to coordinate implements. Every store passes
/// the same contract tests (<c>ExecutionStoreContract</c>).
/// </summary>
internal interface IExecutionStore
{
    /// <summary>
    /// Whether executions survive the process. Read once, where it decides something: what becomes of work cut by
    /// shutdown (left for the next start, or recorded as failed), and whether a replayed trigger can be told.
    /// </summary>
    bool IsDurable { get; }

    /// <summary>
    /// Stores a newly accepted execution with the request it runs with (none for a scheduled run, which is not
    /// repeated); completes only once it is durable.
    /// </summary>
    /// <exception cref="ExecutionStoreUnavailableException">The store cannot take it now.</exception>
    Task AddAsync(ExecutionRecord record, RequestSnapshot? request, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a newly accepted background execution under an idempotency key, once per (route, key): when an execution
    /// of the route was accepted with that key before and the store still keeps it, nothing is stored and the answer is
    /// that execution, with whether its request had the same fingerprint. Adds of one key at once store one execution,
    /// also from replicas that share the store. Completes only once durable (or answered).
    /// </summary>
    /// <exception cref="ExecutionStoreUnavailableException">The store cannot take it now.</exception>
    Task<KeyedAdd> AddOnceAsync(ExecutionRecord record, RequestSnapshot request, IdempotencyKey key, CancellationToken cancellationToken);

    /// <summary>
    /// The execution of <paramref name="route"/> accepted under <paramref name="key"/> that the store still keeps, with
    /// whether its request had the same fingerprint; null when there is none (then an add with the key would store).
    /// </summary>
    /// <exception cref="ExecutionStoreUnavailableException">The store cannot be read now.</exception>
    Task<KeyedAdd?> FindKeyAsync(string route, IdempotencyKey key, CancellationToken cancellationToken);

    /// <summary>Records a change of state; durable soon after (in the next group commit).</summary>
    /// <exception cref="ExecutionStoreUnavailableException">The store cannot be written (the change may be kept, as the message says).</exception>
    Task UpdateAsync(ExecutionRecord record, CancellationToken cancellationToken);

    /// <summary>One execution, or null when the store has none (or its row cannot be read).</summary>
    Task<ExecutionRecord?> FindAsync(string id, CancellationToken cancellationToken);

    /// <summary>The newest executions, newest first (then by id); rows that cannot be read are left out.</summary>
    Task<IReadOnlyList<ExecutionRecord>> GetRecentAsync(int limit, CancellationToken cancellationToken) =>
        QueryAsync(new ExecutionQuery { Limit = limit }, cancellationToken);

    /// <summary>
    /// The executions <paramref name="query"/> selects, newest first (then by id), filtered by the store;
    /// rows that cannot be read are left out. A list may leave out each one's <see cref="ExecutionRecord.EarlierAttempts"/>
    /// (the durable stores do): <see cref="FindAsync"/> has them.
    /// </summary>
    Task<IReadOnlyList<ExecutionRecord>> QueryAsync(ExecutionQuery query, CancellationToken cancellationToken);

    /// <summary>
    /// The request a finished background execution ran with, to replay it; null when the store no longer keeps it (a
    /// scheduled run has none; the in-memory store keeps those of the latest failed executions only).
    /// </summary>
    Task<RequestSnapshot?> GetRequestAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Unfinished executions (queued or running), oldest first, with their requests; a row that cannot be read comes
    /// back marked <see cref="StoredExecution.Unreadable"/>, and never stops the reading of the others. With
    /// <paramref name="runnableAt"/>, those that can run then come first, oldest first, and retries still waiting out
    /// their delay (<see cref="UnfinishedOrder.Waits"/>) after them, soonest due first: start-up recovery's page is not
    /// filled by retries it has no room for while work that could run now is behind them (review 41c R3), and the retry
    /// due first is in it (review 42b F2).
    /// </summary>
    Task<IReadOnlyList<StoredExecution>> GetUnfinishedAsync(int limit, DateTimeOffset? runnableAt, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes executions that finished before <paramref name="before"/>, schedule claims made before it but each
    /// schedule's latest, and records of occurrences before it but each schedule's latest that is not a refusal (the
    /// start-up counts missed occurrences from it); returns how many executions.
    /// </summary>
    Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken);

    /// <summary>
    /// Claims one occurrence of a schedule for execution <paramref name="executionId"/>, and remembers it as the
    /// schedule's latest run (for catch-up after downtime). Claimed once per (route, occurrence), whoever asks, and
    /// with a durable store also after a restart (a replayed trigger). With a store shared by replicas, not claimed
    /// either while a run of the schedule still goes on another live replica (<see cref="OccurrenceClaim.RunningElsewhere"/>).
    /// Never claimed while the schedule is paused at the store's clock, nor for an occurrence that came while a pause
    /// held (<see cref="OccurrenceClaim.Paused"/>, <see cref="SchedulePauseHistory.Skipping"/>): the pause
    /// and the claim are one decision of the store, so a pause stored before the claim holds, on every replica, even
    /// when the caller's view of the pauses was read before it.
    /// </summary>
    /// <exception cref="ExecutionStoreUnavailableException">The store cannot be reached.</exception>
    Task<OccurrenceClaim> ClaimOccurrenceAsync(string route, DateTimeOffset occurrence, string executionId, CancellationToken cancellationToken);

    /// <summary>
    /// Claims one occurrence of a schedule as skipped, because <paramref name="runningId"/>, a run of the schedule, still
    /// went when it came: a claim of the occurrence after it is refused with <see cref="OccurrenceClaim.SkippedFor"/>, so
    /// a skip is final also before its record (written apart, not awaited) has landed, and across replicas (review 47C F1:
    /// a trigger sent again meanwhile ran it late). The claim holds <paramref name="runningId"/> as its execution and is
    /// marked skipped: never taken for a run that did not start (<see cref="GetClaimsNeverRunAsync"/>, the take-overs),
    /// nor for the run of the occurrence; found, while no record of the occurrence is there, as a skip unrecorded
    /// (<see cref="GetClaimsRunUnrecordedAsync"/>, <see cref="ClaimRunUnrecorded.Skipped"/>). <see cref="OccurrenceClaim.Claimed"/> when the skip took the claim; else the
    /// claim that holds it (skipped before, or claimed by a run). Released as a claim is (<see cref="ReleaseClaimsAsync"/>,
    /// named with <paramref name="runningId"/>).
    /// </summary>
    /// <exception cref="ExecutionStoreUnavailableException">The store cannot be reached.</exception>
    Task<OccurrenceClaim> SkipOccurrenceAsync(string route, DateTimeOffset occurrence, string runningId, CancellationToken cancellationToken);

    /// <summary>
    /// Releases claims this process made of occurrences of <paramref name="route"/>, each named with the execution that
    /// claimed it: the occurrence can be claimed again. A claim of it by another execution (another replica's, an
    /// external trigger's) stays; the executions and the records of the occurrences stay (history). The scheduler
    /// releases so the claims it made while the clock was ahead by hours, once the clock is put right (event 3021,
    /// review 35b F2): those occurrences had not come, and run when they do.
    /// </summary>
    /// <exception cref="ExecutionStoreUnavailableException">The store cannot be written.</exception>
    Task ReleaseClaimsAsync(string route, IReadOnlyCollection<OccurrenceClaimed> claims, CancellationToken cancellationToken);

    /// <summary>
    /// The latest occurrence the schedule was claimed for, and the latest at or before <paramref name="now"/> (a claim
    /// ahead of it was written while a clock was ahead, or by a replica a moment ahead); nulls when it never was.
    /// </summary>
    Task<LastClaims> GetLastOccurrenceAsync(string route, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Occurrences claimed between <paramref name="since"/> and <paramref name="before"/> (the start of this process,
    /// alone with its store) whose run was never written and that no record says anything of: the process that claimed
    /// them stopped in the moment between the claim and the run's row (review 32b F4). At most 1,000. A store whose
    /// claims do not outlive the process has none; with replicas, the claims of one gone are another's take-over's
    /// (<see cref="IReplicaCoordination.CloseClaimsNeverRunAsync"/>).
    /// </summary>
    /// <exception cref="ExecutionStoreUnavailableException">The store cannot be read.</exception>
    Task<IReadOnlyList<ClaimNeverRun>> GetClaimsNeverRunAsync(DateTimeOffset since, DateTimeOffset before, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ClaimNeverRun>>([]);

    /// <summary>
    /// Occurrences claimed between <paramref name="since"/> and <paramref name="before"/> (the start of this process,
    /// alone with its store) whose run was written and that no record says anything of: the process that claimed them
    /// stopped between the run's row and the occurrence's record, which is written apart (review 44b F2). Also those
    /// claimed as skipped (<see cref="SkipOccurrenceAsync"/>) that no record says anything of, whether the run the skip
    /// names was written or not: the process stopped between the skip's claim and its record (<see cref="ClaimRunUnrecorded.Skipped"/>,
    /// review 48A F1). At most 1,000. A store whose claims do not outlive the process has none.
    /// </summary>
    /// <exception cref="ExecutionStoreUnavailableException">The store cannot be read.</exception>
    Task<IReadOnlyList<ClaimRunUnrecorded>> GetClaimsRunUnrecordedAsync(DateTimeOffset since, DateTimeOffset before, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ClaimRunUnrecorded>>([]);

    /// <summary>
    /// What the store says is served of <paramref name="route"/>: the schedule and since which start; nothing known when no
    /// start said it (a new schedule, or a store written by an earlier release). Writes nothing: a start reads it, counts
    /// what came while no instance was up, and only then says what it serves (<see cref="ServeScheduleAsync"/>), so that a
    /// start that fails between the two leaves the count to the next one.
    /// </summary>
    /// <exception cref="ExecutionStoreUnavailableException">The store cannot be read.</exception>
    Task<ServedSchedule> GetServedScheduleAsync(string route, CancellationToken cancellationToken);

    /// <summary>
    /// Says that <paramref name="route"/> is served with <paramref name="schedule"/> (its normalized expression and zone)
    /// from <paramref name="from"/> on, and answers what was served before: the same schedule and since when, a different
    /// one (the schedule is then served as this one from <paramref name="from"/>), or nothing known (no start said it: a
    /// new schedule, or a store written by an earlier release; then this one is served from <paramref name="from"/>).
    /// A "since" later than <paramref name="from"/> (written while a clock was ahead) is answered, and replaced by it.
    /// </summary>
    /// <exception cref="ExecutionStoreUnavailableException">The store cannot be read or written.</exception>
    Task<ServedSchedule> ServeScheduleAsync(string route, string schedule, DateTimeOffset from, CancellationToken cancellationToken);

    /// <summary>
    /// Records what became of one occurrence of a schedule; the same (route, occurrence, outcome) again changes nothing,
    /// so a replayed trigger or a second replica cannot grow the records.
    /// </summary>
    /// <exception cref="ExecutionStoreUnavailableException">The store cannot be written.</exception>
    Task RecordOccurrenceAsync(OccurrenceRecord record, CancellationToken cancellationToken);

    /// <summary>
    /// The occurrence records <paramref name="query"/> selects, newest occurrence first, each with the status of its
    /// execution (when the store still has it).
    /// </summary>
    Task<IReadOnlyList<OccurrenceRecord>> GetOccurrencesAsync(OccurrenceQuery query, CancellationToken cancellationToken);

    /// <summary>
    /// The schedules' pauses from the dashboard: each schedule's latest, and the earlier ones that ended, kept (until
    /// retention) as the record of what came while they held; pauses that ended are included (the reader decides).
    /// </summary>
    /// <exception cref="ExecutionStoreUnavailableException">The store cannot be read.</exception>
    Task<IReadOnlyList<SchedulePause>> GetPausesAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Pauses a schedule: replaces its latest pause when that one began at the same instant (ended by a resume, moved to
    /// another end), and otherwise keeps that one as ended (<see cref="SchedulePause.EndedBy"/>); durable when it completes.
    /// </summary>
    /// <exception cref="ExecutionStoreUnavailableException">The store cannot be written.</exception>
    Task SetPauseAsync(SchedulePause pause, CancellationToken cancellationToken);

    /// <summary>
    /// Resumes a schedule at <paramref name="at"/>: every pause of it kept ends then at the latest — the one holding, and
    /// any stamped ahead of this clock (by a replica whose clock was ahead: review 32c F3) — and stays as the record of
    /// what came before; nothing when none holds after it. Durable when it completes.
    /// </summary>
    /// <exception cref="ExecutionStoreUnavailableException">The store cannot be written.</exception>
    Task EndPausesAsync(string route, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>
    /// Checks that the store can be reached and written now, for the health checks; by default a read. Writes nothing.
    /// </summary>
    /// <exception cref="ExecutionStoreUnavailableException">It cannot, and why.</exception>
    Task ProbeAsync(CancellationToken cancellationToken) => FindAsync("", cancellationToken);
}

/// <summary>An occurrence of a schedule as claimed by one execution (<see cref="IExecutionStore.ReleaseClaimsAsync"/>).</summary>
internal readonly record struct OccurrenceClaimed(DateTimeOffset Occurrence, string ExecutionId);

/// <summary>A schedule's latest claimed occurrence, and its latest claimed at or before a given instant.</summary>
internal readonly record struct LastClaims(DateTimeOffset? Latest, DateTimeOffset? AtOrBefore);

/// <summary>
/// What a store knew was served of a schedule before a start said what it serves: the <see cref="Schedule"/> (null when
/// nothing was known) and <see cref="Since"/> when that one has been served.
/// </summary>
internal readonly record struct ServedSchedule(string? Schedule, DateTimeOffset? Since);

/// <summary>
/// The answer to a claim of a schedule occurrence: <see cref="Claimed"/> (run it here), or not, because it was claimed
/// before, because <see cref="RunningElsewhere"/>, a run of the schedule on another replica, still goes, or because the
/// schedule is <see cref="Paused"/>; <see cref="ClosedAsMissed"/> when the claim is the asking execution's own, asked
/// again, and another replica closed it as missed meanwhile (PostgreSQL; review 38g F3); <see cref="SkippedFor"/>, the run
/// that still went, when the occurrence was skipped before (<see cref="IExecutionStore.SkipOccurrenceAsync"/>, or a claim
/// that met <see cref="RunningElsewhere"/>; review 47C F1).
/// </summary>
internal readonly record struct OccurrenceClaim(bool Claimed, string? RunningElsewhere = null, SchedulePause? Paused = null, bool ClosedAsMissed = false, string? SkippedFor = null);

/// <summary>
/// An execution read back from the store, with the request it needs to run again; or, when its row cannot be read,
/// why (<see cref="Unreadable"/>), with what of its record could be read.
/// </summary>
internal sealed record StoredExecution(ExecutionRecord Record, RequestSnapshot? Request)
{
    public string? Unreadable { get; init; }
}

/// <summary>The store cannot be reached or written now; new background work is refused with 503 until it can.</summary>
internal sealed class ExecutionStoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>
    /// The store refused the write for its data (a text it cannot hold, a constraint), not for its own sake: the same
    /// write fails again however long one waits.
    /// </summary>
    public bool RefusedForData { get; set; }

    /// <summary>
    /// The change was not written because another replica holds the execution now (it took it over when this replica's
    /// lease lapsed): the same change is refused for good, and the other replica's record is the one that stands.
    /// </summary>
    public bool HeldElsewhere { get; init; }

    /// <summary>
    /// The write was sent and what became of it is not known (the answer was lost with the connection): it may have
    /// landed. Without it, a write that failed before it was sent did not.
    /// </summary>
    public bool MayHaveLanded { get; init; }
}

/// <summary>
/// An occurrence claimed at <paramref name="ClaimedAt"/> whose run was never written (<see cref="IExecutionStore.GetClaimsNeverRunAsync"/>);
/// with replicas, the <paramref name="Replica"/> that claimed it (<see cref="IReplicaCoordination.CloseClaimsNeverRunAsync"/>),
/// and whether its lease was still live (<paramref name="ClaimantLive"/>: it claimed and wrote no run within
/// <see cref="IReplicaCoordination.ClaimWithoutRunLimit"/>).
/// </summary>
internal sealed record ClaimNeverRun(string Route, DateTimeOffset Occurrence, DateTimeOffset ClaimedAt, string? Replica = null, bool ClaimantLive = false);

/// <summary>
/// An occurrence claimed whose run, <paramref name="ExecutionId"/>, was written and whose record was not
/// (<see cref="IExecutionStore.GetClaimsRunUnrecordedAsync"/>); with replicas, the <paramref name="Replica"/> that claimed it
/// (<see cref="IReplicaCoordination.GetClaimsRunUnrecordedAsync"/>).
/// </summary>
internal sealed record ClaimRunUnrecorded(string Route, DateTimeOffset Occurrence, string ExecutionId, string? Replica = null)
{
    /// <summary>
    /// With replicas: the occurrence was not run but closed as missed by a take-over whose answer was lost, so that it
    /// wrote no record (review 45a F2); recorded missed, as that take-over would have.
    /// </summary>
    public ClaimNeverRun? Closed { get; init; }

    /// <summary>
    /// The claim is a skip's (<see cref="IExecutionStore.SkipOccurrenceAsync"/>): the occurrence was not run, and
    /// <see cref="ExecutionId"/> is the run that still went when it came, whose row may never have been written; recorded
    /// skipped, as the process that skipped it would have (review 48A F1).
    /// </summary>
    public bool Skipped { get; init; }

    /// <summary>
    /// With replicas: how the claimant stands — this replica itself (its own record was dropped: event 3031), another
    /// that lives on, or one that stopped or let its lease lapse — for the record's words (review 48D F7: a replica's own
    /// claim was said to be another replica's, which had stopped).
    /// </summary>
    public ClaimantState Claimant { get; init; } = ClaimantState.Gone;
}

/// <summary>How the replica that claimed an occurrence stands when a take-over finds its claim (<see cref="ClaimRunUnrecorded.Claimant"/>).</summary>
internal enum ClaimantState
{
    /// <summary>It stopped, or let its lease lapse.</summary>
    Gone = 0,

    /// <summary>Another replica, whose lease holds.</summary>
    Live = 1,

    /// <summary>The replica that found it.</summary>
    Own = 2,
}

/// <summary>The order of <see cref="IExecutionStore.GetUnfinishedAsync(int, DateTimeOffset?, CancellationToken)"/>.</summary>
internal static class UnfinishedOrder
{
    /// <summary>Unfinished executions, oldest first.</summary>
    public static Task<IReadOnlyList<StoredExecution>> GetUnfinishedAsync(this IExecutionStore store, int limit, CancellationToken cancellationToken) =>
        store.GetUnfinishedAsync(limit, null, cancellationToken);

    /// <summary>
    /// Whether the row is a retry still waiting out its delay at <paramref name="runnableAt"/> (none without it): queued,
    /// with a due time after it. A running row runs again at once, whatever due time it holds (review 42b F3).
    /// </summary>
    public static bool Waits(ExecutionRecord record, DateTimeOffset? runnableAt) =>
        runnableAt is { } at && record is { Status: ExecutionStatus.Queued, RetryAt: { } due } && due > at;

    /// <summary>
    /// Whether <paramref name="row"/> comes before <paramref name="other"/> in that order at <paramref name="runnableAt"/>:
    /// those that can run then, oldest first; then retries still waiting, soonest due first (then oldest first).
    /// </summary>
    public static bool Before(ExecutionRecord row, ExecutionRecord other, DateTimeOffset? runnableAt) =>
        (Waits(row, runnableAt), Waits(other, runnableAt)) switch
        {
            (false, true) => true,
            (true, false) => false,
            (true, true) when row.RetryAt != other.RetryAt => row.RetryAt < other.RetryAt,
            _ => row.AcceptedAt < other.AcceptedAt,
        };

    /// <summary>That order (<see cref="Before"/>), for a store that sorts in memory; without <paramref name="runnableAt"/>, oldest first.</summary>
    public static IComparer<StoredExecution> Comparer(DateTimeOffset? runnableAt) => Comparer<StoredExecution>.Create(
        (x, y) => Before(x.Record, y.Record, runnableAt) ? -1 : Before(y.Record, x.Record, runnableAt) ? 1 : 0);
}
