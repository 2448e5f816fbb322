using System.Globalization;
using System.Text;

namespace ApiRoutes.Bundling;

/// <summary>
/// Which characters a bundle path may not hold, judged per Unicode scalar value (<see cref="Rune"/>): a character
/// outside the BMP is two UTF-16 chars, each of which alone says nothing (U+E0001 is an invisible tag; its halves
/// are surrogates).
/// </summary>
internal static class BundleCharacters
{
    // Characters that a Windows file name cannot hold; a bundle must unpack to the same files everywhere.
    private const string NotOnWindows = "<>:\"|?*";

    // Characters that Unicode's confusables list with '/' or '\': in a listing or a message, 'a／b' reads as 'a/b'.
    private const string LookalikeSlashes = "\u2044\u2215\u2216\u2571\u29F5\u29F8\u29F9\uFE68\uFF0F\uFF3C";

    /// <returns>Why a bundle path may not hold <paramref name="rune"/> (a clause starting "it has"), or null.</returns>
    public static string? Problem(Rune rune)
    {
        if (rune.Value == '\\')
        {
            return "it has a backslash; bundle paths use '/'";
        }

        if (rune.IsAscii && NotOnWindows.Contains((char)rune.Value, StringComparison.Ordinal))
        {
            return $"it has the character '{(char)rune.Value}', which file names on Windows cannot hold";
        }

        return Misleading(rune) is { } what ? "it has " + what : null;
    }

    /// <summary>
    /// What <paramref name="rune"/> is when it would hide or mislead in a file name or a one-line message — it
    /// breaks the line, shows as nothing, as a plain space, as a slash, or as whatever a font makes of it — or null.
    /// </summary>
    public static string? Misleading(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.Control => $"the control character {Code(rune)}",
        UnicodeCategory.Format => $"the invisible formatting character {Code(rune)}",
        UnicodeCategory.LineSeparator => $"the line separator {Code(rune)}",
        UnicodeCategory.ParagraphSeparator => $"the paragraph separator {Code(rune)}",
        UnicodeCategory.SpaceSeparator when rune.Value != ' ' => $"the space {Code(rune)}; the only space a bundle path may hold is U+0020",
        UnicodeCategory.PrivateUse => $"the private-use character {Code(rune)}",
        UnicodeCategory.OtherNotAssigned => $"the unassigned character {Code(rune)}",
        _ when rune.IsBmp && LookalikeSlashes.Contains((char)rune.Value, StringComparison.Ordinal) => $"{Code(rune)}, which looks like a slash; bundle paths use '/'",
        _ => null,
    };

    /// <summary>The character as C# escapes it: <c>\u2028</c>, or <c>\U000E0001</c> outside the BMP.</summary>
    public static string Escaped(int value) => value <= 0xFFFF ? $"\\u{value:X4}" : $"\\U{value:X8}";

    /// <summary>The character as Unicode names it: U+2028, U+E0001.</summary>
    public static string Code(int value) => $"U+{value:X4}";

    private static string Code(Rune rune) => Code(rune.Value);
}
