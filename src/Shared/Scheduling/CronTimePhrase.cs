using System.Globalization;
using static ApiRoutes.Scheduling.CronDescription;

namespace ApiRoutes.Scheduling;

/// <summary>The time-of-day part of <see cref="CronDescription"/>: "every 15 minutes", "at 09:00 and 17:30".</summary>
internal static class CronTimePhrase
{
    // More times than this read better as a pattern than as a list.
    private const int MaxListedTimes = 6;

    public static string Describe(ulong minuteBits, uint hourBits)
    {
        var minutes = Values(minuteBits, 0, 59);
        var hours = Values(hourBits, 0, 23);
        if (hours.Count == 24)
        {
            return minutes switch
            {
                { Count: 60 } => "every minute",
                [0] => "every hour, on the hour",
                _ when EvenStep(minutes, 60) is { } step => $"every {step} minutes" + (minutes[0] == 0 ? "" : $", from minute {minutes[0]}"),
                _ => $"every hour at {MinuteList(minutes)}",
            };
        }

        if (minutes.Count * hours.Count <= MaxListedTimes)
        {
            return "at " + Join(hours.SelectMany(hour => minutes.Select(minute => Time(hour, minute))));
        }

        if (minutes.Count == 60)
        {
            return "every minute " + Windows(hours, 0, 59);
        }

        if (minutes is [var minute])
        {
            if (EvenStep(hours, 24) is { } hourStep)
            {
                var at = minute == 0 ? ", on the hour" : $" at minute {minute}";
                return $"every {hourStep} hours{at}" + (hours[0] == 0 ? "" : $", from {Time(hours[0], minute)}");
            }

            return $"at minute {minute} of {HourList(hours)}";
        }

        return EvenStep(minutes, 60) is { } minuteStep
            ? $"every {minuteStep} minutes {Windows(hours, minutes[0], minutes[^1])}"
            : $"at {MinuteList(minutes)} of {HourList(hours)}";
    }

    // Evenly spaced values that repeat exactly with the period (every 15 minutes, every 6 hours), as crontab's
    // '*/15' gives; '*/7' minutes is not "every 7 minutes", since minute 56 is followed by minute 0.
    private static int? EvenStep(IReadOnlyList<int> values, int period) =>
        Step(values) is { } step && step > 1 && period % step == 0 && values[0] < step && values.Count == period / step ? step : null;

    private static string Windows(IReadOnlyList<int> hours, int firstMinute, int lastMinute) =>
        Join(Runs(hours).Select(run => $"from {Time(run.First, firstMinute)} to {Time(run.Last, lastMinute)}"));

    private static string MinuteList(IReadOnlyList<int> minutes) =>
        (minutes.Count == 1 ? "minute " : "minutes ") + Join(Runs(minutes).SelectMany(run => Span(run, Number)));

    private static string HourList(IReadOnlyList<int> hours) =>
        (hours.Count == 1 ? "hour " : "hours ") + Join(Runs(hours).SelectMany(run => Span(run, Number)));

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Time(int hour, int minute) => $"{hour:00}:{minute:00}";
}
