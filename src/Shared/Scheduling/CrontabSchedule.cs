namespace ApiRoutes.Scheduling;

/// <summary>
/// A valid schedule in its time zone: what the build checked and the runtime runs, from one piece of code. Its
/// occurrences are whole UTC minutes.
/// </summary>
internal sealed class CrontabSchedule
{
    private readonly WallClockMatcher _wall;
    private readonly TimeSpan? _fixedOffset;

    public CrontabSchedule(CrontabFields fields, TimeZoneInfo zone, WallClockMatcher? wall = null)
    {
        Fields = fields;
        Zone = zone;
        Normalized = CrontabText.Normalize(fields);
        _wall = wall ?? new WallClockMatcher(fields);

        // A zone whose offset never changes (UTC, Etc/GMT+5) needs no search for changes of offset.
        _fixedOffset = zone.GetAdjustmentRules().Length == 0 ? zone.BaseUtcOffset : null;
    }

    public CrontabFields Fields { get; }

    public TimeZoneInfo Zone { get; }

    /// <summary>The IANA id, or null for UTC (the default, written nowhere).</summary>
    public string? TimeZoneId => Zone == TimeZoneInfo.Utc ? null : Zone.Id;

    /// <summary>The zone as logs and tables name it: the IANA id, or <c>UTC</c>.</summary>
    public string ZoneName => TimeZoneId ?? "UTC";

    /// <summary>The manifest's <c>schedule.normalized</c> (see <see cref="CrontabText"/>).</summary>
    public string Normalized { get; }

    internal WallClockMatcher Wall => _wall;

    /// <summary>The schedule in words, such as "at 09:00 on the 1st of the month and on every Monday".</summary>
    public string Description => CronDescription.Describe(Fields);

    /// <summary>The occurrence after <paramref name="fromUtc"/> (or at it, when inclusive), or null when none comes.</summary>
    public DateTime? GetNextOccurrence(DateTime fromUtc, bool inclusive = false)
    {
        var after = inclusive ? (fromUtc.Ticks == 0 ? fromUtc : fromUtc.AddTicks(-1)) : fromUtc;
        after = DateTime.SpecifyKind(after, DateTimeKind.Utc);
        if (_fixedOffset is not { } offset)
        {
            return ZonedOccurrences.Next(Fields, _wall, Zone, after);
        }

        if (after >= DateTime.MaxValue.AddDays(-2))
        {
            return null;
        }

        var start = after < DateTime.MinValue.AddDays(2) ? DateTime.MinValue.AddDays(2) : ZonedOccurrences.FloorToMinute(after).AddMinutes(1);
        return _wall.NextAtOrAfter(start + offset) is { } wall ? DateTime.SpecifyKind(wall - offset, DateTimeKind.Utc) : null;
    }

    /// <summary>The occurrences between two instants, in order (the same shape as Cronos' method of that name).</summary>
    public IEnumerable<DateTime> GetOccurrences(DateTime fromUtc, DateTime toUtc, bool fromInclusive = true, bool toInclusive = false)
    {
        for (var next = GetNextOccurrence(fromUtc, fromInclusive);
             next is { } at && (at < toUtc || (toInclusive && at == toUtc));
             next = GetNextOccurrence(at))
        {
            yield return at;
        }
    }

    /// <summary>The next <paramref name="count"/> occurrences after <paramref name="afterUtc"/> (fewer when they end).</summary>
    public IEnumerable<DateTime> NextOccurrences(DateTime afterUtc, int count)
    {
        var at = afterUtc;
        for (var i = 0; i < count && GetNextOccurrence(at) is { } next; i++)
        {
            yield return next;
            at = next;
        }
    }
}
