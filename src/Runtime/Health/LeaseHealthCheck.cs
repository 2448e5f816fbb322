using ApiRoutes.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ApiRoutes;

/// <summary>
/// Readiness, with replicas sharing PostgreSQL: this replica renewed its lease within the lease duration (on the
/// <see cref="TimeProvider"/>); otherwise the others may be taking its work over. Healthy without replicas.
/// </summary>
internal sealed class LeaseHealthCheck(LeaseHeartbeat heartbeat, TimeProvider time, IReplicaCoordination? coordination = null) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (coordination is null)
        {
            return Task.FromResult(HealthCheckResult.Healthy("No replicas: the store does not coordinate."));
        }

        var since = time.GetUtcNow() - heartbeat.RenewedAt;
        return Task.FromResult(since <= coordination.LeaseDuration
            ? HealthCheckResult.Healthy()
            : new HealthCheckResult(
                context.Registration.FailureStatus,
                $"Replica {coordination.Replica} last renewed its lease {since.TotalSeconds:0} s ago; it lasts {coordination.LeaseDuration.TotalSeconds:0} s."));
    }
}

/// <summary>When this replica last held its lease for sure: registered (at start) or renewed.</summary>
internal sealed class LeaseHeartbeat(TimeProvider time)
{
    private long _renewedAtTicks = time.GetUtcNow().UtcTicks;

    public DateTimeOffset RenewedAt => new(Interlocked.Read(ref _renewedAtTicks), TimeSpan.Zero);

    public void Renewed() => Interlocked.Exchange(ref _renewedAtTicks, time.GetUtcNow().UtcTicks);
}
