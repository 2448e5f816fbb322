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

    /// <summary>Stores a newly accepted execution; completes only once it is durable.</summary>
    /// <exception cref="ExecutionStoreUnavailableException">The store cannot take it now.</exception>
    Task AddAsync(ExecutionRecord record, RequestSnapshot request, CancellationToken cancellationToken);

    /// <summary>Records a change of state; durable soon after (in the next group commit).</summary>
    Task UpdateAsync(ExecutionRecord record, CancellationToken cancellationToken);

    /// <summary>Executions that were queued or running when the store was last used, with their requests.</summary>
    Task<IReadOnlyList<StoredExecution>> GetUnfinishedAsync(CancellationToken cancellationToken);

    /// <summary>The newest executions, newest first.</summary>
    Task<IReadOnlyList<ExecutionRecord>> GetRecentAsync(int limit, CancellationToken cancellationToken);

    /// <summary>Remembers the latest occurrence a schedule ran for (for catch-up after downtime).</summary>
    Task RecordOccurrenceAsync(string route, DateTimeOffset occurrence, CancellationToken cancellationToken);

    /// <summary>The latest occurrence the schedule ran for, or null when it never ran (or nothing is kept).</summary>
    Task<DateTimeOffset?> GetLastOccurrenceAsync(string route, CancellationToken cancellationToken);

    /// <summary>Deletes executions that finished before <paramref name="finishedBefore"/>; returns how many.</summary>
    Task<int> PruneAsync(DateTimeOffset finishedBefore, CancellationToken cancellationToken);
}

/// <summary>An execution read back from the store, with the request it needs to run again.</summary>
internal sealed record StoredExecution(ExecutionRecord Record, RequestSnapshot? Request);

/// <summary>The store cannot be reached or written now; new background work is refused with 503 until it can.</summary>
internal sealed class ExecutionStoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Keeps nothing: executions live in memory only (ApiRoutes:Store:Provider = InMemory).</summary>
internal sealed class InMemoryExecutionStore : IExecutionStore
{
    public bool IsDurable => false;

    public Task AddAsync(ExecutionRecord record, RequestSnapshot request, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task UpdateAsync(ExecutionRecord record, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<StoredExecution>> GetUnfinishedAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<StoredExecution>>([]);

    public Task<IReadOnlyList<ExecutionRecord>> GetRecentAsync(int limit, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<ExecutionRecord>>([]);

    public Task<int> PruneAsync(DateTimeOffset finishedBefore, CancellationToken cancellationToken) => Task.FromResult(0);

    public Task RecordOccurrenceAsync(string route, DateTimeOffset occurrence, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<DateTimeOffset?> GetLastOccurrenceAsync(string route, CancellationToken cancellationToken) => Task.FromResult<DateTimeOffset?>(null);
}
