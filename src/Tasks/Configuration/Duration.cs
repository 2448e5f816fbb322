using System.Globalization;
using System.Text.RegularExpressions;

namespace ApiRoutes.Tasks.Configuration;

/// <summary>Durations in <c>apiroutes.yaml</c>: whole seconds (<c>90</c>) or units (<c>90s</c>, <c>10m</c>, <c>1m30s</c>).</summary>
internal static partial class Duration
{
    public const string Format = "whole seconds (90) or a duration with units h, m, s (90s, 10m, 1m30s)";

    public static bool TryParseSeconds(string text, out int seconds)
    {
        seconds = 0;
        var trimmed = text.Trim();
        if (int.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out seconds))
        {
            return true;
        }

        var match = Units().Match(trimmed);
        if (!match.Success || trimmed.Length == 0)
        {
            return false;
        }

        long total = Part("h") * 3600 + Part("m") * 60 + Part("s");
        if (total > int.MaxValue)
        {
            return false;
        }

        seconds = (int)total;
        return true;

        long Part(string unit) => match.Groups[unit].Success
            ? long.Parse(match.Groups[unit].Value, NumberStyles.None, CultureInfo.InvariantCulture)
            : 0;
    }

    // ASCII digits only: \d also matches other scripts' digits ('１０m'), which long.Parse refuses (review 25a F16).
    [GeneratedRegex(@"^(?=[0-9])(?:(?<h>[0-9]{1,6})h)?(?:(?<m>[0-9]{1,6})m)?(?:(?<s>[0-9]{1,9})s)?$")]
    private static partial Regex Units();
}
