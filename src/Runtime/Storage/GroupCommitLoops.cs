namespace ApiRoutes.Storage;

/// <summary>
/// The threads of a <see cref="GroupCommitWriter{TWrite}"/> and what they wait on: writes come in from any thread and
/// gather until the commit thread takes them as a batch; with a sync loop, committed batches wait for the sync thread,
/// and at most <c>maxUndurable</c> of them at once (a place is taken per commit and given back once its batch was
/// synced, or failed). Both threads are threads of their own that block on a lock of their own: a commit and a sync
/// block their thread anyway, and each hand-off is one wake-up of the thread that waits, not a work item of the thread
/// pool for a pool thread that would then block.
/// </summary>
/// <typeparam name="TItem">One write that waits to be committed.</typeparam>
/// <typeparam name="TCommitted">A committed batch that waits to be made durable.</typeparam>
internal sealed class GroupCommitLoops<TItem, TCommitted>
{
    private readonly object _gate = new();
    private readonly object _syncGate = new();
    private readonly List<TItem> _incoming = [];
    private readonly List<TCommitted> _committed = [];
    private readonly bool _pipelined;
    private readonly Action _commitLoop;
    private readonly Action? _syncLoop;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _places;
    private bool _closed;
    private bool _commitWaiting;
    private bool _commitEnded;
    private bool _syncWaiting;

    /// <param name="commitLoop">Runs on the commit thread until <see cref="TakeBatch"/> says closed.</param>
    /// <param name="syncLoop">Runs on the sync thread until <see cref="TakeCommitted"/> says done; null: no pipeline.</param>
    /// <param name="maxUndurable">With a sync loop, how many committed batches may wait to be made durable.</param>
    public GroupCommitLoops(Action commitLoop, Action? syncLoop, int maxUndurable)
    {
        _pipelined = syncLoop is not null;
        _places = maxUndurable;
        _commitLoop = commitLoop;
        _syncLoop = syncLoop;
    }

    /// <summary>Starts the threads (once the loops' owner holds this object: they call it at once).</summary>
    public void Start()
    {
        Start("ApiRoutes store commit", () => Run(_commitLoop, ended: CommitEnded));
        if (_syncLoop is { } syncLoop)
        {
            Start("ApiRoutes store sync", () => Run(syncLoop, ended: () => _stopped.TrySetResult()));
        }
    }

    /// <summary>Adds a write for the next batch; false once stopping.</summary>
    public bool TryAdd(TItem item)
    {
        lock (_gate)
        {
            if (_closed)
            {
                return false;
            }

            _incoming.Add(item);
            if (_commitWaiting)
            {
                Monitor.Pulse(_gate);
            }

            return true;
        }
    }

    /// <summary>
    /// Waits for writes and, pipelined, for a place among the undurable batches (taken), then moves at most
    /// <paramref name="max"/> writes into <paramref name="batch"/>. With <paramref name="retry"/> (writes are kept for a
    /// retry) the wait ends after the retry delay, which <paramref name="retry"/> sets up as a timer that calls the given
    /// action, or at once when stopping: one last try. False once stopping and nothing is left to take or retry.
    /// </summary>
    public bool TakeBatch(List<TItem> batch, int max, Func<Action, ITimer>? retry)
    {
        ITimer? timer = null;
        var due = false;
        try
        {
            lock (_gate)
            {
                while (true)
                {
                    if (_incoming.Count > 0 || due || (retry is not null && _closed))
                    {
                        if (!_pipelined || _places > 0)
                        {
                            break;
                        }
                    }
                    else if (_closed)
                    {
                        return false;
                    }

                    timer ??= retry?.Invoke(() =>
                    {
                        lock (_gate)
                        {
                            due = true;
                            Monitor.Pulse(_gate);
                        }
                    });
                    Wait();
                }

                if (_pipelined)
                {
                    _places--;
                }

                var taken = Math.Min(max, _incoming.Count);
                batch.AddRange(_incoming.GetRange(0, taken));
                _incoming.RemoveRange(0, taken);
                return true;
            }
        }
        finally
        {
            timer?.Dispose();
        }
    }

    /// <summary>Pipelined: waits for a place among the undurable batches and takes it.</summary>
    public void TakePlace()
    {
        if (!_pipelined)
        {
            return;
        }

        lock (_gate)
        {
            while (_places == 0)
            {
                Wait();
            }

            _places--;
        }
    }

    /// <summary>Pipelined: gives back the places of batches made durable, failed, or empty.</summary>
    public void GiveBack(int places)
    {
        if (!_pipelined)
        {
            return;
        }

        lock (_gate)
        {
            _places += places;
            if (_commitWaiting)
            {
                Monitor.Pulse(_gate);
            }
        }
    }

    /// <summary>Hands a committed batch to the sync thread.</summary>
    public void Committed(TCommitted committed)
    {
        lock (_syncGate)
        {
            _committed.Add(committed);
            if (_syncWaiting)
            {
                Monitor.Pulse(_syncGate);
            }
        }
    }

    /// <summary>Waits for committed batches and moves all there are into <paramref name="ready"/>; false once the commit thread ended and none is left.</summary>
    public bool TakeCommitted(List<TCommitted> ready)
    {
        lock (_syncGate)
        {
            while (_committed.Count == 0)
            {
                if (_commitEnded)
                {
                    return false;
                }

                _syncWaiting = true;
                Monitor.Wait(_syncGate);
                _syncWaiting = false;
            }

            ready.AddRange(_committed);
            _committed.Clear();
            return true;
        }
    }

    /// <summary>Refuses new writes; completes once what was added (and kept) was written, and every batch synced.</summary>
    public Task StopAsync()
    {
        lock (_gate)
        {
            _closed = true;
            Monitor.Pulse(_gate);
        }

        return _stopped.Task;
    }

    private static void Start(string name, Action loop) => new Thread(() => loop()) { IsBackground = true, Name = name }.Start();

    // Under _gate: the commit thread waits for writes, a place, the retry timer or the stop.
    private void Wait()
    {
        _commitWaiting = true;
        Monitor.Wait(_gate);
        _commitWaiting = false;
    }

    private void CommitEnded()
    {
        lock (_syncGate)
        {
            _commitEnded = true;
            Monitor.Pulse(_syncGate);
        }

        if (!_pipelined)
        {
            _stopped.TrySetResult();
        }
    }

    // A loop that throws is a bug: the stop reports it rather than waiting forever.
    private void Run(Action loop, Action ended)
    {
        try
        {
            loop();
        }
#pragma warning disable CA1031 // Reported through the stop's task, as the loop's own task did before.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _stopped.TrySetException(e);
        }
        finally
        {
            ended();
        }
    }
}
