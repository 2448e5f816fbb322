using ApiRoutes.Execution;
using ApiRoutes.ManifestLoading;
using ApiRoutes.Storage;

namespace ApiRoutes.Background;

/// <summary>
/// Admits background work, for a background request and for a replay from the dashboard alike: a place in the queue
/// is reserved, the execution is stored (durable before anyone is told it was accepted), then queued. Refused (with
/// why: the queue is full, the store cannot take it, the server shuts down) only before anything would run.
/// </summary>
internal sealed class BackgroundAdmission(BackgroundQueue queue, ExecutionLifecycle lifecycle)
{
    /// <param name="route">The background route.</param>
    /// <param name="request">What each attempt gets.</param>
    /// <param name="trace">The trace its attempts continue: the accepted request's.</param>
    /// <param name="cancellationToken">The request's: a client that goes away before the execution is stored is not admitted.</param>
    /// <param name="replayOf">The failed execution it replays.</param>
    public async ValueTask<Admission> AdmitAsync(LoadedRoute route, RequestSnapshot request, TraceContext trace, CancellationToken cancellationToken, string? replayOf = null)
    {
        if (queue.TryReserve() is { } full)
        {
            return new Admission(null, full);
        }

        TrackedExecution? execution = null;
        try
        {
            execution = lifecycle.Accept(route, request, trace, cancellationToken, out var stored, replayOf);
            await stored;
        }
        catch (ExecutionStoreUnavailableException e)
        {
            lifecycle.NotStored(execution);
            queue.Release();
            return new Admission(null, e.Message);
        }
        catch
        {
            lifecycle.NotStored(execution);
            throw;
        }

        return lifecycle.Enqueue(execution) ? new Admission(execution, null) : new Admission(null, "the server is shutting down");
    }
}

/// <summary>The admitted execution, or why none was (a 503: try again later).</summary>
internal readonly record struct Admission(TrackedExecution? Execution, string? Refusal);
