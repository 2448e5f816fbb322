using Cronos;

namespace ApiRoutes.Scheduling;

/// <summary>
/// Finds the next wall-clock minute that a schedule matches, with Cronos doing the search. Cronos is right about
/// minutes, hours, months and a single day field; where crontab differs — both day fields restricted, where a day
/// matching <em>either</em> runs — this asks two Cronos expressions (one per day field) and takes the earlier answer.
/// Times here are wall-clock times of the schedule's zone, carried as <see cref="DateTimeKind.Utc"/> values so that
/// Cronos applies no zone of its own (daylight-saving changes are <see cref="ZonedOccurrences"/>' business).
/// </summary>
internal sealed class WallClockMatcher
{
    private readonly CronExpression[] _expressions;

    public WallClockMatcher(CrontabFields fields)
    {
        var minutes = List(fields.Minutes, CrontabFields.AllMinutes, 0, 59);
        var hours = List(fields.Hours, CrontabFields.AllHours, 0, 23);
        var daysOfMonth = List(fields.DaysOfMonth, CrontabFields.AllDaysOfMonth, 1, 31);
        var months = List(fields.Months, CrontabFields.AllMonths, 1, 12);
        var daysOfWeek = List(fields.DaysOfWeek, CrontabFields.AllDaysOfWeek, 0, 6);

        // Cronos requires both day fields when both are restricted: right for crontab's "both" rule and for a single
        // restricted field, and the "either" rule is the union of one expression per field.
        string[] texts = fields.UsesEitherDayRule && daysOfMonth != "*" && daysOfWeek != "*"
            ? [$"{minutes} {hours} {daysOfMonth} {months} *", $"{minutes} {hours} * {months} {daysOfWeek}"]
            : [fields.UsesEitherDayRule ? $"{minutes} {hours} * {months} *" : $"{minutes} {hours} {daysOfMonth} {months} {daysOfWeek}"];
        _expressions = texts.Select(text => CronExpression.Parse(text, CronFormat.Standard)).ToArray();
    }

    /// <summary>The first matching wall-clock minute at or after <paramref name="wall"/>, or null when none comes.</summary>
    public DateTime? NextAtOrAfter(DateTime wall)
    {
        var from = DateTime.SpecifyKind(wall, DateTimeKind.Utc);
        DateTime? best = null;
        foreach (var expression in _expressions)
        {
            if (expression.GetNextOccurrence(from, inclusive: true) is { } next && (best is null || next < best))
            {
                best = next;
            }
        }

        return best;
    }

    // Cronos' own list syntax for one field: '*' when every value is allowed, else the values.
    private static string List(ulong bits, ulong all, int low, int high) =>
        bits == all ? "*" : string.Join(',', Enumerable.Range(low, high - low + 1).Where(value => (bits & (1UL << value)) != 0));
}
