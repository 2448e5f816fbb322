using Microsoft.AspNetCore.Http;

namespace ApiRoutes;

/// <summary>
/// The background or scheduled execution a handler runs for, on its context's features (as ASP.NET Core hands a
/// request's own facts to its code): <c>context.GetApiRoutesExecution()</c>, or
/// <c>context.Features.Get&lt;IApiRoutesExecutionFeature&gt;()</c>. Null for a standard route's request.
/// </summary>
/// <remarks>
/// A background execution may run more than once (a retry after a failure, a run again after a crash or a deploy):
/// <see cref="ExecutionId"/> is the same for all of its attempts, so a handler makes its own side effects safe to
/// repeat with it — the <c>Idempotency-Key</c> it sends a payment provider, the key of a row it inserts.
/// </remarks>
public interface IApiRoutesExecutionFeature
{
    /// <summary>The execution's id, the same for every attempt: the <c>X-ApiRoutes-Execution-Id</c> of its 202.</summary>
    string ExecutionId { get; }

    /// <summary>The route's template, as the manifest lists it (<c>/api/orders/{id}</c>).</summary>
    string Route { get; }

    /// <summary>This attempt: 1 for the first, 2 for the first retry, …; a run again after a crash counts as one more.</summary>
    int Attempt { get; }

    /// <summary>
    /// The attempts the execution may have: 1 + the number of <c>ApiRoutes:Background:RetryDelays</c> for a background
    /// route, 1 for a scheduled run (never retried). <c>Attempt == MaxAttempts</c> is the last one.
    /// </summary>
    int MaxAttempts { get; }

    /// <summary>When the execution was accepted (its 202, or its schedule occurrence's claim).</summary>
    DateTimeOffset AcceptedAt { get; }

    /// <summary>The schedule occurrence a scheduled run is for; null for a background execution and a run started by hand.</summary>
    DateTimeOffset? Occurrence { get; }
}

/// <summary>Reads what ApiRoutes puts on a handler's context.</summary>
public static class ApiRoutesHttpContextExtensions
{
    /// <summary>The execution the handler runs for; null for a standard route's request.</summary>
    public static IApiRoutesExecutionFeature? GetApiRoutesExecution(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<IApiRoutesExecutionFeature>();
    }
}
