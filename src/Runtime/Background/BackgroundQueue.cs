using System.Collections.Concurrent;
using System.Threading.Channels;
using ApiRoutes.Execution;
using Microsoft.Extensions.Options;

namespace ApiRoutes.Background;

/// <summary>
/// Admission control and the queue in front of the workers. A new request is admitted only while fewer than
/// <see cref="BackgroundRouteOptions.MaxQueueLength"/> executions wait to start. Retries waiting out their delay have a
/// room of their own beside it, of <c>MaxQueueLength</c> too, as start-up recovery keeps them (<see cref="RoomToClaim"/>):
/// a retry due in a minute needs no worker now, so it never refuses work that could run now (review 39a F2: one failing
/// route answered every background route 503 for the whole delay, every worker idle). Only retries past their room take
/// places of the queue's, so that the requests held in memory stay bounded (2 × <c>MaxQueueLength</c> waiting, plus
/// what runs: review 4, finding 7). Retries and recovered work always re-enter.
/// It only carries executions: what state they are in is the <see cref="ExecutionLifecycle"/>'s.
/// </summary>
internal sealed class BackgroundQueue(IOptions<ApiRoutesOptions> options)
{
    private readonly Channel<TrackedExecution> _channel = Channel.CreateUnbounded<TrackedExecution>();
    private readonly ConcurrentDictionary<object, TrackedExecution> _working = new();
    private int _waiting;
    private int _retryWaiting;
    private volatile bool _closed;
    private volatile bool _recoveryAhead;
    private TaskCompletionSource? _roomWanted;
    private TaskCompletionSource? _retryRoomWanted;

    public ChannelReader<TrackedExecution> Reader => _channel.Reader;

    public bool IsClosed => _closed;

    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Executions of this process waiting out a retry's delay.</summary>
    public int RetryWaiting => Volatile.Read(ref _retryWaiting);

    /// <summary>Retries waiting out their delay past the room beside the queue: each takes a place of the queue's room.</summary>
    public int RetriesPastTheirRoom => Math.Max(0, RetryWaiting - options.Value.Background.MaxQueueLength);

    /// <summary>What <see cref="BackgroundRouteOptions.MaxQueueLength"/> bounds: waiting to start, and retries past their own room.</summary>
    public int Occupied => Waiting + RetriesPastTheirRoom;

    /// <summary>
    /// How many unfinished rows a claim from the store may take now (at most 1,000), every one of them to be taken up:
    /// room to run, and room beside the queue for retries waiting out their delay, each bounded by
    /// <paramref name="maxQueueLength"/> on its own (a waiting retry never takes the room of work that can run now).
    /// </summary>
    public int RoomToClaim(int maxQueueLength) => Math.Min(1000, maxQueueLength - Math.Max(Waiting, RetryWaiting));

    /// <summary>Reserves a place for new work, or says why there is none: the reason is null on success.</summary>
    public string? TryReserve() => TryReserve(out _);

    /// <summary>
    /// As <see cref="TryReserve()"/>; <paramref name="untilRetryDue"/> says that retries waiting out their delay hold the
    /// whole room, so that no place frees before the first of them is due (review 39a N4).
    /// </summary>
    public string? TryReserve(out bool untilRetryDue)
    {
        untilRetryDue = false;
        if (_closed)
        {
            return "the server is shutting down";
        }

        // Work accepted before this start waits for room: a freed place is its, not a new request's (review 39a F5).
        if (_recoveryAhead)
        {
            return "the queue is full: work accepted before this start is taken up first";
        }

        var (max, past) = (options.Value.Background.MaxQueueLength, RetriesPastTheirRoom);
        if (Interlocked.Increment(ref _waiting) + past > max)
        {
            var waiting = Interlocked.Decrement(ref _waiting);
            if (past == 0)
            {
                return $"the queue is full ({max} waiting)";
            }

            untilRetryDue = waiting == 0;
            return $"the queue is full ({waiting} waiting to start, and {past} more waiting out a retry's delay than the {max} kept beside the queue)";
        }

        return null;
    }

    /// <summary>Gives back a reserved place that will not be used.</summary>
    public void Release() => Freed();

    /// <summary>
    /// Whether start-up recovery has unfinished rows that could run now and waits for room for them: new requests are
    /// refused meanwhile, so that work accepted before the stop runs before newer work (review 39a F5: under sustained
    /// load, new requests took every freed place, and recovery, which looked for room once a second, none).
    /// </summary>
    public bool RecoveryAhead
    {
        get => _recoveryAhead;
        set => _recoveryAhead = value;
    }

    /// <summary>Completes once a place of the queue's room is free (at once when one is), for start-up recovery.</summary>
    public Task RoomFreedAsync() => Wanted(ref _roomWanted, static queue => queue.Waiting);

    // A wait for a place of a room bounded by MaxQueueLength, counted by `taken`: set before the count is read, so that
    // a place freed in between completes it (its freer reads the slot after changing the count).
    private Task Wanted(ref TaskCompletionSource? slot, Func<BackgroundQueue, int> taken)
    {
        var wanted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref slot, wanted);
        if (taken(this) < options.Value.Background.MaxQueueLength)
        {
            wanted.TrySetResult();
        }

        return wanted.Task;
    }

    private void Freed()
    {
        Interlocked.Decrement(ref _waiting);
        Volatile.Read(ref _roomWanted)?.TrySetResult();
    }

    /// <summary>Queues work whose place was reserved; false (and the place given back) when shutdown closed the queue.</summary>
    public bool TryWrite(TrackedExecution execution)
    {
        if (_channel.Writer.TryWrite(execution))
        {
            return true;
        }

        Freed();
        return false;
    }

    /// <summary>Puts accepted work back (a retry, recovered work); never refused for capacity, only once closed.</summary>
    public bool Requeue(TrackedExecution execution)
    {
        Interlocked.Increment(ref _waiting);
        return TryWrite(execution);
    }

    /// <summary>An execution starts (+1) or stops (-1) waiting out a retry's delay; never refused.</summary>
    public void CountRetryWaiting(int delta)
    {
        var now = Interlocked.Add(ref _retryWaiting, delta);
        if (delta < 0 && now < options.Value.Background.MaxQueueLength)
        {
            Volatile.Read(ref _retryRoomWanted)?.TrySetResult();
        }
    }

    /// <summary>
    /// Completes once the room beside the queue for retries waiting out their delay has a free place (at once when it
    /// has), for start-up recovery: stored retries past that room are taken up when one here comes due, not looked for
    /// again every second (each look reads their rows with their requests).
    /// </summary>
    public Task RetryRoomFreedAsync() => Wanted(ref _retryRoomWanted, static queue => queue.RetryWaiting);

    /// <summary>Called by a worker when it takes an execution off the queue.</summary>
    public void Started() => Freed();

    /// <summary>
    /// The executions the workers run — one whose handler was abandoned at its time limit until the handler returns
    /// (review 36c R1: ApiRoutes.Testing counted executions recorded as running, and waited for a queued one to start
    /// while the only worker still held an abandoned handler).
    /// One per worker: an execution's next attempt may be taken by another worker before the one that ran the last lets
    /// it go (a retry due at once, a fenced attempt put back), and must not leave the list then (review 39g F1).
    /// </summary>
    public IReadOnlyCollection<TrackedExecution> Working => [.. _working.Values];

    /// <summary>A worker took <paramref name="execution"/>; what it gets back is its place in <see cref="Working"/>, to free.</summary>
    internal object WorkerTook(TrackedExecution execution)
    {
        var slot = new object();
        _working[slot] = execution;
        return slot;
    }

    internal void WorkerFreed(object slot) => _working.TryRemove(slot, out _);

    /// <summary>No new work from now on; what is queued still drains.</summary>
    public void Close()
    {
        _closed = true;
        _channel.Writer.TryComplete();
    }
}
