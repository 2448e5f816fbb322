namespace ApiRoutes;

/// <summary>What became of one occurrence of a schedule: the answer to "why didn't it run at 03:00?".</summary>
internal enum OccurrenceOutcome
{
    /// <summary>It ran: <see cref="OccurrenceRecord.ExecutionId"/> is the run.</summary>
    Ran,

    /// <summary>Skipped: the previous run of the schedule (<see cref="OccurrenceRecord.ExecutionId"/>) was still going.</summary>
    Skipped,

    /// <summary>Skipped: the schedule was paused from the dashboard.</summary>
    Paused,

    /// <summary>Not run here: another replica or process claimed it (and ran it, or runs it).</summary>
    ClaimedElsewhere,

    /// <summary>
    /// Not run: no instance of the app was up at the time (recorded at the next start), or the scheduler was late and took
    /// up a later occurrence in its place (<see cref="OccurrenceRecord.Detail"/> says so).
    /// </summary>
    Missed,

    /// <summary>A signed external trigger for it was refused (<see cref="OccurrenceRecord.Detail"/> says why).</summary>
    Refused,
}

/// <summary>
/// One occurrence of a schedule and what became of it. Kept once per (route, occurrence, outcome): the same outcome
/// recorded again (by another replica, by a replayed trigger) is the same record.
/// </summary>
internal sealed record OccurrenceRecord
{
    /// <summary>The scheduled route.</summary>
    public required string Route { get; init; }

    /// <summary>The occurrence, in UTC.</summary>
    public required DateTimeOffset Occurrence { get; init; }

    /// <summary>What became of it.</summary>
    public required OccurrenceOutcome Outcome { get; init; }

    /// <summary>The run (<see cref="OccurrenceOutcome.Ran"/>), or the run still going (<see cref="OccurrenceOutcome.Skipped"/>).</summary>
    public string? ExecutionId { get; init; }

    /// <summary>Why, in words (a refusal's reason).</summary>
    public string? Detail { get; init; }

    /// <summary>When it was recorded.</summary>
    public required DateTimeOffset RecordedAt { get; init; }

    /// <summary>When read back: the status of <see cref="ExecutionId"/> now, if the store still has that execution.</summary>
    public ExecutionStatus? ExecutionStatus { get; init; }

    /// <summary>The names the JSON API and the stores use: <c>ran</c>, <c>skipped</c>, <c>paused</c>, <c>claimed_elsewhere</c>, <c>missed</c>, <c>refused</c>.</summary>
    public static string Name(OccurrenceOutcome outcome) => outcome switch
    {
        OccurrenceOutcome.Ran => "ran",
        OccurrenceOutcome.Skipped => "skipped",
        OccurrenceOutcome.Paused => "paused",
        OccurrenceOutcome.ClaimedElsewhere => "claimed_elsewhere",
        OccurrenceOutcome.Missed => "missed",
        _ => "refused",
    };

    /// <summary>The outcome of a name <see cref="Name"/> gives, or null.</summary>
    public static OccurrenceOutcome? Parse(string? name) =>
        Enum.GetValues<OccurrenceOutcome>().Cast<OccurrenceOutcome?>().FirstOrDefault(outcome => string.Equals(Name(outcome!.Value), name, StringComparison.Ordinal));
}

/// <summary>Which occurrence records to read: newest occurrence first.</summary>
/// <param name="Route">Only this schedule's; null for every schedule's.</param>
/// <param name="Since">Occurrences at or after this instant.</param>
/// <param name="Until">Occurrences before this instant.</param>
/// <param name="Limit">At most this many.</param>
internal sealed record OccurrenceQuery(string? Route = null, DateTimeOffset? Since = null, DateTimeOffset? Until = null, int Limit = 100)
{
    public bool Matches(OccurrenceRecord record) =>
        (Route is null || string.Equals(record.Route, Route, StringComparison.Ordinal))
        && (Since is not { } since || record.Occurrence >= since)
        && (Until is not { } until || record.Occurrence < until);
}
