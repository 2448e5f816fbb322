using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ApiRoutes.Runtime.Tests.Execution;

/// <summary>
/// The lease fence measures elapsed time only, as the database measures the lease: a wall clock stepped back (NTP, a
/// VM resumed) does not delay its trip, and one stepped forward while a renewal is in flight does not fence a replica
/// whose lease holds (review 5, finding 2). The clock's wall time is stepped while its timestamps and timers follow a
/// fake clock.
/// </summary>
public sealed class LeaseFenceClockStepTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_wall_clock_stepped_back_does_not_delay_the_fence()
    {
        var elapsed = new FakeTimeProvider(Start);
        var clock = new SteppedClock(elapsed);
        using var fence = new LeaseFence(clock, NullLoggerFactory.Instance, new ElsewhereCoordination());   // lease: a minute
        var token = fence.Token;

        elapsed.Advance(TimeSpan.FromSeconds(20));
        fence.Renewed(clock.GetTimestamp(), lapsed: false);   // the last renewal that succeeds: sent at 0:20, held until 1:05
        elapsed.Advance(TimeSpan.FromSeconds(10));
        clock.Step = -TimeSpan.FromMinutes(10);               // 0:30: the wall clock is stepped back ten minutes

        // 1:06 of elapsed time: three quarters of a lease and more since the last renewal was sent. The lease in the
        // database lapses at about 1:20; the others take the work over from then on.
        elapsed.Advance(TimeSpan.FromSeconds(36));

        Assert.True(token.IsCancellationRequested, "the fence has not tripped 46 s after the last renewal was sent (lease 60 s)");
    }

    [Fact]
    public void A_wall_clock_stepped_forward_during_a_renewal_does_not_fence_a_replica_whose_lease_holds()
    {
        var elapsed = new FakeTimeProvider(Start);
        var clock = new SteppedClock(elapsed);
        using var fence = new LeaseFence(clock, NullLoggerFactory.Instance, new ElsewhereCoordination());   // lease: a minute
        var token = fence.Token;

        elapsed.Advance(TimeSpan.FromSeconds(20));
        var sent = clock.GetTimestamp();                   // 0:20: a renewal is sent ...
        clock.Step = TimeSpan.FromSeconds(50);             // ... the wall clock is stepped forward 50 s meanwhile ...
        fence.Renewed(sent, lapsed: false);                // ... and it succeeds: the lease holds until about 1:20 of elapsed time

        elapsed.Advance(TimeSpan.FromSeconds(26));         // 0:46 of elapsed time, 26 s after a renewal that succeeded
        var heldAfterRenewal = !token.IsCancellationRequested;
        elapsed.Advance(TimeSpan.FromSeconds(19));         // 1:05: three quarters of a lease after it was sent

        Assert.True(heldAfterRenewal, "a replica whose renewal succeeded 26 s ago (lease 60 s) fenced itself");
        Assert.True(token.IsCancellationRequested);
    }
}
