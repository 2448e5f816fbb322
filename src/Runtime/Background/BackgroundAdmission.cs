using ApiRoutes.Execution;
using ApiRoutes.ManifestLoading;
using ApiRoutes.Storage;

namespace ApiRoutes.Background;

/// <summary>
/// Admits background work, for a background request and for a replay from the dashboard alike: a place in the queue
/// is reserved, the execution is stored (durable before anyone is told it was accepted), then queued. Refused (with
/// why: the queue is full, the store cannot take it, the server shuts down) only before anything would run.
/// </summary>
internal sealed class BackgroundAdmission(BackgroundQueue queue, ExecutionLifecycle lifecycle, IExecutionStore store, RetryService retries, TimeProvider time)
{
    /// <param name="route">The background route.</param>
    /// <param name="request">What each attempt gets.</param>
    /// <param name="trace">The trace its attempts continue: the accepted request's.</param>
    /// <param name="cancellationToken">The request's: a client that goes away before the execution is stored is not admitted.</param>
    /// <param name="replayOf">The failed execution it replays.</param>
    /// <param name="key">
    /// The request's idempotency key: when the route has an execution accepted with it, none is admitted and the answer
    /// is that one (<see cref="Admission.Earlier"/>).
    /// </param>
    public async ValueTask<Admission> AdmitAsync(LoadedRoute route, RequestSnapshot request, TraceContext trace, CancellationToken cancellationToken, string? replayOf = null, IdempotencyKey? key = null)
    {
        if (queue.TryReserve(out var untilRetryDue) is { } full)
        {
            // A retry of work accepted before needs no room: it is answered with that execution (the client that never
            // saw its 202 is told at once, not sent away to try again until the queue has room for work it won't add).
            if (key is not null && await EarlierAsync(route, key, cancellationToken) is { } earlier)
            {
                return new Admission(null, null, earlier);
            }

            // Retries hold the whole room: no place frees before the first of them is due, so the client is told that,
            // not the configured Retry-After, which it would spend asking again in vain (review 39a N4).
            if (untilRetryDue && retries.FirstDue() is { } due)
            {
                var seconds = Math.Max(1L, (long)Math.Ceiling((due - time.GetUtcNow()).TotalSeconds));
                return new Admission(null, $"{full}; no place frees before the first retry is due, in {seconds} s", RetryAfterSeconds: seconds);
            }

            return new Admission(null, full);
        }

        TrackedExecution? execution = null;
        try
        {
            if (key is null)
            {
                execution = lifecycle.Accept(route, request, trace, cancellationToken, out var stored, replayOf);
                await stored;
            }
            else
            {
                execution = lifecycle.AcceptOnce(route, request, trace, key, cancellationToken, out var stored, replayOf);
                if (await stored is { Existing: not null } earlier)
                {
                    lifecycle.NotStored(execution);
                    queue.Release();
                    return new Admission(null, null, earlier);
                }
            }
        }
        catch (ExecutionStoreUnavailableException e)
        {
            lifecycle.NotStored(execution);
            queue.Release();
            return new Admission(null, e.Message);
        }
        catch
        {
            // An exception of the store's own (a bug, a driver's surprise): the request fails, and its place is given
            // back, or each such failure would hold one for good until the queue answered "full" for ever.
            lifecycle.NotStored(execution);
            queue.Release();
            throw;
        }

        return lifecycle.Enqueue(execution) ? new Admission(execution, null) : new Admission(null, "the server is shutting down");
    }

    // The execution accepted under the key, when the store can tell; otherwise the refusal stands.
    private async ValueTask<KeyedAdd?> EarlierAsync(LoadedRoute route, IdempotencyKey key, CancellationToken cancellationToken)
    {
        try
        {
            return await store.FindKeyAsync(route.Template, key, cancellationToken);
        }
        catch (ExecutionStoreUnavailableException)
        {
            return null;
        }
    }
}

/// <summary>
/// The admitted execution; or why none was (a 503: try again later, after <see cref="RetryAfterSeconds"/> when it is
/// known better than the configured <c>RetryAfterSeconds</c>); or, for a request with an idempotency key, the
/// execution an earlier request with the key was accepted as (<see cref="Earlier"/>), nothing new admitted.
/// </summary>
internal readonly record struct Admission(TrackedExecution? Execution, string? Refusal, KeyedAdd Earlier = default, long? RetryAfterSeconds = null);
