using ApiRoutes.Scheduling;

namespace ApiRoutes.Runtime.Tests.Scheduling;

/// <summary>What came while no instance was up: all counted, and the latest are the latest, however long ago the last run.</summary>
public sealed class MissedOccurrencesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 9, 30, 30, TimeSpan.Zero);

    [Fact]
    public void A_month_of_an_every_minute_schedule_is_counted_whole_and_the_latest_end_at_now()
    {
        var missed = MissedOccurrences.Between(Schedule("* * * * *"), Now.AddDays(-30), Now, keep: 101);

        Assert.Equal(43_200, missed.Count);
        Assert.Equal(Now.AddDays(-30).AddSeconds(30), missed.First);
        Assert.Equal(101, missed.Latest.Count);
        Assert.Equal(Now.AddSeconds(-30), missed.Latest[^1]);
        Assert.Equal(Now.AddSeconds(-30).AddMinutes(-100), missed.Latest[0]);
    }

    [Fact]
    public void Without_the_ones_another_replica_took_up_the_count_and_the_first_follow_and_none_are_left_when_all_were()
    {
        var hours = MissedOccurrences.Between(Schedule("* * * * *"), Now.AddHours(-3), Now, keep: 101);
        var fiveMinutes = MissedOccurrences.Between(Schedule("* * * * *"), Now.AddMinutes(-5), Now, keep: 101);

        // Within the latest few only: the first of three hours is beyond them and stays the first.
        var hoursLess = hours.Without(new HashSet<DateTimeOffset> { hours.Latest[^1], hours.Latest[^2], hours.First }.Contains);
        Assert.Equal((178, hours.First, hours.Latest[^3]), (hoursLess.Count, hoursLess.First, hoursLess.Latest[^1]));

        // All known: the first moves to the first left.
        var fiveLess = fiveMinutes.Without(new HashSet<DateTimeOffset> { fiveMinutes.Latest[0] }.Contains);
        Assert.Equal((4, fiveMinutes.Latest[1]), (fiveLess.Count, fiveLess.First));
        Assert.Same(MissedOccurrences.None, fiveMinutes.Without(fiveMinutes.Latest.ToHashSet().Contains));
    }

    [Fact]
    public void A_last_run_from_long_ago_is_counted_up_to_the_cap_and_the_latest_are_still_this_hours()
    {
        // The review's case: a last run of 0001-01-01 made an hourly schedule catch up the occurrence of year 12.
        var missed = MissedOccurrences.Between(Schedule("0 * * * *"), DateTimeOffset.MinValue.AddDays(1), Now, keep: 101);

        Assert.Equal(MissedOccurrences.MaxCounted, missed.Count);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero), missed.Latest[^1]);
        Assert.Equal(101, missed.Latest.Count);
    }

    [Fact]
    public void The_latest_of_a_yearly_schedule_are_found_however_far_back_they_go()
    {
        var missed = MissedOccurrences.Between(Schedule("@yearly"), Now.AddYears(-150), Now, keep: 101);

        Assert.Equal(150, missed.Count);
        Assert.Equal(101, missed.Latest.Count);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), missed.Latest[^1]);
        Assert.Equal(new DateTimeOffset(1926, 1, 1, 0, 0, 0, TimeSpan.Zero), missed.Latest[0]);
    }

    [Fact]
    public void Fewer_than_kept_are_all_kept_and_the_last_run_itself_is_not_missed()
    {
        var lastRun = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

        var missed = MissedOccurrences.Between(Schedule("*/10 * * * *"), lastRun, Now, keep: 101);
        var none = MissedOccurrences.Between(Schedule("*/10 * * * *"), Now.AddSeconds(-20), Now, keep: 101);

        Assert.Equal([lastRun.AddMinutes(10), lastRun.AddMinutes(20), lastRun.AddMinutes(30)], missed.Latest);
        Assert.Equal((3, lastRun.AddMinutes(10)), (missed.Count, missed.First));
        Assert.Equal([lastRun.AddMinutes(10), lastRun.AddMinutes(20)], missed.WithoutLatest().Latest);
        Assert.Equal(2, missed.WithoutLatest().Count);
        Assert.Equal(0, none.Count);
        Assert.Equal(0, MissedOccurrences.Between(Schedule("*/10 * * * *"), Now.AddMinutes(-9), Now, keep: 101).WithoutLatest().Count);
    }

    private static CrontabSchedule Schedule(string expression) => CronSchedule.Parse(expression).Schedule!;
}
