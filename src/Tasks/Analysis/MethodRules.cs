using ApiRoutes.Manifest;
using ApiRoutes.Tasks.Diagnostics;
using ApiRoutes.Tasks.Metadata;

namespace ApiRoutes.Tasks.Analysis;

/// <summary>Checks <c>[ApiRoute(Methods = …)]</c>: known HTTP methods, at least one, and not on a scheduled route.</summary>
internal static class MethodRules
{
    /// <returns>The methods, upper case, once each, in <see cref="RouteMethods.Known"/>'s order; null after an error.</returns>
    public static IReadOnlyList<string>? Check(
        HandlerType type, IReadOnlyList<string?> written, bool scheduled, SourceLocator locator, DiagnosticBag diagnostics)
    {
        var origin = locator.Attribute(type, "ApiRoute", "Methods");
        var known = string.Join(", ", RouteMethods.Known);
        if (scheduled)
        {
            diagnostics.Add(DiagnosticCodes.MethodsOnScheduledRoute, origin,
                $"'{type.FullName}' is a scheduled route, which the scheduler runs with POST (and any request runs in "
                + "Development); it cannot restrict its methods. Remove Methods from its [ApiRoute].");
            return null;
        }

        if (written.Count == 0)
        {
            diagnostics.Add(DiagnosticCodes.InvalidRouteMethods, origin,
                $"The Methods of '{type.FullName}' name no method, so no request could reach the route. Name the methods it "
                + $"answers (Methods = [\"GET\"]; known: {known}), or remove Methods to answer any method.");
            return null;
        }

        var unknown = written.Where(method => RouteMethods.Normalize(method) is null).ToList();
        if (unknown.Count > 0)
        {
            diagnostics.Add(DiagnosticCodes.InvalidRouteMethods, origin,
                $"The Methods of '{type.FullName}' name {string.Join(", ", unknown.Select(m => m is null ? "null" : $"'{m}'"))}, "
                + $"which {(unknown.Count == 1 ? "is not an HTTP method" : "are not HTTP methods")} ApiRoutes routes by. Use {known} (any case).");
            return null;
        }

        var normalized = written.Select(RouteMethods.Normalize).ToHashSet();
        return [.. RouteMethods.Known.Where(normalized.Contains)];
    }
}
