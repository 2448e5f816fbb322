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
/// Each renewal also reads the database's clock (<see cref="IReplicaCoordination.Clock"/>): a machine whose clock is
/// more than <see cref="ClockTolerance"/> from it is told (4009), since its schedules and retry delays follow its own.
/// </summary>
internal sealed class LeaseRenewalService(IReplicaCoordination? coordination, LeaseHeartbeat heartbeat, LeaseFence fence, TimeProvider time, ILoggerFactory loggerFactory)
    : PeriodicService(time, loggerFactory.CreateLogger(Log.Category))
{
    // How far this machine's clock may be from the database's before it is told (4009): NTP keeps machines within
    // milliseconds; a second is a clock that is not kept.
    internal static readonly TimeSpan ClockTolerance = TimeSpan.FromSeconds(1);

    private bool _failing;
    private bool? _skewedAhead;   // told: this machine's clock ahead (true) or behind (false); null when not told, or agreeing since

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
            Judge(coordination.Clock);

            if (_failing)
            {
                _failing = false;
                Logger.ReplicaLeaseRenewed(coordination.Replica);
            }
        }
        catch (ExecutionStoreUnavailableException e)
        {
            fence.NotRenewed();
            if (!_failing)
            {
                _failing = true;
                Logger.ReplicaLeaseNotRenewed(coordination!.Replica, coordination.Description, e);
            }
        }
    }

    // Told once when the clocks drift apart beyond the tolerance (again if they drift the other way), and once when
    // they agree again: within half of it, counting the whole round trip, so that a slow reading proves nothing.
    private void Judge(ClockReading? reading)
    {
        if (reading is not { } clock)
        {
            return;
        }

        var ahead = clock.DatabaseAhead < TimeSpan.Zero;   // the database's clock behind: this machine's ahead
        if (clock.AtLeast > ClockTolerance && _skewedAhead != ahead)
        {
            _skewedAhead = ahead;
            Logger.ReplicaClockSkewed(coordination!.Replica, Seconds(clock.DatabaseAhead.Duration()), ahead ? "ahead of" : "behind",
                coordination.Description, Seconds(clock.Uncertainty), ahead ? "early" : "late");
        }
        else if (_skewedAhead is not null && clock.DatabaseAhead.Duration() + clock.Uncertainty <= ClockTolerance / 2)
        {
            _skewedAhead = null;
            Logger.ReplicaClockAgrees(coordination!.Replica, Seconds(ClockTolerance / 2));
        }
    }

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) + " s";
}
