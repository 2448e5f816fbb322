namespace ApiRoutes.Scheduling;

/// <summary>
/// One field of a crontab line, parsed as crontab(5) describes it and Debian's cron implements it
/// (<c>entry.c</c>: <c>get_list</c>, <c>get_range</c>, <c>get_number</c>): a comma list whose items are <c>*</c>,
/// a number or name, or a range, the last two optionally with <c>/step</c>, in any order. Numbers may have leading
/// zeros; names are three letters in any case. Never throws.
/// </summary>
internal sealed record CrontabField(string Name, string Plural, int Low, int High, string[]? Names)
{
    public static readonly CrontabField Minute = new("minute", "minutes", 0, 59, null);
    public static readonly CrontabField Hour = new("hour", "hours", 0, 23, null);
    public static readonly CrontabField DayOfMonth = new("day-of-month", "days of the month", 1, 31, null);
    public static readonly CrontabField Month = new("month", "months", 1, 12,
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]);
    public static readonly CrontabField DayOfWeek = new("day-of-week", "days of the week", 0, 7,
        ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]);
    public static readonly CrontabField Second = new("seconds", "seconds", 0, 59, null);

    public static IReadOnlyList<CrontabField> All { get; } = [Minute, Hour, DayOfMonth, Month, DayOfWeek];

    private CronProblem OutOfRange(string item) =>
        CronProblem.Invalid($"'{CronText.Display(item)}' in the {Name} field is out of range: {Allowed}.");

    private string Allowed => Names is null
        ? $"{Plural} are {Low}-{High}"
        : $"{Plural} are {Low}-{High} or {string.Join(", ", Names)}";

    /// <summary>Parses the field into one bit per value (bit n for value n); an error says what is wrong.</summary>
    public CronProblem? TryParse(string field, out ulong bits)
    {
        bits = 0;
        foreach (var item in field.Split(','))
        {
            if (item.Length == 0)
            {
                return CronProblem.Invalid($"the {Name} field '{CronText.Display(field)}' has an empty item; separate values with single commas, such as '1,15'.");
            }

            if (CrontabExtensions.Explain(item, this) is { } extension)
            {
                return extension;
            }

            if (ParseItem(item, ref bits) is { } problem)
            {
                return problem;
            }
        }

        return null;
    }

    private CronProblem? ParseItem(string item, ref ulong bits)
    {
        var position = 0;
        int first, last;
        var isRange = true;
        if (item[0] == '*')
        {
            (first, last, position) = (Low, High, 1);
        }
        else
        {
            if (ReadValue(item, ref position, out first) is { } problem)
            {
                return problem;
            }

            last = first;
            isRange = position < item.Length && item[position] == '-';
            if (isRange)
            {
                position++;
                if (ReadValue(item, ref position, out last) is { } end)
                {
                    return end;
                }
            }
        }

        var step = 1;
        if (position < item.Length && item[position] == '/')
        {
            if (!isRange)
            {
                // A start out of range is that first: the range suggested below would be refused too (review 27a F5).
                if (first < Low || first > High)
                {
                    return OutOfRange(item);
                }

                // Debian's cron refuses "1/20" (get_range: "Step specified without range").
                return CronProblem.NotCrontab(
                    $"'{CronText.Display(item)}' in the {Name} field is a start with a step but no range; write '{CronText.Display(item[..position])}-{High}{CronText.Display(item[position..])}'.");
            }

            position++;
            var digits = position;
            while (position < item.Length && char.IsAsciiDigit(item[position]))
            {
                position++;
            }

            if (position == digits)
            {
                return CronProblem.Invalid($"the step in '{CronText.Display(item)}' ({Name} field) must be a number, such as '*/5'.");
            }

            // Review 46a F1: crontab reads a number with atoi or strtol into an int, which keeps the low 32 bits of one of
            // 10 digits or more: '*/4294967297' is a step of 1 there, '*/4294967296' a step of 0 (refused). Such a step
            // is refused here rather than run on other minutes than crontab's.
            if (item.AsSpan(digits, position - digits).TrimStart('0').Length > 9)
            {
                return CronProblem.Invalid(
                    $"the step {CronText.Display(item[digits..position])} in '{CronText.Display(item)}' ({Name} field) has more digits than crontab reads whole (it keeps only part of a number of 10 digits or more, and would step otherwise); write a step of at most 9 digits, such as '*/5'.");
            }

            step = Number(item.AsSpan(digits, position - digits));
            if (step == 0)
            {
                return CronProblem.Invalid($"the step 0 in '{CronText.Display(item)}' ({Name} field) never advances; a step is 1 or more, such as '*/5'.");
            }
        }

        if (position < item.Length)
        {
            return CronProblem.Invalid($"unexpected '{CronText.Display(item[position..])}' in '{CronText.Display(item)}' ({Name} field); {Allowed}.");
        }

        if (first < Low || first > High || last < Low || last > High)
        {
            return OutOfRange(item);
        }

        if (first > last)
        {
            // Review 46a F2: crontabs differ here. Debian's cron (and cronie 1.6 to 1.7.2) add nothing for it, older cronie
            // refuses it, and cronie's code since 2025 reads a day-of-week range ending in Sunday (0) as ending in 7.
            var sunday = this == DayOfWeek && last == 0
                ? $" (cronie's code since 2025 reads a range ending on Sunday as ending on 7, and runs it as '{WrapAround(item, first, last)}'; older cronie refuses it)"
                : "";
            return CronProblem.Reversed(
                $"the {Name} range '{CronText.Display(item)}' runs backwards, which Debian's cron skips without a word: it adds no {Plural}, and the rest of the schedule runs as if it were not there{sunday}. To wrap around, list both parts: '{WrapAround(item, first, last)}'.");
        }

        // Crontab steps from the range's first value; a step larger than the range gives that first value alone. In long:
        // a step of seven digits or more (read as int.MaxValue) overflowed an int as it stepped, and set values no item
        // named (review 24a F1).
        for (long value = first; value <= last; value += step)
        {
            bits |= 1UL << (int)value;
        }

        return null;
    }

    private CronProblem? ReadValue(string item, ref int position, out int value)
    {
        value = 0;
        var start = position;
        if (position < item.Length && char.IsAsciiDigit(item[position]))
        {
            while (position < item.Length && char.IsAsciiDigit(item[position]))
            {
                position++;
            }

            value = Number(item.AsSpan(start, position - start));
            return null;
        }

        while (position < item.Length && char.IsAsciiLetter(item[position]))
        {
            position++;
        }

        var word = item[start..position];
        if (word.Length == 0)
        {
            var found = position < item.Length ? $"'{CronText.Display(item[position..(position + 1)])}'" : "nothing";
            return CronProblem.Invalid($"expected a value in '{CronText.Display(item)}' ({Name} field) but found {found}; {Allowed}.");
        }

        var index = Names is null ? -1 : Array.FindIndex(Names, name => string.Equals(name, word, StringComparison.OrdinalIgnoreCase));
        if (index < 0)
        {
            return CronProblem.Invalid($"'{CronText.Display(word)}' is not a {Name} value: {Allowed}.");
        }

        value = index + (this == Month ? 1 : 0);
        return null;
    }

    // A number of any length: more digits than any field needs is simply out of range.
    private static int Number(ReadOnlySpan<char> digits)
    {
        digits = digits.TrimStart('0');
        return digits.Length > 6 ? int.MaxValue : digits.Length == 0 ? 0 : int.Parse(digits, provider: System.Globalization.CultureInfo.InvariantCulture);
    }

    private string WrapAround(string item, int first, int last)
    {
        var byName = Names is not null && char.IsAsciiLetter(item[0]);
        string Text(int value) => byName ? Names![(value - (this == Month ? 1 : 0)) % Names.Length] : value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string Part(int from, int to) => from == to ? Text(from) : $"{Text(from)}-{Text(to)}";
        var slash = item.IndexOf('/', StringComparison.Ordinal);
        var step = slash < 0 ? "" : item[slash..];
        if (this == DayOfWeek && first == 7)
        {
            return $"{Part(Low, last)}{step}";   // 7 is Sunday, which is 0: '7-2' is '0-2'
        }

        var high = this == DayOfWeek ? 6 : High;   // Sunday once: '1-0' is '1-6,0', not '1-7,0'
        if (step.Length == 0)
        {
            return $"{Part(first, high)},{Part(Low, last)}";
        }

        // Stepping on across the wrap: '50-10/20' is 50 and then 10 (70 - 60), not 50 and 0 (review 24a F5).
        var by = int.TryParse(step.AsSpan(1).TrimStart('0'), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed : int.MaxValue;
        var lastBefore = first + ((high - first) / by * by);
        var size = high - Low + 1;
        var next = by > size ? int.MaxValue : lastBefore + by - size;
        var before = first == lastBefore ? Text(first) : $"{Part(first, high)}{step}";
        return next > last ? before : next > last - by ? $"{before},{Text(next)}" : $"{before},{Part(next, last)}{step}";
    }
}
