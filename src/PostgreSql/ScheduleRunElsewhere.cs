using ApiRoutes.Manifest;
using ApiRoutes.Scheduling;

namespace ApiRoutes.Storage;

/// <summary>
/// A run of a schedule that another live replica holds: the one query behind "runs never overlap across replicas",
/// for the scheduler's claim of an occurrence and for a run started by hand. A run's rows, or its claim before them (review
/// 43a F4: another replica's claim of the next occurrence between a claim and its run's first row saw nothing going, and
/// both ran): a replica writes that row a moment after its claim lands, or, when the claim's answer was lost, once it
/// learns the claim is its own, which it asks again for <see cref="ScheduledRuns.ClaimRetryWindow"/> (its schedule's slot
/// held meanwhile, so that it starts nothing else of it). A claim older than that, with no row, starts no run any more;
/// nor does a skip's (review 47C F1), which names the run that went then.
/// </summary>
internal static class ScheduleRunElsewhere
{
    // How long a live replica's claim without a row may still start a run: the time it asks again, and a minute for the
    // difference between the app's clock and the database's.
    private static readonly int PendingSeconds = (int)(ScheduledRuns.ClaimRetryWindow + TimeSpan.FromMinutes(1)).TotalSeconds;

    /// <summary>Selects the id of such a run (at most one row, column <c>id</c>).</summary>
    /// <param name="route">The parameter holding the schedule's route.</param>
    /// <param name="replica">The parameter holding this replica's name.</param>
    public static string Select(string route, string replica) => $"""
        (SELECT e.id FROM apiroutes_executions e
        JOIN apiroutes_replicas r ON r.id = e.owner AND r.lease_until > now()
        WHERE e.route = {route} AND e.kind = '{RouteKind.Scheduled.Name()}' AND e.status IN ('Queued', 'Running') AND e.owner <> {replica}
        LIMIT 1)
        UNION ALL
        (SELECT s.execution_id FROM apiroutes_schedule_runs s
        JOIN apiroutes_replicas r ON r.id = s.replica AND r.lease_until > now()
        WHERE s.route = {route} AND s.replica <> {replica} AND s.claimed_at > now() - interval '{PendingSeconds} seconds' AND NOT s.skipped
            AND NOT EXISTS (SELECT 1 FROM apiroutes_executions e WHERE e.id = s.execution_id)
        LIMIT 1)
        LIMIT 1
        """;
}
