using System.Globalization;
using System.Text.RegularExpressions;

namespace ApiRoutes.Text;

/// <summary>
/// An instant typed by a person or a script, in ISO 8601 only (<c>2026-01-01</c>, <c>2026-01-01T03:00</c>,
/// <c>2026-01-01T03:00:00.5Z</c>, <c>…+02:00</c>; without an offset it is UTC). A culture's form was read as the
/// invariant culture reads it: <c>05/06/2027</c> paused a schedule until 6 May, <c>06.05.2027</c> until 5 June.
/// </summary>
internal static partial class IsoInstant
{
    public static bool TryParse(string? text, out DateTimeOffset instant)
    {
        instant = default;
        return text is not null && Shape().IsMatch(text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out instant);
    }

    // ASCII digits only (\d is every script's): a date, then optionally a time and an offset.
    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]{1,7})?)?)?(?:[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
