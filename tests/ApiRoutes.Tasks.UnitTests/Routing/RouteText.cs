using ApiRoutes.Tasks.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace ApiRoutes.Tasks.UnitTests.Routing;

// One compact notation for parameters and segments, so table rows and both parsers' results compare as strings:
// a parameter reads "**name:c1:c2=default?", a literal is quoted, segments are joined by " / ".
internal static class RouteText
{
    public static string Parameters(RouteTemplate template) =>
        string.Join(", ", template.Parameters.Select(p => Parameter(
            p.Name, p.IsCatchAll, p.EncodeSlashes, p.Constraints.Select(c => c.Text), p.DefaultValue, p.IsOptional)));

    public static string Parameters(RoutePattern pattern) =>
        string.Join(", ", pattern.Parameters.Select(p => Parameter(
            p.Name, p.IsCatchAll, p.EncodeSlashes, p.ParameterPolicies.Select(c => c.Content ?? "?"), p.Default as string, p.IsOptional)));

    public static string Segments(RouteTemplate template) =>
        string.Join(" / ", template.Segments.Select(segment => string.Join(" ", segment.Parts.Select(part => part switch
        {
            RouteLiteral literal => $"'{literal.Text}'",
            RouteParameter parameter => $"{{{parameter.Name}}}",
            _ => throw new InvalidOperationException(part.ToString()),
        }))));

    // ASP.NET Core turns the '.' before an optional parameter into a separator part; it is literal text all the same.
    public static string Segments(RoutePattern pattern) =>
        string.Join(" / ", pattern.PathSegments.Select(segment => string.Join(" ", segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => $"'{literal.Content}'",
            RoutePatternSeparatorPart separator => $"'{separator.Content}'",
            RoutePatternParameterPart parameter => $"{{{parameter.Name}}}",
            _ => throw new InvalidOperationException(part.ToString()),
        }))));

    private static string Parameter(
        string name, bool isCatchAll, bool encodeSlashes, IEnumerable<string> constraints, string? defaultValue, bool isOptional)
    {
        var prefix = !isCatchAll ? "" : encodeSlashes ? "*" : "**";
        var suffix = string.Concat(constraints.Select(c => ":" + c)) + (defaultValue is null ? "" : "=" + defaultValue);
        return prefix + name + suffix + (isOptional ? "?" : "");
    }
}
