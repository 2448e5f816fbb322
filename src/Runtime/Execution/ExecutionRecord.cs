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
    /// <summary>How many earlier attempts a record keeps: the first, and the latest after it.</summary>
    public const int MaxEarlierAttempts = 10;

    private readonly IReadOnlyList<EarlierAttempt> _earlierAttempts = AttemptList.Empty;

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

    /// <summary>
    /// The attempts before the current one that failed, oldest first: when each ran and why it failed, kept when a later
    /// attempt succeeds or fails (a retry's <see cref="Error"/> and times are then its own). At most
    /// <see cref="MaxEarlierAttempts"/>: the first and the latest. Compared by value, as the record's other members.
    /// </summary>
    public IReadOnlyList<EarlierAttempt> EarlierAttempts { get => _earlierAttempts; init => _earlierAttempts = AttemptList.Of(value); }

    /// <summary>
    /// <see cref="EarlierAttempts"/> with the current attempt added as failed, at <paramref name="finishedAt"/> (null when
    /// its process stopped while it ran) with <paramref name="error"/>: what its retry keeps. Past
    /// <see cref="MaxEarlierAttempts"/>, the second oldest goes.
    /// </summary>
    internal IReadOnlyList<EarlierAttempt> WithCurrentFailed(DateTimeOffset? finishedAt, string? error)
    {
        var attempts = new List<EarlierAttempt>(EarlierAttempts.Count + 1);
        attempts.AddRange(EarlierAttempts);
        attempts.Add(new EarlierAttempt { Attempt = Attempt, StartedAt = StartedAt, FinishedAt = finishedAt, Error = EarlierAttempt.Bounded(error) });
        if (attempts.Count > MaxEarlierAttempts)
        {
            attempts.RemoveAt(1);
        }

        return AttemptList.Of(attempts);
    }

    // The earlier attempts with value equality, so that two records with the same history are equal, as records are.
    private sealed class AttemptList : IReadOnlyList<EarlierAttempt>
    {
        public static readonly AttemptList Empty = new([]);

        private readonly EarlierAttempt[] _items;

        private AttemptList(EarlierAttempt[] items) => _items = items;

        public int Count => _items.Length;

        public EarlierAttempt this[int index] => _items[index];

        public static AttemptList Of(IEnumerable<EarlierAttempt>? attempts) => attempts switch
        {
            AttemptList list => list,
            null => Empty,
            _ => attempts.ToArray() is { Length: > 0 } items ? new AttemptList(items) : Empty,
        };

        public IEnumerator<EarlierAttempt> GetEnumerator() => ((IEnumerable<EarlierAttempt>)_items).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override bool Equals(object? obj) => obj is AttemptList other && _items.AsSpan().SequenceEqual(other._items);

        public override int GetHashCode() => _items.Length;
    }

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

/// <summary>An attempt of an execution before its current one, which failed (<see cref="ExecutionRecord.EarlierAttempts"/>).</summary>
public sealed record EarlierAttempt
{
    /// <summary>The longest error an earlier attempt keeps; the rest is cut, with the cut marked.</summary>
    public const int MaxErrorCharacters = 4 * 1024;

    /// <summary>1 for the first run, 2 and on for retries; 0 for the one entry of a stored history that cannot be read (its <see cref="Error"/> says why).</summary>
    public required int Attempt { get; init; }

    /// <summary>When it started (null when that was not recorded).</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When it ended; null when its process stopped while it ran (the next attempt was taken up after a crash, or by another replica).</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Why it failed: the exception, or why it was cut.</summary>
    public string? Error { get; init; }

    internal static string? Bounded(string? error) =>
        error is null || error.Length <= MaxErrorCharacters ? error : ApiRoutes.Execution.ExecutionRunner.Bounded(error, MaxErrorCharacters);
}
