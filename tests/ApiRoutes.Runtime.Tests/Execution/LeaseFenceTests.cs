using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ApiRoutes.Runtime.Tests.Execution;

/// <summary>
/// The lease fence on its own, on a fake clock: it trips three quarters of a lease after the last successful renewal
/// was sent (the test coordination's lease is a minute), at once when a renewal finds the lease lapsed, and never
/// without coordination.
/// </summary>
public sealed class LeaseFenceTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void It_trips_three_quarters_of_a_lease_after_the_last_renewal_was_sent_and_lifts_at_the_next_that_succeeds()
    {
        var time = new FakeTimeProvider(Start);
        using var fence = new LeaseFence(time, NullLoggerFactory.Instance, new ElsewhereCoordination());
        var first = fence.Token;
        var start = time.GetTimestamp();

        time.Advance(TimeSpan.FromSeconds(45) - TimeSpan.FromMilliseconds(1));
        var heldJustBefore = (!first.IsCancellationRequested, fence.WhenHeldAsync(default).IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        var tripped = (first.IsCancellationRequested, fence.WhenHeldAsync(default).IsCompleted);

        fence.Renewed(start, lapsed: false);                               // sent at 0:00, answered only now (0:45)
        var afterStale = fence.WhenHeldAsync(default).IsCompleted;       // 0:00 + 0:45 is now: still in doubt
        var waiting = fence.WhenHeldAsync(default);
        fence.Renewed(start + (40 * time.TimestampFrequency), lapsed: false);   // held until 0:40 + 0:45 = 1:25
        var second = fence.Token;
        time.Advance(TimeSpan.FromSeconds(40) - TimeSpan.FromMilliseconds(1));
        var secondHeld = !second.IsCancellationRequested;
        time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal((true, true), heldJustBefore);
        Assert.Equal((true, false), tripped);
        Assert.False(afterStale);
        Assert.True(waiting.IsCompletedSuccessfully);
        Assert.True(secondHeld);
        Assert.True(second.IsCancellationRequested);
    }

    [Fact]
    public void A_renewal_that_finds_the_lease_lapsed_cancels_what_ran_at_once_and_holds_again()
    {
        var time = new FakeTimeProvider(Start);
        using var fence = new LeaseFence(time, NullLoggerFactory.Instance, new ElsewhereCoordination());
        var before = fence.Token;

        time.Advance(TimeSpan.FromSeconds(10));   // by this clock the lease is held (a process frozen meanwhile would not know)
        fence.Renewed(time.GetTimestamp(), lapsed: true);

        Assert.True(before.IsCancellationRequested);
        Assert.False(fence.Token.IsCancellationRequested);
        Assert.True(fence.WhenHeldAsync(default).IsCompleted);
    }

    [Fact]
    public void Without_coordination_it_never_trips()
    {
        var time = new FakeTimeProvider(Start);
        using var fence = new LeaseFence(time, NullLoggerFactory.Instance);

        time.Advance(TimeSpan.FromDays(1));

        Assert.False(fence.Token.IsCancellationRequested);
        Assert.True(fence.WhenHeldAsync(default).IsCompleted);
    }
}
