using ApiRoutes.Background;
using ApiRoutes.Diagnostics;
using ApiRoutes.Execution;
using ApiRoutes.Manifest;
using ApiRoutes.Scheduling;
using ApiRoutes.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ApiRoutes.Hosting;

/// <summary>
/// With replicas sharing a store (PostgreSQL; without coordination it never starts), every half lease: takes over the
/// unfinished work of replicas that stopped (or died, once their lease lapsed), as much as the queue has room for;
/// then this replica's own first attempts, older than half a lease, that it does not hold (their accept was answered 503
/// and their rows landed after all); then, with workers idle, first attempts that have waited half a lease or more in
/// the queue of a busy replica; then closes the occurrences such replicas claimed and wrote no run of, as missed, and
/// records ran those whose run they wrote and whose record they did not.
/// </summary>
internal sealed class TakeOverService(
    BackgroundQueue queue,
    ExecutionLifecycle lifecycle,
    ExecutionLog log,
    OccurrenceLog occurrences,
    LeaseFence fence,
    TimeProvider time,
    IOptions<ApiRoutesOptions> options,
    ILoggerFactory loggerFactory,
    ApiRoutesMapping? mapping = null,
    IReplicaCoordination? coordination = null) : PeriodicService(time, loggerFactory.CreateLogger(Log.Category))
{
    protected override TimeSpan? Period => coordination?.LeaseDuration / 2;

    protected override string Name => "taking over the work of other replicas";

    // What an accept answered 503 leaves when its row lands after all: a queued first attempt of a background route, with
    // its request. A take-over's claim whose answer was lost may leave one too; it runs once either way.
    private static bool Answered503(StoredExecution execution) =>
        execution.Record is { Status: ExecutionStatus.Queued, Attempt: 1 } record && record.Kind == RouteKind.Background.Name() && execution.Request is not null;

    protected override async Task RunOnceAsync(CancellationToken stopping)
    {
        // A replica that serves none of the routes (its app never maps them: event 1007) takes over nothing, which it would
        // run unserved; what the stopped replicas left stays for the replicas that serve them (review 46g F4).
        if (queue.IsClosed || mapping is { Mapped: false })
        {
            return;
        }

        var background = options.Value.Background;
        var room = queue.RoomToClaim(background.MaxQueueLength);   // review 17a F1
        if (room > 0 && await coordination!.ClaimUnfinishedAsync(room, lifecycle.ServedRoutes, stopping) is { Count: > 0 } orphaned)
        {
            var (requeued, failed) = lifecycle.Resume(orphaned);
            Logger.TookOver(requeued, failed);
        }

        // This replica's own rows that it does not hold: accepts answered 503 whose rows landed after all. Only an idle
        // replica took them (as waiting at a busy one): with one replica, or all busy, such a row waited for a restart
        // while its Idempotency-Key retry was told 202 with its id (review 38a F3). They run here, as accepted work, as
        // much as the queue has room for. The ids held here are read before the claim: an accept is listed before its
        // row is written, and one let go (answered 503) is never held again, so none is taken while its accept has it.
        var waitingSince = Time.GetUtcNow() - coordination!.LeaseDuration / 2;
        room = queue.RoomToClaim(background.MaxQueueLength);
        // Also the rows a take-over of this replica claimed when the answer to its commit was lost (review 45a F1).
        if (room > 0 && await coordination.ClaimLandedAsync(room, waitingSince, log.HeldAcceptedBefore(waitingSince), lifecycle.ServedRoutes, stopping) is { Count: > 0 } unheld)
        {
            var answered503 = unheld.Where(Answered503).ToList();
            if (answered503.Count > 0 && lifecycle.Resume(answered503) is (var requeued, var failed) && requeued + failed > 0)
            {
                Logger.TookLanded(requeued, failed);
            }

            var claimed = unheld.Where(execution => !Answered503(execution)).ToList();
            if (claimed.Count > 0 && lifecycle.Resume(claimed) is (var resumed, var ended) && resumed + ended > 0)
            {
                Logger.TookUnheld(resumed, ended);
            }
        }

        var idle = Math.Min(1000, background.MaxConcurrency - log.RunningCount - queue.Waiting);
        if (idle > 0 && await coordination.ClaimWaitingAsync(idle, waitingSince, lifecycle.ServedRoutes, stopping) is { Count: > 0 } waiting)
        {
            var (requeued, failed) = lifecycle.Resume(waiting);
            Logger.TookWaiting(requeued, failed);
        }

        // A replica that died between its claim of an occurrence and its run's first row left the occurrence claimed and
        // never run: the others recorded it claimed elsewhere. Claims of the last half of Store:Retention, by the database's
        // clock, the claims' own: a run's row is pruned by the app's clock after the whole retention, and a claim older
        // than that whose row was pruned looked never run (review 33f F2: a database clock ahead of the app's). At least
        // those of the last 15 minutes and two leases, whose runs the store keeps (review 38g F6, ClaimsExamined).
        // Claims of replicas whose lease lapsed only once this replica's own renewals have held for a whole lease: after
        // an outage of the store longer than the lease every lease has lapsed, and a live claimant still asking its claim
        // again (ScheduledRuns.ClaimAgainAsync) was taken for a dead one whenever this take-over came before its renewal
        // (review 38g F3); in a lease of renewals that held, a live replica with the store has renewed its own.
        var window = IReplicaCoordination.ClaimsExamined(options.Value.Store.Retention, coordination.LeaseDuration);
        var lapsed = fence.RenewedUnbrokenFor >= coordination.LeaseDuration;
        foreach (var claim in await coordination.CloseClaimsNeverRunAsync(OccurrenceLog.MaxRecordedMisses, window, lapsed, lifecycle.ServedRoutes, stopping))
        {
            occurrences.ClaimNeverRun(claim);
        }

        // Those whose run was written and whose record was not (review 44b F2): recorded ran; skipped, those claimed as
        // skipped (review 48A F1); missed, those closed by a take-over whose answer was lost (review 45a F2).
        var recordsKept = Time.GetUtcNow() - options.Value.Store.Retention;   // as the prune of the records goes
        foreach (var claim in await coordination.GetClaimsRunUnrecordedAsync(OccurrenceLog.MaxRecordedMisses, window, lapsed, recordsKept, lifecycle.ServedRoutes, stopping))
        {
            occurrences.Unrecorded(claim);
        }
    }
}
