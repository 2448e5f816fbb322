using System.Buffers;
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
internal static class RouteLiteralCase
{
    /// <summary>Two literals are the same to routing exactly when their folds are equal (ordinal).</summary>
    public static string Fold(string literal)
    {
        var folded = new StringBuilder(literal.Length);
        for (var i = 0; i < literal.Length;)
        {
            if (Rune.DecodeFromUtf16(literal.AsSpan(i), out var rune, out var used) == OperationStatus.Done)
            {
                var upper = Rune.ToUpperInvariant(rune);
                folded.Append((!rune.IsAscii && upper.IsAscii ? rune : upper).ToString());
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
}
