using ApiRoutes.Execution;

namespace ApiRoutes.Storage;

/// <summary>
/// Where executions are kept: a background request is stored before its 202 is sent, every change of state after
/// it, so that work accepted before a crash or a deploy is run again on restart (at least once), and so that "what
/// ran, when, how did it end" survives the process.
/// </summary>
internal interface IExecutionStore
{
    /// <summary>Whether executions survive the process: unfinished work is then left for the next start.</summary>
    bool IsDurable { get; }

    /// <summary>
    /// Whether several processes (replicas of one app) share the store: each then takes over the unfinished work of
    /// replicas that stopped, while it runs, and claims each schedule occurrence before running it.
    /// </summary>
    bool IsShared { get; }

    /// <summary>Stores a newly accepted execution; completes only once it is durable.</summary>
    /// <exception cref="ExecutionStoreUnavailableException">The store cannot take it now.</exception>
    Task AddAsync(ExecutionRecord record, RequestSnapshot request, CancellationToken cancellationToken);

    /// <summary>Records a change of state; durable soon after (in the next group commit).</summary>
    Task UpdateAsync(ExecutionRecord record, CancellationToken cancellationToken);

    /// <summary>
    /// Unfinished executions (queued or running) that no live process holds, with their requests, now held by this
    /// process: for a store of one process every unfinished one (ask once, at start-up); for a shared store, those
    /// whose replica stopped or let its lease lapse, at most <paramref name="limit"/>, oldest first.
    /// </summary>
    Task<IReadOnlyList<StoredExecution>> ClaimUnfinishedAsync(int limit, CancellationToken cancellationToken);

    /// <summary>
    /// For a shared store: first attempts of background executions that have waited since before
    /// <paramref name="acceptedBefore"/> in the queue of another (busy) replica, at most <paramref name="limit"/>, now
    /// held by this process; that replica skips them. Empty for a store of one process.
    /// </summary>
    Task<IReadOnlyList<StoredExecution>> ClaimWaitingAsync(int limit, DateTimeOffset acceptedBefore, CancellationToken cancellationToken);

    /// <summary>
    /// Records that this process starts running the execution (<paramref name="running"/>, in its Running state) and
    /// completes once that is durable: true when this process holds it, false when another took it over meanwhile (a
    /// shared store), and it must not run here.
    /// </summary>
    /// <exception cref="ExecutionStoreUnavailableException">The store cannot be reached.</exception>
    Task<bool> TryStartAsync(ExecutionRecord running, CancellationToken cancellationToken);

    /// <summary>The newest executions, newest first.</summary>
    Task<IReadOnlyList<ExecutionRecord>> GetRecentAsync(int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Claims one occurrence of a schedule for execution <paramref name="executionId"/> of this process, and remembers
    /// it as the schedule's latest run (for catch-up after downtime). Not claimed when another replica already claimed
    /// it (it runs there), or when a run of the schedule still goes on another live replica (runs never overlap).
    /// </summary>
    /// <exception cref="ExecutionStoreUnavailableException">The store cannot be reached.</exception>
    Task<OccurrenceClaim> ClaimOccurrenceAsync(string route, DateTimeOffset occurrence, string executionId, CancellationToken cancellationToken);

    /// <summary>The latest occurrence the schedule ran for, or null when it never ran (or nothing is kept).</summary>
    Task<DateTimeOffset?> GetLastOccurrenceAsync(string route, CancellationToken cancellationToken);

    /// <summary>Deletes executions that finished before <paramref name="finishedBefore"/>; returns how many.</summary>
    Task<int> PruneAsync(DateTimeOffset finishedBefore, CancellationToken cancellationToken);
}

/// <summary>
/// The answer to a claim of a schedule occurrence: <see cref="Claimed"/> (run it here), or not, because another
/// replica claimed it, or because <see cref="RunningElsewhere"/>, a run of the schedule on another replica, still goes.
/// </summary>
internal readonly record struct OccurrenceClaim(bool Claimed, string? RunningElsewhere = null)
{
    public static OccurrenceClaim Won => new(true);
}

/// <summary>
/// An execution read back from the store, with the request it needs to run again; or, when its row cannot be read,
/// why (<see cref="Unreadable"/>), with what of its record could be read.
/// </summary>
internal sealed record StoredExecution(ExecutionRecord Record, RequestSnapshot? Request)
{
    public string? Unreadable { get; init; }
}

/// <summary>The store cannot be reached or written now; new background work is refused with 503 until it can.</summary>
internal sealed class ExecutionStoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Keeps nothing across restarts: executions live in memory only (ApiRoutes:Store:Provider = InMemory). Schedule claims
/// are remembered while the process lives, so an occurrence runs once in it.
/// </summary>
internal sealed class InMemoryExecutionStore : IExecutionStore
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Route, DateTimeOffset Occurrence), string> _claims = new();

    public bool IsDurable => false;

    public bool IsShared => false;

    public Task AddAsync(ExecutionRecord record, RequestSnapshot request, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task UpdateAsync(ExecutionRecord record, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<StoredExecution>> ClaimUnfinishedAsync(int limit, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<StoredExecution>>([]);

    public Task<IReadOnlyList<StoredExecution>> ClaimWaitingAsync(int limit, DateTimeOffset acceptedBefore, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<StoredExecution>>([]);

    public Task<bool> TryStartAsync(ExecutionRecord running, CancellationToken cancellationToken) => Task.FromResult(true);

    public Task<IReadOnlyList<ExecutionRecord>> GetRecentAsync(int limit, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<ExecutionRecord>>([]);

    // Forgets old claims but each schedule's latest, as the durable stores do.
    public Task<int> PruneAsync(DateTimeOffset finishedBefore, CancellationToken cancellationToken)
    {
        var latest = _claims.Keys.GroupBy(key => key.Route).ToDictionary(group => group.Key, group => group.Max(key => key.Occurrence));
        foreach (var key in _claims.Keys.Where(key => key.Occurrence < finishedBefore && key.Occurrence < latest[key.Route]))
        {
            _claims.TryRemove(key, out _);
        }

        return Task.FromResult(0);
    }

    public Task<OccurrenceClaim> ClaimOccurrenceAsync(string route, DateTimeOffset occurrence, string executionId, CancellationToken cancellationToken) =>
        Task.FromResult(new OccurrenceClaim(_claims.TryAdd((route, occurrence.ToUniversalTime()), executionId)));

    public Task<DateTimeOffset?> GetLastOccurrenceAsync(string route, CancellationToken cancellationToken) => Task.FromResult<DateTimeOffset?>(null);
}
