using ApiRoutes.Manifest;
using ApiRoutes.Tasks.Diagnostics;
using ApiRoutes.Tasks.Metadata;

namespace ApiRoutes.Tasks.Analysis;

/// <summary>
/// Checks <c>[ApiRoute(Methods = …)]</c> and <c>methods</c> in <c>apiroutes.yaml</c>: known HTTP methods, at least one, and
/// not on a scheduled route.
/// </summary>
internal static class MethodRules
{
    /// <returns>The methods, upper case, once each, in <see cref="RouteMethods.Known"/>'s order; null after an error.</returns>
    public static IReadOnlyList<string>? Check(
        HandlerType type, IReadOnlyList<string?> written, bool scheduled, SourceLocator locator, DiagnosticBag diagnostics) =>
        Check(type, written, scheduled, new Source(locator.Attribute(type, "ApiRoute", "Methods"), "Methods", "Remove Methods from its [ApiRoute]", "Methods = [\"GET\"]"), diagnostics);

    /// <summary>The same rules for <c>methods</c> in <c>apiroutes.yaml</c>, which overrides the attribute's.</summary>
    public static IReadOnlyList<string>? CheckConfigured(
        HandlerType type, IReadOnlyList<string?> written, bool scheduled, SourceLocation origin, DiagnosticBag diagnostics) =>
        Check(type, written, scheduled, new Source(origin, "methods in apiroutes.yaml", "Remove 'methods' from its entry in apiroutes.yaml", "methods: [GET]"), diagnostics);

    private static IReadOnlyList<string>? Check(HandlerType type, IReadOnlyList<string?> written, bool scheduled, Source source, DiagnosticBag diagnostics)
    {
        var known = string.Join(", ", RouteMethods.Known);
        if (scheduled)
        {
            diagnostics.Add(DiagnosticCodes.MethodsOnScheduledRoute, source.Origin,
                $"'{type.FullName}' is a scheduled route, which the scheduler runs with POST (and any request runs in "
                + $"Development); it cannot restrict its methods. {source.Remove}.");
            return null;
        }

        if (written.Count == 0)
        {
            diagnostics.Add(DiagnosticCodes.InvalidRouteMethods, source.Origin,
                $"The {source.Name} of '{type.FullName}' name no method, so no request could reach the route. Name the methods it "
                + $"answers ({source.Example}; known: {known}), or remove them to answer any method.");
            return null;
        }

        var unknown = written.Where(method => RouteMethods.Normalize(method) is null).ToList();
        if (unknown.Count > 0)
        {
            diagnostics.Add(DiagnosticCodes.InvalidRouteMethods, source.Origin,
                $"The {source.Name} of '{type.FullName}' name {string.Join(", ", unknown.Select(m => m is null ? "null" : $"'{m}'"))}, "
                + $"which {(unknown.Count == 1 ? "is not an HTTP method" : "are not HTTP methods")} ApiRoutes routes by. Use {known} (any case).");
            return null;
        }

        var normalized = written.Select(RouteMethods.Normalize).ToHashSet();
        return [.. RouteMethods.Known.Where(normalized.Contains)];
    }

    // Where the methods were written, and how that place is named and fixed in a message.
    private sealed record Source(SourceLocation? Origin, string Name, string Remove, string Example);
}
