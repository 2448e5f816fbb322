namespace ApiRoutes.Testing.Tests;

/// <summary>The test clock knows which timers wait on it and when they are due.</summary>
public sealed class TestClockTests
{
    private static readonly DateTimeOffset Start = ApiRoutesTestOptions.DefaultStart;

    [Fact]
    public void The_next_due_is_the_earliest_armed_timer_until_it_fires_or_is_disposed()
    {
        var clock = new TestClock(Start);
        Assert.Null(clock.NextDue);

        using var late = clock.CreateTimer(_ => { }, null, TimeSpan.FromMinutes(5), Timeout.InfiniteTimeSpan);
        var early = clock.CreateTimer(_ => { }, null, TimeSpan.FromMinutes(1), Timeout.InfiniteTimeSpan);
        Assert.Equal(Start.AddMinutes(1), clock.NextDue);

        early.Dispose();
        Assert.Equal(Start.AddMinutes(5), clock.NextDue);

        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Null(clock.NextDue);
    }

    [Fact]
    public void A_periodic_timer_is_due_again_a_period_after_it_fired_and_a_changed_one_when_changed_to()
    {
        var clock = new TestClock(Start);
        var fired = 0;
        using var periodic = clock.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));

        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal((1, Start.AddSeconds(20)), (fired, clock.NextDue));

        periodic.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Assert.Null(clock.NextDue);
        periodic.Change(TimeSpan.FromHours(1), Timeout.InfiniteTimeSpan);
        Assert.Equal(Start.AddSeconds(10).AddHours(1), clock.NextDue);
    }

    [Fact]
    public async Task A_delay_on_the_clock_is_a_timer_it_knows_and_ends_when_the_clock_reaches_it()
    {
        var clock = new TestClock(Start);

        var delay = Task.Delay(TimeSpan.FromSeconds(3), clock);
        Assert.Equal(Start.AddSeconds(3), clock.NextDue);
        Assert.False(delay.IsCompleted);

        clock.Advance(TimeSpan.FromSeconds(3));
        await delay;
        Assert.Null(clock.NextDue);
    }
}
