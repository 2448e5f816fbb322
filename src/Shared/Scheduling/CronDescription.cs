using System.Globalization;

namespace ApiRoutes.Scheduling;

/// <summary>
/// Any valid schedule in plain English, from its parsed fields: "every 15 minutes", "at 09:00 on the 1st of the
/// month and on every Monday". The one description the dashboard, the <c>apiroutes</c> tool and the build's
/// validation output show; it states crontab's day rule whenever both day fields are restricted.
/// </summary>
internal static class CronDescription
{
    private static readonly string[] MonthNames =
        ["", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

    private static readonly string[] DayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

    public static string Describe(CrontabFields fields)
    {
        var time = CronTimePhrase.Describe(fields.Minutes, fields.Hours);
        var monthsRestricted = fields.Months != CrontabFields.AllMonths;
        var months = Join(Runs(Values(fields.Months, 1, 12)).SelectMany(run => Span(run, month => MonthNames[month])));
        var domAll = fields.DaysOfMonth == CrontabFields.AllDaysOfMonth;
        var dowAll = fields.DaysOfWeek == CrontabFields.AllDaysOfWeek;
        var inMonths = monthsRestricted ? $" in {months}" : "";

        // The days its months have: '0 0 */30 2 *' runs on the 1st of February, not "the 1st and 31st" (review 45b).
        var reachable = fields.DaysOfMonth & DaysIn(fields.Months);
        string days;
        if (!domAll && reachable == 0 && fields.UsesEitherDayRule && !dowAll)
        {
            // None of its days of the month comes in its months: its days of the week alone.
            days = $"every {DaysOfWeek(fields.DaysOfWeek)}{inMonths}";
        }
        else if ((fields.UsesEitherDayRule && (domAll || dowAll)) || (domAll && dowAll))
        {
            // Either rule with one field covering every day, or nothing restricted: every day.
            days = time.StartsWith("every", StringComparison.Ordinal) ? inMonths.TrimStart() : "every day" + inMonths;
        }
        else if (fields.UsesEitherDayRule)
        {
            days = $"on {DaysOfMonth(reachable)} of the month and on every {DaysOfWeek(fields.DaysOfWeek)}{(monthsRestricted ? $", in {months}" : "")}";
        }
        else if (dowAll)
        {
            days = $"on {DaysOfMonth(reachable)} of {(monthsRestricted ? MonthsWith(fields.Months, reachable) : "the month")}";
        }
        else if (domAll)
        {
            days = $"every {DaysOfWeek(fields.DaysOfWeek)}{inMonths}";
        }
        else
        {
            // A day field starting with '*' makes crontab require both: say so, since it differs from a plain list.
            days = $"on every {DaysOfWeek(fields.DaysOfWeek)} that is {DaysOfMonth(reachable)} of the month{(monthsRestricted ? " in " + MonthsWith(fields.Months, reachable) : "")}";
        }

        return days.Length == 0 ? time : $"{time} {days}";
    }

    // The months that have one of the days at least, and when a day is not in all of them (or is February's 29th), that it
    // runs where the month has it: '0 0 31 1,2 *' runs on the 31st of January only (review 45c F7).
    private static string MonthsWith(ushort months, uint days)
    {
        var kept = Values(months, 1, 12).Where(month => (days & DaysIn((ushort)(1 << month))) != 0).ToList();
        var names = Join(Runs(kept).SelectMany(run => Span(run, month => MonthNames[month])));
        var last = Values(days, 1, 31).DefaultIfEmpty(0).Max();
        return kept.Exists(month => DateTime.DaysInMonth(2001, month) < last) ? names + ", when the month has that day" : names;
    }

    // The days of the month (bits 1 to 31) that come in at least one of the months (bits 1 to 12; February has 29).
    private static uint DaysIn(ushort months)
    {
        var longest = Values(months, 1, 12).Select(month => DateTime.DaysInMonth(2000, month)).DefaultIfEmpty(0).Max();
        return ((1U << longest) - 1) << 1;
    }

    /// <summary>"the 1st", "the 1st and 15th", "the 1st to 7th", "every 2nd day from the 1st to the 31st".</summary>
    public static string DaysOfMonth(uint bits)
    {
        var values = Values(bits, 1, 31);
        if (values.Count >= 4 && Step(values) is { } step and > 1)
        {
            return $"every {Ordinal(step)} day from the {Ordinal(values[0])} to the {Ordinal(values[^1])}";
        }

        return "the " + Join(Runs(values).SelectMany(run => Span(run, Ordinal)));
    }

    /// <summary>"Monday", "Monday to Friday", "Saturday and Sunday" — the week read from Monday.</summary>
    public static string DaysOfWeek(byte bits)
    {
        var mondayFirst = Values(bits, 0, 6).Select(day => (day + 6) % 7).Order().ToList();
        return Join(Runs(mondayFirst).SelectMany(run => Span(run, day => DayNames[(day + 1) % 7])));
    }

    internal static List<int> Values(ulong bits, int low, int high) =>
        Enumerable.Range(low, high - low + 1).Where(value => (bits & (1UL << value)) != 0).ToList();

    /// <summary>The common difference when the values are evenly spaced, else null.</summary>
    internal static int? Step(IReadOnlyList<int> values)
    {
        if (values.Count < 2)
        {
            return null;
        }

        var step = values[1] - values[0];
        for (var i = 2; i < values.Count; i++)
        {
            if (values[i] - values[i - 1] != step)
            {
                return null;
            }
        }

        return step;
    }

    /// <summary>Consecutive values as (first, last) runs.</summary>
    internal static List<(int First, int Last)> Runs(IReadOnlyList<int> values)
    {
        var runs = new List<(int, int)>();
        foreach (var value in values)
        {
            if (runs.Count > 0 && runs[^1].Item2 == value - 1)
            {
                runs[^1] = (runs[^1].Item1, value);
            }
            else
            {
                runs.Add((value, value));
            }
        }

        return runs;
    }

    // A run of three or more reads "A to C"; two consecutive values stay two items.
    internal static IEnumerable<string> Span((int First, int Last) run, Func<int, string> name) => (run.Last - run.First) switch
    {
        0 => [name(run.First)],
        1 => [name(run.First), name(run.Last)],
        _ => [$"{name(run.First)} to {name(run.Last)}"],
    };

    internal static string Join(IEnumerable<string> parts)
    {
        var list = parts.ToList();
        return list.Count <= 1 ? string.Concat(list) : $"{string.Join(", ", list.Take(list.Count - 1))} and {list[^1]}";
    }

    internal static string Ordinal(int n)
    {
        var suffix = (n % 100) is 11 or 12 or 13 ? "th" : (n % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" };
        return n.ToString(CultureInfo.InvariantCulture) + suffix;
    }
}
