using System.Globalization;
using System.Text;

namespace ApiRoutes.Scheduling;

/// <summary>
/// Writes parsed fields back as the manifest's <c>schedule.normalized</c>: 5 fields in the plainest crontab that
/// means the same, so that any scheduler that follows crontab(5) runs it at the same times.
/// </summary>
/// <remarks>
/// A field is <c>*</c>, or numbers and ranges (<c>1-5</c>, runs of 3 or more) in ascending order, or — when it was
/// written starting with <c>*</c> but does not cover every value — <c>*/step</c> followed by the values that step
/// does not reach (<c>*/15,50</c>). Keeping the leading <c>*</c> keeps its meaning: in a day field it selects the
/// day rule, in the minute and hour fields how a daylight-saving change treats the schedule. Names become numbers
/// (Sunday is 0), macros their 5 fields, leading zeros and steps inside ranges disappear.
/// </remarks>
internal static class CrontabText
{
    public static string Normalize(CrontabFields fields) => string.Join(' ',
        Field(fields.Minutes, CrontabField.Minute, fields.MinuteStar),
        Field(fields.Hours, CrontabField.Hour, fields.HourStar),
        Field(fields.DaysOfMonth, CrontabField.DayOfMonth, fields.DayOfMonthStar),
        Field(fields.Months, CrontabField.Month, star: fields.Months == CrontabFields.AllMonths),   // a month's "*" means nothing more
        Field(fields.DaysOfWeek, CrontabField.DayOfWeek, fields.DayOfWeekStar, high: 6));

    private static string Field(ulong bits, CrontabField field, bool star, int? high = null)
    {
        var last = high ?? field.High;
        var all = Bits(field.Low, last, 1);
        if (star && bits == all)
        {
            return "*";
        }

        if (!star)
        {
            return List(bits, field.Low, last);
        }

        // The smallest step whose run from the first value stays within the values (a '*' field always has the first).
        for (var step = 2; step <= field.High - field.Low + 1; step++)
        {
            var progression = Fold(Bits(field.Low, field.High, step), field);
            if ((progression & ~bits) == 0)
            {
                var rest = bits & ~progression;
                var text = "*/" + step.ToString(CultureInfo.InvariantCulture);
                return rest == 0 ? text : text + "," + List(rest, field.Low, last);
            }
        }

        return "*/" + (field.High - field.Low + 1).ToString(CultureInfo.InvariantCulture) + "," + List(bits, field.Low, last);
    }

    // Day-of-week 7 is Sunday: a progression that reaches 7 reaches 0.
    private static ulong Fold(ulong bits, CrontabField field) =>
        field == CrontabField.DayOfWeek && (bits & (1UL << 7)) != 0 ? (bits | 1) & ~(1UL << 7) : bits;

    private static ulong Bits(int first, int last, int step)
    {
        ulong bits = 0;
        for (var value = first; value <= last; value += step)
        {
            bits |= 1UL << value;
        }

        return bits;
    }

    /// <summary>Ascending values, runs of three or more as ranges: <c>0,15,30-32</c>.</summary>
    public static string List(ulong bits, int low, int high)
    {
        var text = new StringBuilder();
        for (var value = low; value <= high; value++)
        {
            if ((bits & (1UL << value)) == 0)
            {
                continue;
            }

            var end = value;
            while (end < high && (bits & (1UL << (end + 1))) != 0)
            {
                end++;
            }

            text.Append(text.Length == 0 ? "" : ",").Append(value.ToString(CultureInfo.InvariantCulture));
            if (end - value >= 2)
            {
                text.Append('-').Append(end.ToString(CultureInfo.InvariantCulture));
                value = end;
            }
        }

        return text.ToString();
    }
}
