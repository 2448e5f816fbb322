namespace ApiRoutes.Scheduling;

/// <summary>Why a schedule is refused. Each kind has its own diagnostic code (<see cref="ScheduleCodes"/>).</summary>
internal enum CronError
{
    None,
    Empty,
    Invalid,
    UnsupportedMacro,
    SubMinute,
    NeverOccurs,
    NotCrontab,
    ReversedRange,
    UnknownTimeZone,
}

/// <summary>What is wrong with one part of a schedule, before the expression is named in front of it.</summary>
internal sealed record CronProblem(CronError Error, string Detail)
{
    public static CronProblem Invalid(string detail) => new(CronError.Invalid, detail);

    public static CronProblem NotCrontab(string detail) => new(CronError.NotCrontab, detail);

    public static CronProblem Reversed(string detail) => new(CronError.ReversedRange, detail);
}

/// <summary>Expressions and values as messages show them: short, on one line, without control characters.</summary>
internal static class CronText
{
    private const int MaxShown = 80;

    public static string Display(string text)
    {
        var shown = new System.Text.StringBuilder(Math.Min(text.Length, MaxShown + 1));
        foreach (var c in text.Length > MaxShown ? text[..MaxShown] : text)
        {
            // On one line: U+2028 and U+2029 break it as '\n' does (review 32d).
            shown.Append(char.IsControl(c) || char.IsSurrogate(c) || c is '\u2028' or '\u2029' ? '?' : c);
        }

        return text.Length > MaxShown ? shown.Append('…').ToString() : shown.ToString();
    }
}
