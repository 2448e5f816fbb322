namespace ApiRoutes.Scheduling;

/// <summary>One change of a zone's offset: the first instant with the new offset, and the offsets around it.</summary>
internal readonly record struct ZoneChange(DateTime At, TimeSpan Before, TimeSpan After)
{
    /// <summary>Clocks go forward: wall-clock times are skipped.</summary>
    public bool IsGap => After > Before;
}

/// <summary>
/// The changes of a zone's offset over the years ahead, found once per zone and day and kept: checking thousands of
/// schedules in one zone (<c>apiroutes schedule - --time-zone</c>) then looks them up instead of searching again.
/// </summary>
internal static class ZoneChanges
{
    private const int MaxKept = 64;
    private static readonly Dictionary<(string Zone, DateTime Day, long Horizon), IReadOnlyList<ZoneChange>> Kept = [];

    public static IReadOnlyList<ZoneChange> Within(TimeZoneInfo zone, DateTime fromUtc, TimeSpan horizon)
    {
        var key = (zone.Id, fromUtc.Date, horizon.Ticks);
        lock (Kept)
        {
            if (Kept.TryGetValue(key, out var known))
            {
                return known;
            }
        }

        var changes = new List<ZoneChange>();
        var from = DateTime.SpecifyKind(fromUtc.Date, DateTimeKind.Utc);
        // Near the calendar's end (the CLI's --after 9985-…) the horizon stops two days short of it, where the zone's
        // offset is still representable (review 26c F1: the sum overflowed).
        var last = DateTime.SpecifyKind(DateTime.MaxValue.Date.AddDays(-2), DateTimeKind.Utc);
        var until = from >= last || horizon >= last - from ? last : from + horizon;
        while (ZonedOccurrences.NextChange(zone, from, until, zone.GetUtcOffset(from)) is { } at)
        {
            changes.Add(new ZoneChange(at, zone.GetUtcOffset(at - TimeSpan.FromMinutes(1)), zone.GetUtcOffset(at)));
            from = at;
        }

        lock (Kept)
        {
            if (Kept.Count >= MaxKept)
            {
                Kept.Clear();
            }

            Kept[key] = changes;
        }

        return changes;
    }
}
