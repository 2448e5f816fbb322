using System.Threading.Channels;
using ApiRoutes.Execution;
using ApiRoutes.ManifestLoading;
using Microsoft.Extensions.Options;

namespace ApiRoutes.Background;

/// <summary>An accepted background execution: the route, the copied request, and its latest record.</summary>
internal sealed record BackgroundExecution(LoadedRoute Route, RequestSnapshot Request, ExecutionRecord Record);

/// <summary>
/// Admission control and the queue in front of the workers. A new request is admitted only while fewer than
/// <see cref="BackgroundRouteOptions.MaxQueueLength"/> executions wait; retries of accepted work always re-enter.
/// </summary>
internal sealed class BackgroundQueue(IOptions<ApiRoutesOptions> options, ExecutionLog log)
{
    private readonly Channel<BackgroundExecution> _channel = Channel.CreateUnbounded<BackgroundExecution>();
    private int _waiting;
    private volatile bool _closed;

    public ChannelReader<BackgroundExecution> Reader => _channel.Reader;

    public bool IsClosed => _closed;

    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Reserves a place for new work, or says why there is none: the reason is null on success.</summary>
    public string? TryReserve()
    {
        if (_closed)
        {
            return "the server is shutting down";
        }

        if (Interlocked.Increment(ref _waiting) > options.Value.Background.MaxQueueLength)
        {
            Interlocked.Decrement(ref _waiting);
            return $"the queue is full ({options.Value.Background.MaxQueueLength} waiting)";
        }

        return null;
    }

    /// <summary>Gives back a reserved place that will not be used.</summary>
    public void Release() => Interlocked.Decrement(ref _waiting);

    /// <summary>
    /// Queues work whose place was reserved and whose record the store already has (written before the 202); false
    /// only when shutdown closed the queue in between.
    /// </summary>
    public bool Enqueue(BackgroundExecution execution)
    {
        log.Remember(execution.Record);
        if (_channel.Writer.TryWrite(execution))
        {
            return true;
        }

        Interlocked.Decrement(ref _waiting);
        log.Update(execution.Record with { Status = ExecutionStatus.Failed, Error = "The server shut down as it was accepted." });
        return false;
    }

    /// <summary>Puts accepted work back (a retry); never refused for capacity.</summary>
    public bool Requeue(BackgroundExecution execution)
    {
        Interlocked.Increment(ref _waiting);
        log.Update(execution.Record);
        if (_channel.Writer.TryWrite(execution))
        {
            return true;
        }

        Interlocked.Decrement(ref _waiting);
        return false;
    }

    /// <summary>Called by a worker when it takes an execution off the queue.</summary>
    public void Started() => Interlocked.Decrement(ref _waiting);

    /// <summary>No new work from now on; what is queued still drains.</summary>
    public void Close()
    {
        _closed = true;
        _channel.Writer.TryComplete();
    }
}
