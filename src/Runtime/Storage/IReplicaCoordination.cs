
namespace ApiRoutes.Storage;

/// <summary>
/// Coordination between replicas of one app that share a store: a lease per replica, the take-over of work whose
/// replica stopped or died, the claiming of work that waits too long at a busy replica, and a start that lands only
/// while this replica still holds the execution. Only the PostgreSQL store implements it, and it is registered only
/// when that store is chosen: services take it optionally (<c>IReplicaCoordination?</c>), and without it a process
/// is alone with its store.
/// </summary>
internal interface IReplicaCoordination
{
    /// <summary>This process's name among the replicas.</summary>
    string Replica { get; }

    /// <summary>Where the shared store is (for log lines; never a password).</summary>
    string Description { get; }

    /// <summary>How long this replica holds its work without renewing its lease.</summary>
    TimeSpan LeaseDuration { get; }

    /// <summary>
    /// When this replica's registration (its first lease) was sent, as a timestamp of the app's clock
    /// (<see cref="TimeProvider.GetTimestamp"/>), or null when it registers as the <see cref="LeaseFence"/> is made.
    /// </summary>
    long? RegisteredAt { get; }

    /// <summary>
    /// Renews this replica's lease; <see cref="LeaseRenewal.Lapsed"/> when it had lapsed (other replicas may have
    /// taken over its work) and the replica registered again.
    /// </summary>
    /// <exception cref="ExecutionStoreUnavailableException">The store cannot be reached.</exception>
    Task<LeaseRenewal> RenewLeaseAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The database's clock against this machine's, as the last lease renewed in time read it; null before one, or
    /// where the store cannot tell. Leases are judged by the database's clock, but schedules and retry delays by each
    /// replica's own: a replica whose clock runs ahead starts its scheduled runs early.
    /// </summary>
    ClockReading? Clock => null;

    /// <summary>
    /// Unfinished executions (queued or running) of replicas that stopped or let their lease lapse, at most
    /// <paramref name="limit"/>, oldest first, with their requests, now held by this replica: those of the routes it
    /// serves, and those of routes no live replica serves (which nobody could run).
    /// </summary>
    /// <param name="limit">At most this many.</param>
    /// <param name="routes">The routes this replica serves, each as <see cref="RouteKey"/>.</param>
    /// <param name="cancellationToken">Cancels the claim.</param>
    /// <exception cref="ExecutionStoreUnavailableException">The store cannot be reached.</exception>
    Task<IReadOnlyList<StoredExecution>> ClaimUnfinishedAsync(int limit, IReadOnlyCollection<string> routes, CancellationToken cancellationToken);

    /// <summary>
    /// First attempts of background executions of the <paramref name="routes"/> this replica serves that have waited
    /// since before <paramref name="acceptedBefore"/> in the queue of another (busy) replica, at most
    /// <paramref name="limit"/>, now held by this replica; that replica skips them when their turn comes.
    /// </summary>
    /// <exception cref="ExecutionStoreUnavailableException">The store cannot be reached.</exception>
    Task<IReadOnlyList<StoredExecution>> ClaimWaitingAsync(int limit, DateTimeOffset acceptedBefore, IReadOnlyCollection<string> routes, CancellationToken cancellationToken);

    /// <summary>
    /// Unfinished executions that this replica owns in the store, accepted before <paramref name="acceptedBefore"/>, that
    /// this process does not hold (none of <paramref name="held"/>), at most <paramref name="limit"/>: first attempts whose
    /// accept was answered 503 although they landed after all (a commit whose answer was lost and could not be settled:
    /// review 38a F3), and rows a take-over claimed when the answer to its commit was lost (review 45a F1), which nothing
    /// else runs while this replica lives.
    /// </summary>
    /// <param name="limit">At most this many.</param>
    /// <param name="acceptedBefore">Only those accepted before this.</param>
    /// <param name="held">The ids of the executions this process holds (accepted before <paramref name="acceptedBefore"/>): never taken.</param>
    /// <param name="routes">The routes this replica serves, as <see cref="ClaimUnfinishedAsync"/> takes them.</param>
    /// <param name="cancellationToken">Cancels the claim.</param>
    /// <exception cref="ExecutionStoreUnavailableException">The store cannot be reached.</exception>
    Task<IReadOnlyList<StoredExecution>> ClaimLandedAsync(
        int limit, DateTimeOffset acceptedBefore, IReadOnlyCollection<string> held, IReadOnlyCollection<string> routes, CancellationToken cancellationToken);

    /// <summary>
    /// A route as claims name it: its kind and template (<c>background /api/orders/{id}</c>). In a rolling deploy a
    /// replica of the other version may lack a route, or have it as another kind.
    /// </summary>
    static string RouteKey(string kind, string route) => kind + " " + route;

    /// <summary>
    /// Records that this replica starts running the execution (<paramref name="running"/>, in its Running state) and
    /// completes once that is durable: true when this replica holds it, false when another took it over meanwhile,
    /// and it must not run here.
    /// </summary>
    /// <exception cref="ExecutionStoreUnavailableException">The store cannot be reached.</exception>
    Task<bool> TryStartAsync(ExecutionRecord running, CancellationToken cancellationToken);

    /// <summary>
    /// A run of a schedule started by hand (Run now, a replay), <paramref name="run"/> (queued, not accepted yet): the
    /// id of a run of its schedule that another live replica holds (queued, running, or claimed and not written yet), and
    /// then nothing is written; or null once its row is written, this replica's. The look and the write take the
    /// schedule's turn, as a claim of an occurrence does, so a claim or a start by hand after it sees it going.
    /// </summary>
    /// <exception cref="ExecutionStoreUnavailableException">
    /// The store cannot be reached: before the row was sent (nothing written), or after it
    /// (<see cref="ExecutionStoreUnavailableException.MayHaveLanded"/>: it may have landed with its answer lost).
    /// </exception>
    Task<string?> StartByHandAsync(ExecutionRecord run, CancellationToken cancellationToken);

    /// <summary>
    /// How long after its claim a live replica's occurrence with no run written is closed all the same (review 38a F2:
    /// the claim landed, its answer was lost, and every try to ask it again failed; the claimant lives on and never runs
    /// it). A claimant writes its run's first row a moment after its claim, or within the 5 minutes it asks it again.
    /// </summary>
    static TimeSpan ClaimWithoutRunLimit => TimeSpan.FromMinutes(15);

    /// <summary>
    /// How far back a take-over looks for claims never run (<see cref="CloseClaimsNeverRunAsync"/>'s window): the last
    /// half of <paramref name="retention"/>, and at least <see cref="ClaimWithoutRunLimit"/> plus two leases, so that a
    /// live claimant's claim is closed at all under a short retention (review 38g F6: under 30 minutes it never was), by
    /// one of four take-overs or more. The store keeps a claim, and its run, a lease longer than this whatever the
    /// retention, so that a claim is looked at before it is pruned, and one whose run was pruned is not taken for one
    /// never run.
    /// </summary>
    static TimeSpan ClaimsExamined(TimeSpan retention, TimeSpan lease) =>
        retention / 2 > ClaimWithoutRunLimit + 2 * lease ? retention / 2 : ClaimWithoutRunLimit + 2 * lease;

    /// <summary>
    /// Occurrences claimed within <paramref name="window"/> before now, by the database's clock (the claims' own), by
    /// other replicas that stopped or let their lease lapse (with <paramref name="lapsed"/> only), or more than <see cref="ClaimWithoutRunLimit"/> ago by any
    /// replica (<see cref="ClaimNeverRun.ClaimantLive"/>), of which no
    /// run was written (the replica died in the moment between its claim and its run's first row; review 32b F4), at
    /// most <paramref name="limit"/>, of the <paramref name="routes"/> this replica serves or of schedules no live replica
    /// serves: each is closed by a row of this replica's, failed without running, so that the replica that claimed it,
    /// back from a pause, cannot start it (its start meets another's row), and another replica does not close it again.
    /// </summary>
    /// <exception cref="ExecutionStoreUnavailableException">The store cannot be reached.</exception>
    Task<IReadOnlyList<ClaimNeverRun>> CloseClaimsNeverRunAsync(int limit, TimeSpan window, bool lapsed, IReadOnlyCollection<string> routes, CancellationToken cancellationToken);

    /// <summary>
    /// As <see cref="CloseClaimsNeverRunAsync"/> looks for them, occurrences whose run was written and that no record says
    /// anything of (the claimant stopped between its run's row and the occurrence's record, which is written apart:
    /// review 44b F2), of occurrences since <paramref name="occurrencesSince"/> (by the app's clock, as the prune of the
    /// records goes), at most <paramref name="limit"/>: the caller records them ran. Also those a take-over closed
    /// (<see cref="CloseClaimsNeverRunAsync"/>) whose answer was lost, so that no missed record came of it, a while after
    /// (<see cref="ClaimRunUnrecorded.Closed"/>: the caller records them missed; review 45a F2). Also claims of skips that no
    /// record says anything of, whether the run the skip names was written or not (<see cref="ClaimRunUnrecorded.Skipped"/>:
    /// the caller records them skipped; review 48A F1).
    /// </summary>
    /// <exception cref="ExecutionStoreUnavailableException">The store cannot be reached.</exception>
    Task<IReadOnlyList<ClaimRunUnrecorded>> GetClaimsRunUnrecordedAsync(
        int limit, TimeSpan window, bool lapsed, DateTimeOffset occurrencesSince, IReadOnlyCollection<string> routes, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ClaimRunUnrecorded>>([]);
}

/// <summary>How a lease renewal went.</summary>
internal enum LeaseRenewal
{
    /// <summary>Renewed in time.</summary>
    Renewed,

    /// <summary>It had lapsed; the replica registered again.</summary>
    Lapsed,
}

/// <summary>
/// How far the database's clock was ahead of this machine's (negative: behind) when a renewal read it, and how
/// closely: half the round trip it was read in, since the database read its clock somewhere within it.
/// </summary>
internal readonly record struct ClockReading(TimeSpan DatabaseAhead, TimeSpan Uncertainty)
{
    /// <summary>
    /// The reading of a database clock at <paramref name="database"/>, read by a statement sent at <paramref name="sent"/>
    /// (this machine's clock) whose answer took <paramref name="roundTrip"/> (elapsed time).
    /// </summary>
    public static ClockReading Of(DateTimeOffset sent, TimeSpan roundTrip, DateTimeOffset database) =>
        new(database - (sent + roundTrip / 2), roundTrip / 2);

    /// <summary>By how much the clocks differ at least, whatever moment of the round trip the database read its clock at.</summary>
    public TimeSpan AtLeast => DatabaseAhead.Duration() > Uncertainty ? DatabaseAhead.Duration() - Uncertainty : TimeSpan.Zero;
}
