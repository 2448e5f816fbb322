namespace ApiRoutes.Scheduling;

/// <summary>
/// The occurrences of a schedule that came while no instance was up: how many (counted up to
/// <see cref="MaxCounted"/>), the first, and the latest few (the catch-up runs the last of them; the others are
/// recorded). The latest are found from now backwards, so a count cut short, or a last run from long ago, never makes
/// an old occurrence pass for the latest.
/// </summary>
internal sealed record MissedOccurrences(int Count, DateTimeOffset First, IReadOnlyList<DateTimeOffset> Latest)
{
    /// <summary>Counting stops here (an every-minute schedule down for almost two years): start-up stays fast.</summary>
    public const int MaxCounted = 1_000_000;

    public static MissedOccurrences None { get; } = new(0, default, []);

    /// <summary>A late scheduler counts the occurrences it passed over no further (a clock that jumped years ahead, say from a VM's 1970 to now): a wake costs milliseconds.</summary>
    public const int MaxCountedLate = 10_000;

    /// <summary>
    /// The occurrences after <paramref name="since"/> up to <paramref name="now"/> (inclusive), but those
    /// <paramref name="leftOut"/> says are not counted (came while a pause held), counted up to
    /// <paramref name="maxCounted"/>, keeping the latest <paramref name="keep"/>.
    /// </summary>
    public static MissedOccurrences Between(
        CrontabSchedule schedule, DateTimeOffset since, DateTimeOffset now, int keep, int maxCounted = MaxCounted, Func<DateTimeOffset, bool>? leftOut = null)
    {
        var count = 0;
        DateTimeOffset? first = null;
        foreach (var occurrence in schedule.GetOccurrences(since.UtcDateTime, now.UtcDateTime, fromInclusive: false, toInclusive: true))
        {
            var instant = new DateTimeOffset(occurrence, TimeSpan.Zero);
            if (leftOut?.Invoke(instant) == true)
            {
                continue;
            }

            first ??= instant;
            if (++count == maxCounted)
            {
                break;
            }
        }

        return first is { } firstMissed ? new MissedOccurrences(count, firstMissed, LatestBefore(schedule, since, now, keep, leftOut)) : None;
    }

    /// <summary>
    /// The same, less those <paramref name="accounted"/> says are (another replica took them up, a pause held): only among
    /// the latest few, the ones known; none when all of those are.
    /// </summary>
    public MissedOccurrences Without(Func<DateTimeOffset, bool> accounted)
    {
        var kept = Latest.Where(occurrence => !accounted(occurrence)).ToList();
        return kept.Count == 0 ? None : new MissedOccurrences(Count - (Latest.Count - kept.Count), Count == Latest.Count ? kept[0] : First, kept);
    }

    /// <summary>The same, less the latest (which a catch-up runs), counted and recorded as missed.</summary>
    public MissedOccurrences WithoutLatest() => Count <= 1 ? None : this with { Count = Count - 1, Latest = Latest.Take(Latest.Count - 1).ToList() };

    // From a day back, doubling, until enough are found or the window reaches 'since': never more than twice the
    // occurrences needed are walked, whatever the schedule's period.
    private static IReadOnlyList<DateTimeOffset> LatestBefore(
        CrontabSchedule schedule, DateTimeOffset since, DateTimeOffset now, int keep, Func<DateTimeOffset, bool>? leftOut)
    {
        for (var span = TimeSpan.FromDays(1); ; span *= 2)
        {
            var reachesSince = now - since <= span;
            var from = reachesSince ? since : now - span;
            var latest = schedule.GetOccurrences(from.UtcDateTime, now.UtcDateTime, fromInclusive: !reachesSince, toInclusive: true)
                .Select(occurrence => new DateTimeOffset(occurrence, TimeSpan.Zero))
                .Where(occurrence => leftOut?.Invoke(occurrence) != true)
                .TakeLast(keep)
                .ToList();
            if (latest.Count >= keep || reachesSince)
            {
                return latest;
            }
        }
    }
}
