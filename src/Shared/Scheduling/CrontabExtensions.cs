namespace ApiRoutes.Scheduling;

/// <summary>
/// Recognizes the extensions of other schedulers (Quartz, Cronos, Jenkins, cronie) in a field item, so that the error says
/// what the item means elsewhere and what crontab writes instead, rather than only "invalid".
/// </summary>
internal static class CrontabExtensions
{
    public static CronProblem? Explain(string item, CrontabField field)
    {
        var upper = item.ToUpperInvariant();
        var shown = CronText.Display(item);
        if (upper.Contains('?', StringComparison.Ordinal))
        {
            return CronProblem.NotCrontab($"'{shown}' in the {field.Name} field is Quartz's \"no specific value\"; crontab writes '*'.");
        }

        if (upper.Contains('#', StringComparison.Ordinal))
        {
            return CronProblem.NotCrontab(
                $"'{shown}' in the {field.Name} field (the nth weekday of the month) is a Quartz/Cronos extension. "
                + "Crontab cannot name the nth weekday: run on that weekday every week and return early in the handler unless the date is "
                + "in the week you want (days 1-7 for the first, 8-14 for the second).");
        }

        if (upper.Length > 1 && upper[^1] == 'L' && field == CrontabField.DayOfWeek)
        {
            // '5L', the last Friday of the month: a weekday's advice, not the last day's (review 24a F2).
            return CronProblem.NotCrontab(
                $"'{shown}' in the {field.Name} field (the last such weekday of the month) is a Quartz/Cronos extension. "
                + $"Crontab cannot name it: run on that weekday every week ('{CronText.Display(shown[..^1])}') and return early in the handler "
                + "unless the date is in the month's last 7 days (a week later is next month).");
        }

        if (upper is "L" or "LW" || upper.StartsWith("L-", StringComparison.Ordinal) || (upper.Length > 1 && upper[^1] == 'L' && IsDigits(upper[..^1])))
        {
            return CronProblem.NotCrontab(
                $"'{shown}' in the {field.Name} field (\"last\") is a Quartz/Cronos extension. Crontab cannot name "
                + "the last day: run on days 28-31 and return early in the handler unless tomorrow is the 1st.");
        }

        if (upper == "W" || (upper.Length > 1 && upper[^1] == 'W' && IsDigits(upper[..^1])))
        {
            return CronProblem.NotCrontab(
                $"'{shown}' in the {field.Name} field (the weekday nearest a day) is a Quartz/Cronos extension; "
                + "write the day itself, such as '15', or a range such as '14-16'.");
        }

        if (upper == "H" || upper.StartsWith("H(", StringComparison.Ordinal) || upper.StartsWith("H/", StringComparison.Ordinal))
        {
            return CronProblem.NotCrontab(
                $"'{shown}' in the {field.Name} field is Jenkins' hashed value; write a fixed value instead, "
                + $"such as '{field.Low + 7 % (field.High - field.Low + 1)}'.");
        }

        // Review 46a F3: cronie's random value, '~' (any) or '10~50' (between), picked once when the table is read.
        if (item.IndexOf('~', StringComparison.Ordinal) is >= 0 and var tilde)
        {
            var fixedValue = tilde > 0 && IsDigits(item[..tilde]) ? item[..tilde] : (field.Low + (7 % (field.High - field.Low + 1))).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return CronProblem.NotCrontab(
                $"'{shown}' in the {field.Name} field is cronie's random value (picked once, when the table is read); write a fixed value instead, such as '{fixedValue}'.");
        }

        return null;
    }

    private static bool IsDigits(string text) => text.Length > 0 && text.All(char.IsAsciiDigit);
}
