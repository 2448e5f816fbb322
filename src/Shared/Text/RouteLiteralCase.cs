using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace ApiRoutes.Text;

/// <summary>
/// A route's literal text as ASP.NET Core's routing compares it: <see cref="StringComparison.OrdinalIgnoreCase"/>, which
/// maps each character to its simple uppercase, except that no character outside ASCII maps to one inside it (U+0131
/// dotless i and U+017F long s stay themselves; U+212A KELVIN SIGN is its own uppercase, not 'k''s). The build's
/// duplicate and overlap checks and the runtime's check of the manifest fold literals with this one function: they
/// folded with ToLowerInvariant and ToUpperInvariant, which disagree with routing and with each other (review 33c F1:
/// a false AR2002 for '/api/Kelvin' beside '/api/kelvin', and an app that refused its own manifest for '/api/ſtatus' beside
/// '/api/status').
/// </summary>
/// <remarks>
/// The fold asks OrdinalIgnoreCase itself which characters are one, rather than trusting a casing API to agree with it
/// (review 33f F4). In the BMP, OrdinalIgnoreCase and ToUpperInvariant read the same data (ICU's, or .NET's own under
/// invariant globalization); outside it OrdinalIgnoreCase always reads .NET's own, while ToUpperInvariant still reads ICU's:
/// with ICU 72 (Unicode 15; .NET 10 has 16) the Garay capitals U+10D50.. and smalls U+10D70.. were one to routing and two
/// to the fold, so the build gave no AR2002 and the app answered 500, or, under invariant globalization, refused its own
/// manifest. So in the BMP a character folds to its uppercase only where OrdinalIgnoreCase says the two are one, and
/// outside it to the first of the letters OrdinalIgnoreCase says it is one with, found once, when first needed.
/// OrdinalIgnoreCase itself follows the process's casing data, so the fold agrees with the routing of the process it runs
/// in: a pair of the BMP new in Unicode 16 (U+A7CC and U+A7CD) is two to a build with ICU 72 and one to an app under
/// invariant globalization, which then refuses the manifest rather than answer 500.
/// </remarks>
internal static class RouteLiteralCase
{
    private static Dictionary<int, int>? s_supplementaryFirsts;

    /// <summary>Two literals are the same to routing exactly when their folds are equal (ordinal).</summary>
    public static string Fold(string literal)
    {
        var folded = new StringBuilder(literal.Length);
        for (var i = 0; i < literal.Length;)
        {
            if (Rune.DecodeFromUtf16(literal.AsSpan(i), out var rune, out var used) == OperationStatus.Done)
            {
                folded.Append(Fold(rune).ToString());
                i += used;
            }
            else
            {
                folded.Append(literal[i]);   // half of a surrogate pair: only itself
                i++;
            }
        }

        return folded.ToString();
    }

    /// <summary>
    /// Appends <paramref name="text"/> to a route's shape key with the key's own punctuation escaped, so that a literal
    /// '{}' or a regex argument's ':' is not taken for a parameter or a separator: the build's key and the runtime's
    /// check of the manifest write their keys so.
    /// </summary>
    public static void AppendEscaped(StringBuilder key, string text)
    {
        foreach (var c in text)
        {
            if (c is '\\' or '{' or '}' or ':' or '?' or '*')
            {
                key.Append('\\');
            }

            key.Append(c);
        }
    }

    // Each fold is one to routing with the rune it folds, so two runes that fold alike are one to routing; and every rune
    // routing takes for another folds alike with it: in the BMP both go to their one uppercase, outside it both are found
    // in one group of the table.
    private static Rune Fold(Rune rune)
    {
        if (rune.IsAscii)
        {
            return Rune.ToUpperInvariant(rune);
        }

        if (!rune.IsBmp)
        {
            var firsts = LazyInitializer.EnsureInitialized(ref s_supplementaryFirsts, SupplementaryFirsts);
            return firsts.TryGetValue(rune.Value, out var first) ? new Rune(first) : rune;
        }

        var upper = Rune.ToUpperInvariant(rune);
        return upper != rune && string.Equals(rune.ToString(), upper.ToString(), StringComparison.OrdinalIgnoreCase) ? upper : rune;
    }

    // Outside the BMP, OrdinalIgnoreCase pairs only letters, by .NET's own Unicode data, which is also where
    // CharUnicodeInfo looks (not ICU): so those letters, grouped by OrdinalIgnoreCase itself, are every pair it makes. All
    // are in plane 1: planes 2 and 3 are kept for ideographs, which have no case, 14 for tags and selectors, 15 and 16 for
    // private use (RouteLiteralCaseTests compares every code point). Maps each letter that has a partner to its group's
    // first (lowest): 1,536 letters looked at (Unicode 16), about 5 ms in a fresh process (most of it compiling; fully
    // optimized at once, as tiered code took 16 ms), only for an app or build with a route literal outside the BMP.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Dictionary<int, int> SupplementaryFirsts()
    {
        var groups = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var firsts = new Dictionary<int, int>();
        for (var code = 0x10000; code <= 0x1FFFF; code++)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(code) is not (UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter
                or UnicodeCategory.TitlecaseLetter))
            {
                continue;
            }

            var text = char.ConvertFromUtf32(code);
            if (groups.TryGetValue(text, out var first))
            {
                firsts[first] = first;
                firsts[code] = first;
            }
            else
            {
                groups.Add(text, code);
            }
        }

        return firsts;
    }
}
