namespace ApiRoutes.Testing;

/// <summary>What became of one occurrence of a schedule.</summary>
public enum OccurrenceOutcome
{
    /// <summary>It ran (event 3001).</summary>
    Ran,

    /// <summary>Skipped: the previous run of the schedule was still going (event 3002).</summary>
    SkippedOverlap,

    /// <summary>Skipped: the schedule was paused (event 3009).</summary>
    SkippedPaused,

    /// <summary>Not run here: the occurrence was claimed already, by another replica or before a restart (event 3010).</summary>
    ClaimedElsewhere,

    /// <summary>Skipped: the store could not be written to claim it (event 3011).</summary>
    NotClaimed,
}

/// <summary>One occurrence of a schedule that came while the clock was driven.</summary>
/// <param name="Route">The scheduled route.</param>
/// <param name="Occurrence">The occurrence, in UTC.</param>
/// <param name="Outcome">Ran or why not.</param>
/// <param name="ExecutionId">The run's execution (the one still going, for an overlap).</param>
/// <param name="Status">For a run: how it ended, or Running when the timeline ended first.</param>
public sealed record ScheduledOccurrence(string Route, DateTimeOffset Occurrence, OccurrenceOutcome Outcome, string? ExecutionId, ExecutionStatus? Status);

/// <summary>What happened while the test clock was driven from <see cref="From"/> to <see cref="To"/>.</summary>
public sealed class ScheduleTimeline
{
    /// <summary>Where the clock started.</summary>
    public required DateTimeOffset From { get; init; }

    /// <summary>Where the clock stopped.</summary>
    public required DateTimeOffset To { get; init; }

    /// <summary>Every occurrence that came, of every schedule, in the order they came.</summary>
    public required IReadOnlyList<ScheduledOccurrence> Occurrences { get; init; }

    /// <summary>Every execution (background or scheduled) that started an attempt in the window, with its attempts.</summary>
    public required IReadOnlyList<ExecutionOutcome> Executions { get; init; }

    /// <summary>
    /// The app's scheduled routes, as its manifest writes them: a route given to <see cref="Of"/>, <see cref="Ran"/> or
    /// <see cref="Skipped"/> must be one (none when the timeline was made elsewhere: then any is taken).
    /// </summary>
    internal IReadOnlyList<string>? ScheduledRoutes { get; init; }

    /// <summary>The occurrences of one route.</summary>
    /// <param name="route">A scheduled route of the app, as its manifest writes it (<c>/api/cleanup</c>).</param>
    /// <exception cref="ApiRoutesTestException">The app has no such scheduled route (a typo would make every check of it pass).</exception>
    public IReadOnlyList<ScheduledOccurrence> Of(string route)
    {
        ArgumentNullException.ThrowIfNull(route);
        if (ScheduledRoutes is { } routes && !routes.Contains(route, StringComparer.Ordinal))
        {
            throw new ApiRoutesTestException(
                $"'{route}' is not a scheduled route of this app; its scheduled routes are: {string.Join(", ", routes.DefaultIfEmpty("none"))}.");
        }

        return [.. Occurrences.Where(occurrence => string.Equals(occurrence.Route, route, StringComparison.Ordinal))];
    }

    /// <summary>The occurrences of one route that ran.</summary>
    /// <param name="route">A scheduled route of the app, as its manifest writes it (<c>/api/cleanup</c>).</param>
    /// <exception cref="ApiRoutesTestException">The app has no such scheduled route.</exception>
    public IReadOnlyList<DateTimeOffset> Ran(string route) => Where(route, OccurrenceOutcome.Ran);

    /// <summary>The occurrences of one route that did not run, for that reason.</summary>
    /// <param name="route">A scheduled route of the app, as its manifest writes it (<c>/api/cleanup</c>).</param>
    /// <param name="reason">Why not: any outcome but <see cref="OccurrenceOutcome.Ran"/>.</param>
    /// <exception cref="ApiRoutesTestException">The app has no such scheduled route, or the reason is <see cref="OccurrenceOutcome.Ran"/>.</exception>
    public IReadOnlyList<DateTimeOffset> Skipped(string route, OccurrenceOutcome reason) => reason == OccurrenceOutcome.Ran
        ? throw new ApiRoutesTestException($"{nameof(OccurrenceOutcome.Ran)} is not a reason an occurrence was skipped: the occurrences that ran are Ran(\"{route}\").")
        : Where(route, reason);

    /// <inheritdoc />
    public override string ToString() =>
        $"{From:O} to {To:O}:\n" + string.Join('\n', Occurrences.Select(o => $"  {o.Occurrence:O} {o.Route} {o.Outcome} {o.Status}"));

    private IReadOnlyList<DateTimeOffset> Where(string route, OccurrenceOutcome outcome) =>
        [.. Of(route).Where(occurrence => occurrence.Outcome == outcome).Select(occurrence => occurrence.Occurrence)];
}
