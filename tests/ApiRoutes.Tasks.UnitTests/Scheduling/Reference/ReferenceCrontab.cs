using System.Text.RegularExpressions;

namespace ApiRoutes.Tasks.UnitTests.Scheduling.Reference;

/// <summary>
/// A deliberately simple reading of crontab(5), written from the manual page and Debian's cron and sharing no code
/// with the product: one bool per value of each field, the day rule, and a minute-by-minute matcher. It accepts
/// exactly what ApiRoutes must accept: crontab's grammar, less reversed ranges (crontab runs nothing for them and
/// ApiRoutes refuses them) and less @reboot and @annually (refused as on the platform ApiRoutes mirrors).
/// </summary>
internal sealed partial class ReferenceCrontab
{
    private static readonly string[] Months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    private static readonly string[] Days = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    private readonly bool[][] _allowed = [new bool[60], new bool[24], new bool[32], new bool[13], new bool[8]];
    private readonly bool[] _star = new bool[5];

    private ReferenceCrontab()
    {
    }

    /// <summary>"Wildcard" in cron's sense: the minute or the hour field starts with '*'.</summary>
    public bool IsWildcard => _star[0] || _star[1];

    public static ReferenceCrontab? Parse(string expression)
    {
        var text = expression.Trim();
        text = text switch
        {
            "@yearly" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" or "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            _ => text,
        };

        var fields = text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5)
        {
            return null;
        }

        var cron = new ReferenceCrontab();
        int[] low = [0, 0, 1, 1, 0];
        int[] high = [59, 23, 31, 12, 7];
        for (var f = 0; f < 5; f++)
        {
            cron._star[f] = fields[f].StartsWith('*');
            foreach (var item in fields[f].Split(','))
            {
                var match = Item().Match(item);
                if (!match.Success)
                {
                    return null;
                }

                var isStar = match.Groups["star"].Success;
                var hasEnd = match.Groups["end"].Success;
                var step = match.Groups["step"].Success ? ToNumber(match.Groups["step"].Value) : 1;
                if (step is null or 0 || (match.Groups["step"].Success && !isStar && !hasEnd))
                {
                    return null;
                }

                var first = isStar ? low[f] : Value(match.Groups["start"].Value, f);
                var last = isStar ? high[f] : hasEnd ? Value(match.Groups["end"].Value, f) : first;
                if (first is null || last is null || first < low[f] || last > high[f] || first > last)
                {
                    return null;
                }

                for (var v = first.Value; v <= last; v += step.Value)
                {
                    cron._allowed[f][v] = true;
                }
            }
        }

        cron._allowed[4][0] |= cron._allowed[4][7];
        return cron;
    }

    /// <summary>crontab(5): minute, hour and month must match, and the day by the rule of the two day fields.</summary>
    public bool Matches(DateTime t) =>
        _allowed[0][t.Minute] && _allowed[1][t.Hour] && DayMatches(t);

    public bool DayMatches(DateTime t)
    {
        var dom = _allowed[2][t.Day];
        var dow = _allowed[4][(int)t.DayOfWeek];
        return _allowed[3][t.Month] && (_star[2] || _star[4] ? dom && dow : dom || dow);
    }

    public bool HourMatches(int hour) => _allowed[1][hour];

    /// <summary>The same values in every field (Sunday as 0), and the same fields starting with '*' where that matters.</summary>
    public bool SameAs(ReferenceCrontab other)
    {
        for (var f = 0; f < 5; f++)
        {
            var values = f == 4 ? 7 : _allowed[f].Length;   // day-of-week 7 is folded into 0
            if (!_allowed[f].Take(values).SequenceEqual(other._allowed[f].Take(values)))
            {
                return false;
            }
        }

        // The month's '*' means nothing; the others choose the day rule and the daylight-saving treatment.
        return _star[0] == other._star[0] && _star[1] == other._star[1] && _star[2] == other._star[2] && _star[4] == other._star[4];
    }

    private static int? Value(string text, int field)
    {
        if (ToNumber(text) is { } number)
        {
            return number;
        }

        var names = field == 3 ? Months : field == 4 ? Days : null;
        var index = names is null ? -1 : Array.IndexOf(names, text.ToLowerInvariant());
        return index < 0 ? null : index + (field == 3 ? 1 : 0);
    }

    private static int? ToNumber(string text) =>
        text.Length > 0 && text.All(char.IsAsciiDigit) ? (text.TrimStart('0').Length > 4 ? 99999 : int.Parse("0" + text, System.Globalization.CultureInfo.InvariantCulture)) : null;

    [GeneratedRegex("^(?:(?<star>\\*)|(?<start>[A-Za-z0-9]+)(?:-(?<end>[A-Za-z0-9]+))?)(?:/(?<step>[A-Za-z0-9]+))?$")]
    private static partial Regex Item();
}
