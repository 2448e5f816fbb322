using System.Text.RegularExpressions;

namespace ApiRoutes.Tasks.Routing;

/// <summary>
/// Literal text in a valid template that another framework would read as a route parameter: Next.js' <c>[id]</c>,
/// <c>[...slug]</c> and <c>[[...slug]]</c>, Express' <c>:id</c> at the start of a segment. ASP.NET Core takes them as
/// literal text, so the route never matches a real id (review 39b F5); a literal '[' or ':' is legal, so this is a warning.
/// </summary>
internal static partial class ForeignParameterSyntax
{
    /// <summary>Each piece of literal text that looks like a parameter, and how ASP.NET Core writes that parameter.</summary>
    public static IReadOnlyList<(string Written, string Parameter)> Find(RouteTemplate template)
    {
        var found = new List<(string, string)>();
        foreach (var segment in template.Segments)
        {
            for (var i = 0; i < segment.Parts.Count; i++)
            {
                if (segment.Parts[i] is not RouteLiteral { Text: var text })
                {
                    continue;
                }

                foreach (Match match in Bracketed().Matches(text))
                {
                    found.Add((match.Value, match.Groups["dots"].Success ? $"{{*{match.Groups["name"].Value}}}" : $"{{{match.Groups["name"].Value}}}"));
                }

                // ':' inside a segment is ordinary text (Google's /v1/things:batchGet); at its start it is Express' parameter.
                if (i == 0 && Colon().Match(text) is { Success: true } colon)
                {
                    found.Add((colon.Value, $"{{{colon.Groups["name"].Value}}}"));
                }
            }
        }

        return found;
    }

    /// <summary>The template with each lookalike replaced by its parameter, when each is written once in it; else null.</summary>
    public static string? Rewritten(string text, IReadOnlyList<(string Written, string Parameter)> found)
    {
        foreach (var (written, parameter) in found)
        {
            var at = text.IndexOf(written, StringComparison.Ordinal);
            if (at < 0 || text.IndexOf(written, at + 1, StringComparison.Ordinal) >= 0)
            {
                return null;
            }

            text = string.Concat(text.AsSpan(0, at), parameter, text.AsSpan(at + written.Length));
        }

        return text;
    }

    [GeneratedRegex(@"\[\[?(?<dots>\.\.\.)?(?<name>[A-Za-z_][A-Za-z0-9_]*)\]\]?", RegexOptions.CultureInvariant)]
    private static partial Regex Bracketed();

    [GeneratedRegex(@"^:(?<name>[A-Za-z_][A-Za-z0-9_]*)", RegexOptions.CultureInvariant)]
    private static partial Regex Colon();
}
