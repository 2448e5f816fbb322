using System.Collections.Concurrent;
using ApiRoutes.Execution;
using ApiRoutes.Storage;

namespace ApiRoutes;

/// <summary>
/// What ran, when and how it ended — the read side: every execution this process holds, and the most recent finished
/// ones (a bounded history, oldest dropped first), in memory; and, for what memory does not have, the execution store
/// (older history, other replicas). Read-only for everyone: only the runtime's one owner of an execution's life changes
/// what it lists.
/// </summary>
public sealed class ExecutionLog
{
    private const int FinishedHistory = 1000;

    private readonly IExecutionStore _store;
    private readonly ExecutionLogCapture? _capture;
    // Striped plain dictionaries, not a ConcurrentDictionary: no node object per execution, no growth under all locks.
    private readonly StripedDictionary<TrackedExecution> _executions = new();
    // The finished history, oldest first: this process's own, and those read back from the store (Remember), which are
    // dropped first. Recovery reads the store's history once traffic flows (after the first answer); had it pushed out
    // this process's own newest ones, one whose end is not yet written would no longer be held here, and recovery's
    // next read would take it up as orphaned and run it a second time (review 10).
    private readonly ConcurrentQueue<string> _finishedOrder = new();
    private readonly ConcurrentQueue<string> _historyOrder = new();
    private int _queued;
    private int _running;

    /// <summary>An execution log that only keeps memory (for tests and tools).</summary>
    public ExecutionLog()
        : this(new InMemoryExecutionStore(TimeProvider.System))
    {
    }

    internal ExecutionLog(IExecutionStore store, ExecutionLogCapture? capture = null)
    {
        _store = store;
        _capture = capture;
    }

    /// <summary>
    /// The log lines (Information and up, as the app's logging is configured) written while the execution's handler
    /// ran — not those that work it left running wrote after it ended, which a last line counts; empty for executions of
    /// earlier processes.
    /// </summary>
    public IReadOnlyList<string> LogLinesOf(string id) => _capture?.LinesOf(id) ?? [];

    /// <summary>Executions of this process accepted and waiting to start (or waiting for a retry).</summary>
    public int QueuedCount => Volatile.Read(ref _queued);

    /// <summary>Executions running in this process now.</summary>
    public int RunningCount => Volatile.Read(ref _running);

    /// <summary>
    /// Executions of this process not yet finished (not those that history read back from the store shows unfinished:
    /// another replica's, or an earlier process's that this one has not taken up).
    /// </summary>
    public IReadOnlyList<ExecutionRecord> Active => [.. _executions.Values().Where(e => e.IsHeld && Shown(e)).Select(e => e.Record).Where(record => !IsFinished(record.Status))];

    /// <summary>Every known execution, newest first.</summary>
    public IReadOnlyList<ExecutionRecord> Snapshot() =>
        [.. _executions.Values().Where(Shown).Select(e => e.Record).OrderByDescending(record => record.AcceptedAt).ThenBy(record => record.Id, StringComparer.Ordinal)];

    /// <summary>The latest state of one execution, or null when it is unknown or long gone.</summary>
    public ExecutionRecord? Find(string id) => _executions.GetValueOrDefault(id)?.Record;

    internal static string Name(ExecutionStatus status) => status switch
    {
        ExecutionStatus.Queued => "queued",
        ExecutionStatus.Running => "running",
        ExecutionStatus.Succeeded => "succeeded",
        ExecutionStatus.Failed => "failed",
        _ => "timed_out",
    };

    /// <summary>
    /// The newest executions <paramref name="query"/> selects, newest first: this process's from memory, as they are
    /// now; the rest (older history, other replicas') as the store has them now. What memory has, when the store
    /// cannot be read.
    /// </summary>
    internal async Task<IReadOnlyList<ExecutionRecord>> RecentAsync(ExecutionQuery query)
    {
        var merged = new Dictionary<string, ExecutionRecord>(StringComparer.Ordinal);
        try
        {
            foreach (var record in await _store.QueryAsync(query, CancellationToken.None))
            {
                merged[record.Id] = record;
            }
        }
        catch (ExecutionStoreUnavailableException)
        {
            // The store is away: what this process knows.
        }

        foreach (var execution in _executions.Values().Where(Shown))
        {
            // History read at start-up may be older than the store (another replica's run finished since).
            if (execution.IsHeld || !merged.ContainsKey(execution.Id))
            {
                merged[execution.Id] = execution.Record;
            }
        }

        // A record the store had that this process changed since (a retry queued again) is judged as it is now.
        return [.. merged.Values.Where(query.Matches).OrderByDescending(record => record.AcceptedAt).ThenBy(record => record.Id, StringComparer.Ordinal).Take(query.Limit)];
    }

    /// <summary>One execution: this process's from memory, else the store's one row (older history, another replica's).</summary>
    internal async Task<ExecutionRecord?> FindAsync(string id)
    {
        var known = _executions.GetValueOrDefault(id);
        if (known is { IsHeld: true })
        {
            return known.Record;
        }

        try
        {
            return await _store.FindAsync(id, CancellationToken.None) ?? known?.Record;
        }
        catch (ExecutionStoreUnavailableException)
        {
            return known?.Record;
        }
    }

    // The mutators below are ExecutionLifecycle's alone.

    /// <summary>
    /// This process's execution, as it first appears here: accepted (listed before its row is written, so that recovery,
    /// which reads the rows, never takes it up a second time; neither shown nor counted until it is queued), recovered,
    /// taken over.
    /// </summary>
    internal void Track(TrackedExecution execution)
    {
        var previous = _executions.Set(execution.Id, execution);
        Count(Counted(previous), Counted(execution));
        Finished(execution, previous?.Record.Status);
    }

    /// <summary>Records a change of an execution's state; called under the execution's lock.</summary>
    internal void Apply(TrackedExecution execution, ExecutionRecord record, ExecutionState state)
    {
        var (previous, counted) = (execution.Record.Status, Counted(execution));
        execution.Set(record, state);
        if (_executions.TryGetValue(execution.Id, out var listed) && ReferenceEquals(listed, execution))
        {
            Count(counted, Counted(execution));
            Finished(execution, previous);
        }
    }

    /// <summary>Drops an execution that another replica holds now, or one accepted whose row could not be written.</summary>
    internal void Forget(TrackedExecution execution)
    {
        if (_executions.RemoveIf(execution.Id, execution, ReferenceEquals))
        {
            Count(Counted(execution), null);
        }
    }

    /// <summary>
    /// Records read back from the store (history, newest first), but those this process knows already, and of the
    /// finished ones only as many as the history has room for beside this process's own (they are older: the newest
    /// fill what is left, and leave first, oldest first).
    /// </summary>
    internal void Remember(IEnumerable<ExecutionRecord> newestFirst)
    {
        var room = FinishedHistory - _finishedOrder.Count - _historyOrder.Count;
        var kept = new List<string>();
        foreach (var record in newestFirst)
        {
            var finished = IsFinished(record.Status);
            if ((!finished || kept.Count < room) && _executions.TryAdd(record.Id, new TrackedExecution(record, StateOf(record.Status))) && finished)
            {
                kept.Add(record.Id);
            }
        }

        for (var i = kept.Count - 1; i >= 0; i--)
        {
            _historyOrder.Enqueue(kept[i]);
        }

        Trim();
    }

    /// <summary>
    /// Keeps an execution of this process whose end is being written, or failed to be, whatever the bounded history lets go
    /// meanwhile, until <see cref="EndWritten"/>: its row is unfinished in the store, and recovery's later pages or the
    /// take-over of this process's own rows would take it up again once it was let go (review 41d F2). Listed again if it
    /// was let go already, unless another execution of that id is listed since (review 42a F2).
    /// </summary>
    internal void KeepUnwritten(TrackedExecution execution)
    {
        if (!execution.MarkUnwritten() || _executions.TryGetValue(execution.Id, out var listed) && ReferenceEquals(listed, execution))
        {
            return;
        }

        execution.PassedHistory();
        _executions.TryAdd(execution.Id, execution);
    }

    /// <summary>Whether the log lists this very execution (not another of its id: a run recovery took up since).</summary>
    internal bool IsListed(TrackedExecution execution) => _executions.TryGetValue(execution.Id, out var listed) && ReferenceEquals(listed, execution);

    /// <summary>The end of an execution kept by <see cref="KeepUnwritten"/> landed: it leaves in its turn, as the newest finished one.</summary>
    internal void EndWritten(TrackedExecution execution)
    {
        if (execution.EndLanded() && _executions.TryGetValue(execution.Id, out var listed) && ReferenceEquals(listed, execution))
        {
            _finishedOrder.Enqueue(execution.Id);
            Trim();
        }
    }

    /// <summary>The execution of that id that this process holds, if any.</summary>
    internal TrackedExecution? Held(string id) => _executions.TryGetValue(id, out var execution) && execution.IsHeld ? execution : null;

    /// <summary>
    /// The ids of the executions this process holds (accepted, queued, running, or finished and still in memory) that
    /// were accepted before <paramref name="before"/>: its take-over of its own rows leaves them alone (review 38a F3). An
    /// accept is listed before its row is written, so a row that lands is held here until its accept lets it go.
    /// </summary>
    internal IReadOnlyList<string> HeldAcceptedBefore(DateTimeOffset before) =>
        [.. _executions.Values().Where(e => e.IsHeld && e.Record.AcceptedAt < before).Select(e => e.Id)];

    /// <summary>Every execution this process holds that has not reached a final state.</summary>
    internal IReadOnlyList<TrackedExecution> HeldUnfinished() =>
        [.. _executions.Values().Where(e => e.IsHeld && !ExecutionTransitions.IsFinal(e.State))];

    private static ExecutionState StateOf(ExecutionStatus status) => status switch
    {
        ExecutionStatus.Queued => ExecutionState.Queued,
        ExecutionStatus.Running => ExecutionState.Running,
        ExecutionStatus.Succeeded => ExecutionState.Succeeded,
        ExecutionStatus.Failed => ExecutionState.Failed,
        _ => ExecutionState.TimedOut,
    };

    // Only this process's executions count as queued or running here, once their rows are written.
    private static ExecutionStatus? Counted(TrackedExecution? execution) => execution is { IsHeld: true } && Shown(execution) ? execution.Record.Status : null;

    // An execution accepted whose row is still being written (or failed to be) is no one's business but recovery's yet.
    private static bool Shown(TrackedExecution execution) => execution.State != ExecutionState.Accepted;

    private static bool IsFinished(ExecutionStatus status) => status is not (ExecutionStatus.Queued or ExecutionStatus.Running);

    // The history keeps the latest finished ones: an execution that finishes joins it, the oldest beyond it leave.
    private void Finished(TrackedExecution execution, ExecutionStatus? before)
    {
        if (!IsFinished(execution.Record.Status) || before is { } status && IsFinished(status))
        {
            return;
        }

        _finishedOrder.Enqueue(execution.Id);
        Trim();
    }

    // Beyond the bound, the store's history leaves first, then this process's oldest.
    private void Trim()
    {
        while (_finishedOrder.Count + _historyOrder.Count > FinishedHistory
            && (_historyOrder.TryDequeue(out var oldest) || _finishedOrder.TryDequeue(out oldest)))
        {
            // Only a finished one is dropped; one that runs again since (recovered after a restart) stays, as does one
            // whose end is not written yet (it leaves once it is: EndWritten).
            _executions.RemoveIf(oldest, 0, static (old, _) => IsFinished(old.Record.Status) && old.MayLeave());
        }
    }

    private void Count(ExecutionStatus? before, ExecutionStatus? after)
    {
        if (before == after)
        {
            return;
        }

        Add(before, -1);
        Add(after, +1);

        void Add(ExecutionStatus? status, int delta)
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
}
