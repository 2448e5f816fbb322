using System.Buffers;
using System.Globalization;
using System.Text;
using ApiRoutes.Bundling;

namespace ApiRoutes.Text;

/// <summary>
/// The characters a route may not hold, for the build (AR2001) and the runtime's check of the manifest alike: the build
/// accepted control characters that the runtime refused, so the app refused its own manifest at start-up (review 33c F2).
/// Refused are the characters no one sees in the code, a route table or a log: control characters, formatting characters
/// (U+200B ZERO WIDTH SPACE, U+202E RIGHT-TO-LEFT OVERRIDE, which prints the rest of a route reversed), line and paragraph
/// separators; and what stands for text that was not Unicode: a lone surrogate, or U+FFFD, which the compiler writes for
/// one (review 33c L4: '/api/sur\uD800rogate' was served as a route of three U+FFFD). Other spaces and scripts are a
/// route's own business: a client can send them, percent-encoded.
/// </summary>
internal static class RouteCharacters
{
    /// <returns>Where the first refused character is and what it is ("the control character U+000A"), or null.</returns>
    public static (int Index, string What)? FirstRefused(string route)
    {
        for (var i = 0; i < route.Length;)
        {
            if (Rune.DecodeFromUtf16(route.AsSpan(i), out var rune, out var used) != OperationStatus.Done)
            {
                return (i, $"the lone surrogate {BundleCharacters.Code(route[i])} (half of a character outside the BMP, without its other half)");
            }

            var what = rune.Value == 0xFFFD
                ? $"the replacement character {BundleCharacters.Code(rune.Value)}, which stands for text that was not valid Unicode (a lone surrogate such as \\uD800 in the source becomes it)"
                : Rune.GetUnicodeCategory(rune) switch
                {
                    UnicodeCategory.Control => $"the control character {BundleCharacters.Code(rune.Value)}",
                    UnicodeCategory.Format => $"the invisible formatting character {BundleCharacters.Code(rune.Value)}",
                    UnicodeCategory.LineSeparator => $"the line separator {BundleCharacters.Code(rune.Value)}",
                    UnicodeCategory.ParagraphSeparator => $"the paragraph separator {BundleCharacters.Code(rune.Value)}",
                    _ => null,
                };
            if (what is not null)
            {
                return (i, what);
            }

            i += used;
        }

        return null;
    }
}
