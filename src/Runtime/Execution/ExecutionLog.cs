using System.Collections.Concurrent;
using ApiRoutes.Diagnostics;
using ApiRoutes.Execution;
using ApiRoutes.Storage;
using Microsoft.Extensions.Logging;

namespace ApiRoutes;

/// <summary>
/// What ran, when and how it ended: every execution that has not finished, and the most recent finished ones
/// (a bounded history, oldest dropped first), in memory. Every change is also written to the execution store, which
/// keeps the whole history (until retention prunes it) and, when replicas share it, theirs too.
/// </summary>
public sealed class ExecutionLog
{
    private const int FinishedHistory = 1000;

    private readonly IExecutionStore _store;
    private readonly IReplicaCoordination? _coordination;
    private readonly ILogger? _logger;

    private readonly ConcurrentDictionary<string, ExecutionRecord> _records = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _finishedOrder = new();
    private int _queued;
    private int _running;

    /// <summary>An execution log that only keeps memory (for tests and tools).</summary>
    public ExecutionLog()
        : this(new InMemoryExecutionStore(TimeProvider.System), null, null)
    {
    }

    private readonly ExecutionLogCapture? _capture;

    internal ExecutionLog(IExecutionStore store, IReplicaCoordination? coordination, ILoggerFactory? loggerFactory, ExecutionLogCapture? capture = null)
    {
        _store = store;
        _coordination = coordination;
        _logger = loggerFactory?.CreateLogger(Log.Category);
        _capture = capture;
    }

    /// <summary>
    /// The log lines (Information and up, as the app's logging is configured) written while the execution's handler
    /// ran; empty for executions of earlier processes.
    /// </summary>
    public IReadOnlyList<string> LogLinesOf(string id) => _capture?.LinesOf(id) ?? [];

    /// <summary>Executions accepted and waiting to start (or waiting for a retry).</summary>
    public int QueuedCount => Volatile.Read(ref _queued);

    /// <summary>Executions running now.</summary>
    public int RunningCount => Volatile.Read(ref _running);

    /// <summary>Executions not yet finished.</summary>
    public IReadOnlyList<ExecutionRecord> Active => [.. _records.Values.Where(record => !IsFinished(record.Status))];

    /// <summary>Every known execution, newest first.</summary>
    public IReadOnlyList<ExecutionRecord> Snapshot() =>
        [.. _records.Values.OrderByDescending(record => record.AcceptedAt).ThenBy(record => record.Id, StringComparer.Ordinal)];

    /// <summary>The latest state of one execution, or null when it is unknown or long gone.</summary>
    public ExecutionRecord? Find(string id) => _records.GetValueOrDefault(id);

    /// <summary>
    /// The newest executions, newest first: with a store shared by replicas, those of every replica (this one's from
    /// memory, as they are now; the others' as the store has them), else <see cref="Snapshot"/>.
    /// </summary>
    internal async Task<IReadOnlyList<ExecutionRecord>> RecentAsync(int limit)
    {
        var local = Snapshot();
        if (_coordination is null)
        {
            return [.. local.Take(limit)];
        }

        IReadOnlyList<ExecutionRecord> stored;
        try
        {
            stored = await _store.GetRecentAsync(limit, CancellationToken.None);
        }
        catch (ExecutionStoreUnavailableException)
        {
            return [.. local.Take(limit)];   // the store is away: what this replica knows
        }

        var merged = stored.ToDictionary(record => record.Id, StringComparer.Ordinal);
        foreach (var record in local)
        {
            merged[record.Id] = record;
        }

        return [.. merged.Values.OrderByDescending(record => record.AcceptedAt).ThenBy(record => record.Id, StringComparer.Ordinal).Take(limit)];
    }

    /// <summary>One execution as <see cref="Find"/>, or with a shared store, one of another replica's recent ones.</summary>
    internal async Task<ExecutionRecord?> FindAsync(string id) =>
        Find(id) ?? (_coordination is null ? null : await _store.FindAsync(id, CancellationToken.None));

    // One execution is only ever updated by the one task that owns it at the time, so reading the previous state
    // and then replacing it needs no lock.
    internal void Update(ExecutionRecord record)
    {
        Remember(record);
        _store.UpdateAsync(record, CancellationToken.None).LogIfFails(_logger, record.Id);
    }

    /// <summary>
    /// Records the start of an attempt. With a shared store the start is durable first, and false means another
    /// replica holds the execution now (it took it over): it must not run here, and it is forgotten here.
    /// </summary>
    internal async Task<bool> TryStartAsync(ExecutionRecord running)
    {
        if (_coordination is null)
        {
            Update(running);
            return true;
        }

        bool held;
        try
        {
            held = await _coordination.TryStartAsync(running, CancellationToken.None);
        }
        catch (ExecutionStoreUnavailableException e)
        {
            // At least once: it runs; the start is kept and written when the store is back.
            _logger?.StoreWriteFailed(running.Id, e);
            held = true;
        }

        if (!held)
        {
            Forget(running.Id);
            return false;
        }

        Remember(running);
        return true;
    }

    private void Forget(string id)
    {
        if (_records.TryRemove(id, out var previous))
        {
            Count(previous.Status, -1);
        }
    }

    /// <summary>Takes a record into the in-memory view only (history read back from the store).</summary>
    internal void Remember(ExecutionRecord record)
    {
        if (_records.TryGetValue(record.Id, out var previous))
        {
            Count(previous.Status, -1);
        }

        _records[record.Id] = record;
        Count(record.Status, +1);
        if (!IsFinished(record.Status))
        {
            return;
        }

        _finishedOrder.Enqueue(record.Id);
        while (_finishedOrder.Count > FinishedHistory && _finishedOrder.TryDequeue(out var oldest))
        {
            // Only a finished record is dropped; one that was retried since is active again and stays.
            if (_records.TryGetValue(oldest, out var old) && IsFinished(old.Status))
            {
                _records.TryRemove(KeyValuePair.Create(oldest, old));
            }
        }
    }

    internal static string Name(ExecutionStatus status) => status switch
    {
        ExecutionStatus.Queued => "queued",
        ExecutionStatus.Running => "running",
        ExecutionStatus.Succeeded => "succeeded",
        ExecutionStatus.Failed => "failed",
        _ => "timed_out",
    };

    private static bool IsFinished(ExecutionStatus status) => status is not (ExecutionStatus.Queued or ExecutionStatus.Running);

    private void Count(ExecutionStatus status, int delta)
    {
        if (status == ExecutionStatus.Queued)
        {
            Interlocked.Add(ref _queued, delta);
        }
        else if (status == ExecutionStatus.Running)
        {
            Interlocked.Add(ref _running, delta);
        }
    }
}
