using ApiRoutes.Text;

namespace ApiRoutes.Tasks.Routing;

/// <summary>
/// Parses ASP.NET Core route templates at build time, where ASP.NET Core is not available. It accepts what
/// <c>RoutePatternFactory.Parse</c> accepts, except that empty templates and templates that start or end with
/// whitespace are rejected because they are almost always mistakes, and so are characters that do not show (control and
/// formatting characters: <see cref="RouteCharacters"/>) and dot segments, which requests never reach. It also refuses what ASP.NET Core refuses only
/// when the app runs: more than 28 segments, and built-in constraints whose arguments it cannot use.
/// </summary>
internal static class RouteTemplateParser
{
    /// <summary>Parses <paramref name="template"/>; never throws for bad input.</summary>
    public static RouteTemplateParseResult Parse(string template)
    {
        // Attribute arguments and YAML can still hand us null despite the annotation.
        if (string.IsNullOrWhiteSpace(template))
        {
            return RouteTemplateParseResult.Failure(RouteTemplateErrors.Empty(), 0);
        }

        // Before the whitespace rules: a line feed at the end is better named than called whitespace.
        if (RouteCharacters.FirstRefused(template) is (var index, var what))
        {
            return RouteTemplateParseResult.Failure(RouteTemplateErrors.RefusedCharacter(what, index, template[..index]), index);
        }

        if (char.IsWhiteSpace(template[0]))
        {
            return RouteTemplateParseResult.Failure(RouteTemplateErrors.LeadingWhitespace(), 0);
        }

        if (char.IsWhiteSpace(template[^1]))
        {
            var position = template.Length - 1;
            while (char.IsWhiteSpace(template[position - 1]))
            {
                position--;
            }

            return RouteTemplateParseResult.Failure(RouteTemplateErrors.TrailingWhitespace(), position);
        }

        // Before the segments, where "https://host/..." reads as the segment "https:" and then an empty one.
        if (UrlPath(template) is { } path)
        {
            return RouteTemplateParseResult.Failure(RouteTemplateErrors.Url(path), 0);
        }

        // ASP.NET Core treats "api/x", "/api/x" and "~/api/x" alike, but a lone '~' prefix is an error.
        var start = template.StartsWith("~/", StringComparison.Ordinal) ? 2 : template[0] == '/' ? 1 : 0;
        if (start == 0 && template[0] == '~')
        {
            return RouteTemplateParseResult.Failure(RouteTemplateErrors.TildeWithoutSlash(), 0);
        }

        return new RouteTemplateReader(template, start).Read();
    }

    // The path of a template written as an absolute URL (a scheme as RFC 3986 spells it, then "://"), or null.
    private static string? UrlPath(string template)
    {
        var scheme = template.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 1 || !char.IsAsciiLetter(template[0])
            || !template[..scheme].All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.'))
        {
            return null;
        }

        // The path ends where a query or a fragment starts.
        var path = template.IndexOf('/', scheme + 3);
        var end = template.IndexOfAny(['?', '#'], scheme + 3);
        return path < 0 || (end >= 0 && end < path) ? "/" : template[path..(end < 0 ? template.Length : end)];
    }
}
