using ApiRoutes.Background;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ApiRoutes;

/// <summary>
/// Readiness: the background queue has room. Full (new requests get 503) or closed (shutting down): unhealthy; four
/// fifths full or more: degraded (still ready).
/// </summary>
internal sealed class QueueHealthCheck(BackgroundQueue queue, IOptions<ApiRoutesOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var (waiting, limit) = (queue.Occupied, options.Value.Background.MaxQueueLength);
        var result = queue.IsClosed ? new HealthCheckResult(context.Registration.FailureStatus, "The server is shutting down: the queue is closed.")
            : waiting >= limit ? new HealthCheckResult(context.Registration.FailureStatus, $"The queue is full ({waiting} of {limit} waiting).")
            : waiting * 5L >= limit * 4L ? HealthCheckResult.Degraded($"The queue is nearly full ({waiting} of {limit} waiting).")
            : HealthCheckResult.Healthy();
        return Task.FromResult(result);
    }
}
