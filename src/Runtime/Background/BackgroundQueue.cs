using System.Collections.Concurrent;
using System.Threading.Channels;
using ApiRoutes.Execution;
using Microsoft.Extensions.Options;

namespace ApiRoutes.Background;

/// <summary>
/// Admission control and the queue in front of the workers. A new request is admitted only while fewer than
/// <see cref="BackgroundRouteOptions.MaxQueueLength"/> executions wait, to start or for a retry (each keeps its
/// request in memory); retries and recovered work always re-enter.
/// It only carries executions: what state they are in is the <see cref="ExecutionLifecycle"/>'s.
/// </summary>
internal sealed class BackgroundQueue(IOptions<ApiRoutesOptions> options)
{
    private readonly Channel<TrackedExecution> _channel = Channel.CreateUnbounded<TrackedExecution>();
    private readonly ConcurrentDictionary<TrackedExecution, byte> _working = new();
    private int _waiting;
    private int _retryWaiting;
    private volatile bool _closed;

    public ChannelReader<TrackedExecution> Reader => _channel.Reader;

    public bool IsClosed => _closed;

    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Executions of this process waiting out a retry's delay.</summary>
    public int RetryWaiting => Volatile.Read(ref _retryWaiting);

    /// <summary>What <see cref="BackgroundRouteOptions.MaxQueueLength"/> bounds: waiting to start, and waiting for a retry.</summary>
    public int Occupied => Waiting + RetryWaiting;

    /// <summary>
    /// How many unfinished rows a claim from the store may take now (at most 1,000), every one of them to be taken up:
    /// room to run, and room beside the queue for retries waiting out their delay, each bounded by
    /// <paramref name="maxQueueLength"/> on its own (a waiting retry never takes the room of work that can run now).
    /// </summary>
    public int RoomToClaim(int maxQueueLength) => Math.Min(1000, maxQueueLength - Math.Max(Waiting, RetryWaiting));

    /// <summary>Reserves a place for new work, or says why there is none: the reason is null on success.</summary>
    public string? TryReserve()
    {
        if (_closed)
        {
            return "the server is shutting down";
        }

        if (Interlocked.Increment(ref _waiting) + RetryWaiting > options.Value.Background.MaxQueueLength)
        {
            Interlocked.Decrement(ref _waiting);
            return $"the queue is full ({options.Value.Background.MaxQueueLength} waiting)";
        }

        return null;
    }

    /// <summary>Gives back a reserved place that will not be used.</summary>
    public void Release() => Interlocked.Decrement(ref _waiting);

    /// <summary>Queues work whose place was reserved; false (and the place given back) when shutdown closed the queue.</summary>
    public bool TryWrite(TrackedExecution execution)
    {
        if (_channel.Writer.TryWrite(execution))
        {
            return true;
        }

        Interlocked.Decrement(ref _waiting);
        return false;
    }

    /// <summary>Puts accepted work back (a retry, recovered work); never refused for capacity, only once closed.</summary>
    public bool Requeue(TrackedExecution execution)
    {
        Interlocked.Increment(ref _waiting);
        return TryWrite(execution);
    }

    /// <summary>An execution starts (+1) or stops (-1) waiting out a retry's delay; never refused.</summary>
    public void CountRetryWaiting(int delta) => Interlocked.Add(ref _retryWaiting, delta);

    /// <summary>Called by a worker when it takes an execution off the queue.</summary>
    public void Started() => Interlocked.Decrement(ref _waiting);

    /// <summary>
    /// The executions the workers run — one whose handler was abandoned at its time limit until the handler returns
    /// (review 36c R1: ApiRoutes.Testing counted executions recorded as running, and waited for a queued one to start
    /// while the only worker still held an abandoned handler).
    /// </summary>
    public IReadOnlyCollection<TrackedExecution> Working => [.. _working.Keys];

    internal void WorkerTook(TrackedExecution execution) => _working.TryAdd(execution, 0);

    internal void WorkerFreed(TrackedExecution execution) => _working.TryRemove(execution, out _);

    /// <summary>No new work from now on; what is queued still drains.</summary>
    public void Close()
    {
        _closed = true;
        _channel.Writer.TryComplete();
    }
}
