using ApiRoutes.Background;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ApiRoutes;

/// <summary>
/// Readiness: the background queue is open. Closed (shutting down): unhealthy. Full (new background requests get 503
/// with Retry-After) or four fifths full: degraded, still ready. A full queue took the replica out of rotation, its
/// standard routes too, and anyone who can post to a slow background route can fill every replica's (review 27c F4).
/// </summary>
internal sealed class QueueHealthCheck(BackgroundQueue queue, IOptions<ApiRoutesOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var (waiting, limit) = (queue.Occupied, options.Value.Background.MaxQueueLength);
        var result = queue.IsClosed ? new HealthCheckResult(context.Registration.FailureStatus, "The server is shutting down: the queue is closed.")
            : waiting >= limit ? HealthCheckResult.Degraded($"The queue is full ({waiting} of {limit} waiting): new background requests get 503.")
            : waiting * 5L >= limit * 4L ? HealthCheckResult.Degraded($"The queue is nearly full ({waiting} of {limit} waiting).")
            : HealthCheckResult.Healthy();
        return Task.FromResult(result);
    }
}
