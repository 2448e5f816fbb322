using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace ApiRoutes.Routing;

/// <summary>
/// The app's own endpoints (minimal APIs, controllers, Razor Pages) that have a route's template, which the build
/// cannot see (review 39b F3): ASP.NET Core gives a request both answer to the one that names its method, or fails it
/// with 500 (AmbiguousMatchException) when both do, or neither. Compared as routing matches them: literals ignoring
/// case, parameters by position, kind and constraints, not by name.
/// </summary>
internal static class RouteCollisions
{
    /// <summary>Each of <paramref name="routes"/>' endpoints and an endpoint of <paramref name="others"/> that has its template and a method in common.</summary>
    public static IReadOnlyList<(RouteEndpoint Route, RouteEndpoint Other, string Methods)> Find(IEnumerable<Endpoint> routes, IEnumerable<Endpoint> others)
    {
        var ours = routes.OfType<RouteEndpoint>().ToLookup(endpoint => Shape(endpoint.RoutePattern), StringComparer.Ordinal);
        var found = new List<(RouteEndpoint, RouteEndpoint, string)>();
        foreach (var other in others.OfType<RouteEndpoint>())
        {
            foreach (var route in ours[Shape(other.RoutePattern)])
            {
                if (Common(Methods(route), Methods(other)) is { } methods)
                {
                    found.Add((route, other, methods));
                }
            }
        }

        return found;
    }

    // Null: any method.
    private static IReadOnlyList<string>? Methods(Endpoint endpoint) =>
        endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods is { Count: > 0 } methods ? methods : null;

    // The methods both answer, or null when none.
    private static string? Common(IReadOnlyList<string>? a, IReadOnlyList<string>? b) =>
        a is null || b is null ? (a ?? b) is { } only ? string.Join(", ", only) : "any method"
        : a.Intersect(b, StringComparer.OrdinalIgnoreCase).ToList() is { Count: > 0 } both ? string.Join(", ", both) : null;

    private static string Shape(RoutePattern pattern) =>
        string.Join('/', pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(Part))));

    private static string Part(RoutePatternPart part) => part switch
    {
        RoutePatternLiteralPart literal => literal.Content.ToUpperInvariant(),
        RoutePatternSeparatorPart separator => separator.Content,
        RoutePatternParameterPart parameter =>
            $"{{{(parameter.IsCatchAll ? "*" : "")}{string.Join(':', parameter.ParameterPolicies.Select(policy => policy.Content ?? policy.ParameterPolicy?.GetType().Name))}{(parameter.IsOptional || parameter.Default is not null ? "?" : "")}}}",
        _ => "?",
    };
}
