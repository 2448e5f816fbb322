using System.Text;
using ApiRoutes.Text;

namespace ApiRoutes.Tasks.Routing;

/// <summary>A route template that ASP.NET Core's <c>RoutePatternFactory.Parse</c> accepts, parsed without ASP.NET Core.</summary>
internal sealed class RouteTemplate
{
    /// <summary>Creates a template from its normalized text and parsed segments.</summary>
    public RouteTemplate(string text, IReadOnlyList<RouteSegment> segments)
    {
        Text = text;
        Segments = segments;
        Parameters = [.. segments.SelectMany(segment => segment.Parts).OfType<RouteParameter>()];
        ShapeKey = ComputeShapeKey(segments);
    }

    /// <summary>
    /// The template as written but always starting with "/" ("api/x", "/api/x" and "~/api/x" all give "/api/x")
    /// and without a trailing "/" except for the root "/".
    /// </summary>
    public string Text { get; }

    /// <summary>The path segments; empty for the root template.</summary>
    public IReadOnlyList<RouteSegment> Segments { get; }

    /// <summary>The parameters in order of appearance.</summary>
    public IReadOnlyList<RouteParameter> Parameters { get; }

    /// <summary>True when the template has at least one parameter.</summary>
    public bool HasParameters => Parameters.Count > 0;

    /// <summary>
    /// Equal for templates that match the same requests, to find duplicate routes: literals compare
    /// case-insensitively and parameter names are ignored, while constraints (sorted), optional and catch-all
    /// markers count. "/api/Orders/{id}" and "/api/orders/{orderId}" share a key; "/api/orders/{id:int}" does not.
    /// </summary>
    public string ShapeKey { get; }

    /// <inheritdoc/>
    public override string ToString() => Text;

    private static string ComputeShapeKey(IReadOnlyList<RouteSegment> segments)
    {
        if (segments.Count == 0)
        {
            return "/";
        }

        var key = new StringBuilder();
        foreach (var segment in segments)
        {
            key.Append('/');
            foreach (var part in segment.Parts)
            {
                switch (part)
                {
                    case RouteLiteral literal:
                        RouteLiteralCase.AppendEscaped(key, RouteLiteralCase.Fold(literal.Text));
                        break;
                    case RouteParameter parameter:
                        AppendParameter(key, parameter);
                        break;
                }
            }
        }

        return key.ToString();
    }

    private static void AppendParameter(StringBuilder key, RouteParameter parameter)
    {
        key.Append('{');

        // "*" and "**" differ only in how links are generated, not in what they match.
        if (parameter.IsCatchAll)
        {
            key.Append('*');
        }

        // Constraint names compare ignoring case; their arguments as written (a regex's \d and \D differ).
        var constraints = parameter.Constraints
            .Select(constraint => new RouteConstraint(constraint.Name.ToLowerInvariant(), constraint.Argument).Text)
            .Order(StringComparer.Ordinal);
        foreach (var constraint in constraints)
        {
            key.Append(':');
            RouteLiteralCase.AppendEscaped(key, constraint);
        }

        // A default value lets the segment be left out just as '?' does; a catch-all may always be empty.
        if (!parameter.IsCatchAll && (parameter.IsOptional || parameter.DefaultValue is not null))
        {
            key.Append('?');
        }

        key.Append('}');
    }
}
