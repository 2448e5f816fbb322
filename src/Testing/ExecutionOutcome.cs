namespace ApiRoutes.Testing;

/// <summary>How a background or scheduled execution ended, as the runtime recorded it, with what the test clock saw.</summary>
public class ExecutionOutcome
{
    /// <summary>The execution id (<c>X-ApiRoutes-Execution-Id</c>).</summary>
    public required string ExecutionId { get; init; }

    /// <summary>The route template.</summary>
    public required string Route { get; init; }

    /// <summary>Succeeded, Failed or TimedOut (or Running/Queued when a timeline ended first).</summary>
    public required ExecutionStatus Status { get; init; }

    /// <summary>The runtime's record of it: times, occurrence, error.</summary>
    public required ExecutionRecord Record { get; init; }

    /// <summary>When each attempt started, by the test clock: one entry, or one per attempt when it was retried.</summary>
    public required IReadOnlyList<DateTimeOffset> AttemptStarts { get; init; }

    /// <summary>The delays the runtime waited before each retry (by default 1 minute, then 2): empty when not retried.</summary>
    public required IReadOnlyList<TimeSpan> RetryDelays { get; init; }

    /// <summary>The lines the handler (and the runtime, for it) logged while it ran, as the dashboard shows them.</summary>
    public required IReadOnlyList<string> LogLines { get; init; }

    /// <summary>How many attempts ran (1, or up to 3 with the default retries).</summary>
    public int Attempts => Record.Attempt;

    /// <summary>The exception's text of the last failed attempt (or why it timed out); null when it succeeded.</summary>
    public string? Error => Record.Error;

    /// <summary>
    /// The attempts before the last that failed, oldest first: when each ran and its exception's text (kept also when a
    /// later attempt succeeded).
    /// </summary>
    public IReadOnlyList<EarlierAttempt> EarlierAttempts => Record.EarlierAttempts;

    /// <inheritdoc />
    public override string ToString() =>
        $"{Route} {ExecutionId}: {Status} after {Attempts} attempt(s){(Error is null ? string.Empty : $": {Error.Split('\n')[0]}")}";
}

/// <summary>A scheduled route run as of one occurrence: its outcome and the request body its handler was given.</summary>
public sealed class ScheduledRun : ExecutionOutcome
{
    /// <summary>The occurrence it ran as.</summary>
    public required DateTimeOffset Occurrence { get; init; }

    /// <summary>The JSON body of the run's <c>POST</c>, as the handler read it: <c>{"next_run":"…"}</c>.</summary>
    public required string Body { get; init; }

    /// <summary>The body's <c>next_run</c>: the schedule's occurrence after <see cref="Occurrence"/> (null when it has none).</summary>
    public required DateTimeOffset? NextRun { get; init; }
}
