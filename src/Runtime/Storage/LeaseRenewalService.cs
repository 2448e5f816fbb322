using ApiRoutes.Diagnostics;
using ApiRoutes.Hosting;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Storage;

/// <summary>
/// Renews this replica's lease three times per period, while it runs (PostgreSQL only; without coordination it never
/// starts). Registered before the background workers, so it stops after their drain: the lease holds while running
/// work finishes. A renewal that fails is logged once until one succeeds again; a lease found lapsed is logged,
/// because other replicas may then have taken over, and may repeat, this replica's work. Each renewal's outcome, with
/// when it was sent, goes to the <see cref="LeaseFence"/>, which stops this replica's work when its lease is in doubt.
/// </summary>
internal sealed class LeaseRenewalService(IReplicaCoordination? coordination, LeaseHeartbeat heartbeat, LeaseFence fence, TimeProvider time, ILoggerFactory loggerFactory)
    : PeriodicService(time, loggerFactory.CreateLogger(Log.Category))
{
    private bool _failing;

    protected override TimeSpan? Period => coordination?.LeaseDuration / 3;

    protected override string Name => "renewing this replica's lease";

    protected override async Task RunOnceAsync(CancellationToken stopping)
    {
        var sent = Time.GetTimestamp();   // elapsed time: the lease runs from a moment after this one, by the database's clock
        try
        {
            var lapsed = await coordination!.RenewLeaseAsync(stopping) == LeaseRenewal.Lapsed;
            if (lapsed)
            {
                Logger.ReplicaLeaseLapsed(coordination.Replica, coordination.LeaseDuration);
            }

            fence.Renewed(sent, lapsed);

            heartbeat.Renewed();   // held again either way: renewed, or registered anew

            if (_failing)
            {
                _failing = false;
                Logger.ReplicaLeaseRenewed(coordination.Replica);
            }
        }
        catch (ExecutionStoreUnavailableException e)
        {
            if (!_failing)
            {
                _failing = true;
                Logger.ReplicaLeaseNotRenewed(coordination!.Replica, coordination.Description, e);
            }
        }
    }
}
