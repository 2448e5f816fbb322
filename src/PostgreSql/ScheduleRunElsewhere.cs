using ApiRoutes.Manifest;

namespace ApiRoutes.Storage;

/// <summary>
/// A run of a schedule that another live replica holds: the one query behind "runs never overlap across replicas",
/// for the scheduler's claim of an occurrence and for a run started by hand.
/// </summary>
internal static class ScheduleRunElsewhere
{
    /// <summary>Selects the id of such a run (at most one row).</summary>
    /// <param name="route">The parameter holding the schedule's route.</param>
    /// <param name="replica">The parameter holding this replica's name.</param>
    public static string Select(string route, string replica) => $"""
        SELECT e.id FROM apiroutes_executions e
        JOIN apiroutes_replicas r ON r.id = e.owner AND r.lease_until > now()
        WHERE e.route = {route} AND e.kind = '{RouteKind.Scheduled.Name()}' AND e.status IN ('Queued', 'Running') AND e.owner <> {replica}
        LIMIT 1
        """;
}
