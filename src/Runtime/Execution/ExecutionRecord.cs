using ApiRoutes.Manifest;

namespace ApiRoutes;

/// <summary>Where an execution stands.</summary>
public enum ExecutionStatus
{
    /// <summary>Accepted and waiting for a worker (or for its retry delay).</summary>
    Queued,

    /// <summary>The handler is running.</summary>
    Running,

    /// <summary>The handler returned.</summary>
    Succeeded,

    /// <summary>The handler threw on its last attempt, or shutdown cut it.</summary>
    Failed,

    /// <summary>The time limit was reached; the handler's token was cancelled and the run abandoned.</summary>
    TimedOut,
}

/// <summary>One background or scheduled execution, as the runtime last saw it.</summary>
public sealed record ExecutionRecord
{
    /// <summary>The id returned in the <c>X-ApiRoutes-Execution-Id</c> header of a background request.</summary>
    public required string Id { get; init; }

    /// <summary>The route template.</summary>
    public required string Route { get; init; }

    /// <summary><c>background</c> or <c>scheduled</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>Where the execution stands.</summary>
    public required ExecutionStatus Status { get; init; }

    /// <summary>1 for the first run, 2 and 3 for retries.</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>When the request was accepted or the occurrence came.</summary>
    public required DateTimeOffset AcceptedAt { get; init; }

    /// <summary>When the current attempt started.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When it ended.</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>For a scheduled run: the occurrence it ran for.</summary>
    public DateTimeOffset? Occurrence { get; init; }

    /// <summary>
    /// What went wrong: the exception or the reason it was cut. While a retry waits (queued, attempt 2 or more), the
    /// error of the attempt before it.
    /// </summary>
    public string? Error { get; init; }

    /// <summary>For a replay (from the dashboard): the id of the execution it replays.</summary>
    public string? ReplayOf { get; init; }

    /// <summary>
    /// While a retry waits out its delay (queued, attempt 2 or more): when it is due. Kept with the execution, so that a
    /// restart or another replica's take-over waits out the rest of the delay rather than running the retry at once.
    /// </summary>
    public DateTimeOffset? RetryAt { get; init; }

    /// <summary>
    /// <see cref="RetryAt"/> while it is queued, else none: what the status URL and the dashboard show (a row an older
    /// release wrote on may keep a due time it no longer has: review 17a F6).
    /// </summary>
    public DateTimeOffset? PendingRetryAt => Status == ExecutionStatus.Queued ? RetryAt : null;

    /// <summary>
    /// The W3C <c>traceparent</c> its attempts continue: the accepted request's, or an external trigger's; null for a
    /// run of the in-process scheduler (a trace of its own). See <see cref="ApiRoutesTracing"/>.
    /// </summary>
    public string? TraceParent { get; init; }

    /// <summary>The W3C <c>tracestate</c> that goes with <see cref="TraceParent"/>.</summary>
    public string? TraceState { get; init; }
}
