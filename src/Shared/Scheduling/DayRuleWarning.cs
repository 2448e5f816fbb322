namespace ApiRoutes.Scheduling;

/// <summary>
/// AR4101: the three places where crontab's day rule is easy to misread, and only those. A schedule that restricts
/// both day fields with plain values (<c>0 9 1 * MON</c>) runs on days matching either, as crontab always has,
/// and needs no warning; these do:
/// <list type="bullet">
/// <item>a week of days of the month with a day of the week (<c>0 9 1-7 * MON</c>): it reads as "the first Monday",
/// and crontab runs it on each of those days and on every Monday;</item>
/// <item>a day field written as a step on <c>*</c> beside a restricted one (<c>0 9 */2 * MON</c>): crontab then
/// requires both, unlike the same days written as a list — and schedulers that read crontab differ here;</item>
/// <item>a day field that names every day, written without <c>*</c>, beside a restricted one (<c>0 9 1-31 * MON</c>):
/// crontab decides the rule by the <c>*</c>, not the values, so it runs every day.</item>
/// </list>
/// </summary>
internal static class DayRuleWarning
{
    public static string? Check(CrontabFields fields)
    {
        if (fields.UsesEitherDayRule && (fields.DaysOfMonth == CrontabFields.AllDaysOfMonth) != (fields.DaysOfWeek == CrontabFields.AllDaysOfWeek))
        {
            // '0 0 1-31 * MON': written without '*', a field of every day still takes part in the either rule, and matches
            // every day (crontab decides by the '*', not by the values).
            return fields.DaysOfMonth == CrontabFields.AllDaysOfMonth
                ? $"It runs every day: neither day field starts with '*', so crontab runs on days that match either, and the day-of-month "
                    + $"field names every day. Write '*' for day-of-month to run on every {CronDescription.DaysOfWeek(fields.DaysOfWeek)} only."
                : $"It runs every day: neither day field starts with '*', so crontab runs on days that match either, and the day-of-week "
                    + $"field names every day of the week. Write '*' for day-of-week to run on {CronDescription.DaysOfMonth(fields.DaysOfMonth)} of the month only.";
        }

        var domRestricted = fields.DaysOfMonth != CrontabFields.AllDaysOfMonth;
        var dowRestricted = fields.DaysOfWeek != CrontabFields.AllDaysOfWeek;
        if (!domRestricted || !dowRestricted)
        {
            return null;
        }

        var days = CronDescription.DaysOfMonth(fields.DaysOfMonth);
        var weekdays = CronDescription.DaysOfWeek(fields.DaysOfWeek);
        if (fields.UsesEitherDayRule)
        {
            if (LongestRun(fields.DaysOfMonth) < 7)
            {
                return null;
            }

            return $"It runs on {days} of the month and on every {weekdays}: when both day fields are restricted, crontab runs on days that "
                + $"match either. Crontab cannot say \"the first {weekdays}\": set day-of-month to '*' to run every {weekdays}, and return "
                + "early in the handler unless the date is the one you want.";
        }

        return $"It runs only on every {weekdays} that is {days} of the month: a day field that starts with '*' makes crontab require both "
            + "day fields, where plain values (without '*') would run on days matching either. Some schedulers that read crontab syntax use "
            + "either here; write the day-of-month as a list of days if that is what you mean.";
    }

    private static int LongestRun(uint bits)
    {
        var longest = 0;
        var run = 0;
        for (var day = 1; day <= 31; day++)
        {
            run = (bits & (1U << day)) != 0 ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }

        return longest;
    }
}
