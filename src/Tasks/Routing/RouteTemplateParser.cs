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

        // ASP.NET Core treats "api/x", "/api/x" and "~/api/x" alike, but a lone '~' prefix is an error.
        var start = template.StartsWith("~/", StringComparison.Ordinal) ? 2 : template[0] == '/' ? 1 : 0;
        if (start == 0 && template[0] == '~')
        {
            return RouteTemplateParseResult.Failure(RouteTemplateErrors.TildeWithoutSlash(), 0);
        }

        return new RouteTemplateReader(template, start).Read();
    }
}
