using ApiRoutes.Text;

namespace ApiRoutes.Tasks.Routing;

// One sentence per error: what is wrong, then how to fix it. Kept together so the wording stays consistent.
internal static class RouteTemplateErrors
{
    public static string Empty() =>
        "The route template is empty; use \"/\" for the root or a path such as \"/api/orders\".";

    public static string LeadingWhitespace() =>
        "The route template starts with whitespace; remove it, because ASP.NET Core would treat it as part of the path.";

    public static string TrailingWhitespace() =>
        "The route template ends with whitespace; remove it, because ASP.NET Core would treat it as part of the path.";

    public static string TildeWithoutSlash() =>
        "The route template starts with '~' that is not followed by '/'; start it with \"/\" or \"~/\" instead.";

    // Review 33c F2: the runtime refuses such a manifest route, so the app built without a word and then did not start.
    public static string RefusedCharacter(string what, int index, string before) =>
        $"The route template holds {what} at index {index}" + (index == 0 ? "" : $" (after '{before}')")
        + "; the app would refuse to start with it in a route, and no route table or log would show it: remove it (a constant "
        + "built from pieces, or text pasted from a document, often brings one in).";

    // Review 33c F3: Kestrel removes "." and ".." segments (also %2E ones: review 45b F1) from a request's path before routing.
    public static string DotSegment(string segment) =>
        $"The route template has the segment '{segment}', which no request can reach: servers remove '.' and '..' segments "
        + "from a request's path before routing (RFC 3986); remove the segment or give it a name.";

    // Review 45b F1: Kestrel decodes a request's path (all but %2F and bytes of no valid UTF-8 character) before routing;
    // a template's literal is not decoded.
    public static string PercentEscape(string literal, string escape, string decoded)
    {
        var lead = $"The literal '{literal}' holds the percent escape '{escape}': servers decode a request's path before routing, so this "
            + "route would answer only a request that escapes the '%' itself";
        if (decoded.Any(char.IsControl))
        {
            return lead + "; it stands for a control character, which a route cannot hold: remove it.";
        }

        // Review 45c: the text as a template writes it: braces doubled; '?' and an escape of its own no template holds.
        if (decoded.Contains('?', StringComparison.Ordinal) || PathEscapes.First(decoded, 0, decoded.Length) is not null)
        {
            return lead + $"; no route template can hold the text it stands for, '{decoded}': remove it.";
        }

        return lead + $"; write the text it stands for, '{decoded.Replace("{", "{{", StringComparison.Ordinal).Replace("}", "}}", StringComparison.Ordinal)}' "
            + "(clients send it percent-encoded). Only '%2F', which servers leave encoded, is written escaped.";
    }

    // Review 39b F5: "https://example.com/api/t7" was told to remove the extra '/' of "//".
    public static string Url(string path) =>
        $"The route template is a URL; a route template is the path alone, such as '{path}': remove the scheme and the host.";

    public static string EmptySegment() =>
        "The route template contains an empty segment (\"//\"); remove the extra '/'.";

    public static string QuestionMarkInLiteral(string literal) =>
        $"The literal '{literal}' contains '?', which may only end a parameter to make it optional; remove it or write '{{name?}}'.";

    public static string UnclosedParameter(string parameter) =>
        $"The route parameter '{parameter}' has no closing '}}'; close it, or write '{{{{' for a literal '{{'.";

    public static string UnmatchedCloseBrace() =>
        "The route template has a '}' without a matching '{'; remove it, or write '}}' for a literal '}'.";

    public static string UnescapedBraceInParameter() =>
        "A route parameter contains an unescaped '{'; inside a parameter write '{{' and '}}' for braces, as in '{id:regex(^\\d{{3}}$)}'.";

    public static string EmptyName(string parameter) =>
        $"The route parameter '{parameter}' has no name; give it one, as in '{{id}}', '{{id?}}' or '{{*path}}'.";

    public static string MisplacedQuestionMark(string parameter) =>
        $"The route parameter '{parameter}' has '?' before its end; put '?' last, after any constraints (as in '{{id:int?}}'), and do not combine it with a default value.";

    public static string MisplacedAsterisk(string parameter) =>
        $"The route parameter '{parameter}' has '*' after its start; a catch-all is written with '*' or '**' first, as in '{{*path}}'.";

    public static string InvalidNameCharacter(string name, char character) =>
        $"The route parameter name '{name}' contains '{character}', which is not allowed in a parameter name; rename it using letters, digits or '_'.";

    public static string DuplicateName(string name) =>
        $"The route parameter name '{name}' appears more than once; give each parameter a unique name.";

    public static string CatchAllOptional(string parameter) =>
        $"The catch-all parameter '{parameter}' cannot be optional because it already matches an empty path; remove the '?'.";

    public static string OptionalWithDefault(string parameter) =>
        $"The route parameter '{parameter}' is optional and also has a default value; keep either the '?' or the '=value'.";

    public static string ConsecutiveParameters(string segment) =>
        $"The segment '{segment}' has two parameters next to each other; separate them with a literal such as '-' or '.', or with '/'.";

    public static string OptionalNotLast(string segment, string name) =>
        $"In the segment '{segment}', the optional parameter '{name}' is not the last part; make it required or move it to the end of the segment.";

    public static string OptionalAfterNonPeriod(string segment, string name) =>
        $"In the segment '{segment}', the optional parameter '{name}' is not preceded by a single '.'; write it as in '{{file}}.{{{name}?}}' or make it required.";

    public static string CatchAllInComplexSegment(string segment) =>
        $"The segment '{segment}' mixes a catch-all parameter with other text; give the catch-all a segment of its own, as in '/{{*path}}'.";

    public static string CatchAllNotLast(string parameter) =>
        $"The catch-all parameter '{parameter}' is not in the last segment; move it to the end of the route template.";

    public static string TooManySegments(int count) =>
        $"The route template has {count} segments, and ASP.NET Core refuses a route of more than {RouteTemplateReader.MaxSegments} when the app starts; shorten it, for example by passing values in the query string.";

    public static string ConstraintArgument(string constraint, string fix) =>
        $"ASP.NET Core cannot create the constraint '{constraint}' and would then answer every request of the app with 500; {fix}.";
}
