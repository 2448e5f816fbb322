using System.Globalization;
using System.Text;

namespace ApiRoutes.Tasks.UnitTests.Scheduling.Reference;

/// <summary>
/// Generated crontab expressions from a fixed seed: valid ones in every shape crontab allows (lists mixing
/// numbers, ranges, steps and '*', names in any case, leading zeros, steps past the range, day-of-week 7), and
/// near misses (reversed ranges, steps of 0, values out of range, other schedulers' syntax, wrong field counts).
/// Fields are often '*' or short lists, so that most expressions fire within days and a minute-by-minute search
/// stays short.
/// </summary>
internal sealed class CronCorpus(int seed)
{
    private static readonly string[] MonthNames = ["JAN", "feb", "Mar", "APR", "may", "Jun", "JUL", "aug", "Sep", "OCT", "nov", "Dec"];
    private static readonly string[] DayNames = ["SUN", "mon", "Tue", "WED", "thu", "Fri", "sat"];
    private static readonly string[] Oddities = ["L", "15W", "5#2", "?", "H", "5/15", "*/0", "1-", "-5", ",", "1,,2", "**", "*-5", "5L", "LW", "0x10", "1.5", "$", "60", "99", "-1"];
    private static readonly string[] Macros = ["@yearly", "@monthly", "@weekly", "@daily", "@midnight", "@hourly", "@annually", "@reboot", "@HOURLY", "@Daily", "@every_minute", "@every_second", "@fortnightly", "@"];

    private readonly Random _random = new(seed);

    public IEnumerable<string> Expressions(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var roll = _random.Next(100);
            yield return roll switch
            {
                < 3 => Macros[_random.Next(Macros.Length)],
                < 6 => string.Join(' ', Enumerable.Range(0, _random.Next(1, 8)).Select(f => Field(f % 5))),
                < 14 => Near(),
                < 19 => CalendarEdge(),
                _ => string.Join(' ', Enumerable.Range(0, 5).Select(Field)),
            };
        }
    }

    // A valid field for the most part; rarely a deliberate mistake.
    private string Field(int field)
    {
        var (low, high) = Range(field);
        var roll = _random.Next(100);
        if (roll < (field is 2 or 4 ? 45 : field == 3 ? 70 : 25))
        {
            return "*";
        }

        var items = _random.Next(100) < 70 ? 1 : _random.Next(2, 5);
        return string.Join(',', Enumerable.Range(0, items).Select(_ => Item(field, low, high)));
    }

    private string Item(int field, int low, int high)
    {
        var roll = _random.Next(100);
        if (roll < 15)
        {
            return "*/" + Number(_random.Next(1, high - low + 3));          // steps up to just past the range
        }

        if (roll < 55)
        {
            return Value(field, _random.Next(low, high + 1));
        }

        var first = _random.Next(low, high + 1);
        var last = _random.Next(100) < 92 ? _random.Next(first, high + 1) : _random.Next(low, high + 1);   // sometimes reversed
        var range = Value(field, first) + "-" + Value(field, last);
        return roll < 80 ? range : range + "/" + Number(_random.Next(1, high - low + 2));
    }

    private string Value(int field, int value)
    {
        var names = field == 3 ? MonthNames : field == 4 ? DayNames : null;
        if (names is not null && _random.Next(100) < 30 && value - (field == 3 ? 1 : 0) < names.Length)
        {
            return names[value - (field == 3 ? 1 : 0)];
        }

        return Number(value);
    }

    // Leading zeros now and then: crontab reads "007" as 7.
    private string Number(int value) =>
        (_random.Next(100) < 8 ? new string('0', _random.Next(1, 3)) : "") + value.ToString(CultureInfo.InvariantCulture);

    // A valid expression with one field replaced by an oddity.
    private string Near()
    {
        var fields = Enumerable.Range(0, 5).Select(Field).ToArray();
        var at = _random.Next(5);
        fields[at] = _random.Next(2) == 0 ? Oddities[_random.Next(Oddities.Length)] : fields[at] + "," + Oddities[_random.Next(Oddities.Length)];
        return string.Join(' ', fields);
    }

    /// <summary>
    /// Valid expressions whose times cluster where clocks change (late evening to early morning), in both kinds cron
    /// tells apart: fixed times, and fields starting with '*'.
    /// </summary>
    public IEnumerable<string> AroundChanges(int count)
    {
        string[] minutes = ["*", "0", "30", "15,45", "*/15", "*/20,50", "0-59/30", "5", "*/7", "59"];
        string[] hours = ["*", "0", "1", "2", "3", "1-3", "*/2", "2,3", "0-4/2", "23", "*/3,2", "1,2"];
        string[] days = ["*", "*", "*", "*/2", "1-15", "SUN", "1,15"];
        for (var i = 0; i < count; i++)
        {
            var dom = days[_random.Next(days.Length)];
            var dow = _random.Next(4) == 0 ? "0,3,6" : "*";
            yield return $"{minutes[_random.Next(minutes.Length)]} {hours[_random.Next(hours.Length)]} {(dom == "SUN" ? "*" : dom)} * {(dom == "SUN" ? "SUN" : dow)}";
        }
    }

    // Days that some months lack, in those months: leap days, the 31st of 30-day months, February 30th.
    private string CalendarEdge()
    {
        var day = _random.Next(29, 32).ToString(CultureInfo.InvariantCulture);
        var months = string.Join(',', Enumerable.Range(0, _random.Next(1, 3)).Select(_ => new[] { "2", "4", "6", "9", "11", "FEB" }[_random.Next(6)]));
        var weekday = _random.Next(3) == 0 ? Field(4) : "*";
        return $"{_random.Next(60)} {_random.Next(24)} {day} {months} {weekday}";
    }

    public static (int Low, int High) Range(int field) => field switch
    {
        0 => (0, 59),
        1 => (0, 23),
        2 => (1, 31),
        3 => (1, 12),
        _ => (0, 7),
    };

    /// <summary>Random text and random tokens, for the parser's fuzz test.</summary>
    public string Garbage()
    {
        var text = new StringBuilder();
        var length = _random.Next(0, 40);
        for (var i = 0; i < length; i++)
        {
            text.Append(_random.Next(10) switch
            {
                < 3 => "0123456789*/,- "[_random.Next(15)].ToString(),
                < 5 => Oddities[_random.Next(Oddities.Length)],
                < 6 => Macros[_random.Next(Macros.Length)],
                < 7 => MonthNames[_random.Next(12)],
                < 8 => ((char)_random.Next(0, 0x3000)).ToString(),
                < 9 => new string(' ', _random.Next(1, 4)),
                _ => _random.Next().ToString(CultureInfo.InvariantCulture),
            });
        }

        return text.ToString();
    }
}
