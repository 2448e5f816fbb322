namespace ApiRoutes.Manifest;

/// <summary>
/// The HTTP methods a route can be restricted to (<c>[ApiRoute("…", Methods = ["GET"])]</c>): the build checks and
/// normalizes them, the manifest carries them, the runtime maps them. Without a restriction a route answers any
/// method, as on the platform ApiRoutes mirrors.
/// </summary>
internal static class RouteMethods
{
    /// <summary>The methods of RFC 9110 and PATCH (RFC 5789), less CONNECT (a proxy's method), in this order.</summary>
    public static IReadOnlyList<string> Known { get; } = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"];

    /// <summary>The methods an unrestricted route is described with in OpenAPI, which has no "any method".</summary>
    public static IReadOnlyList<string> Described { get; } = ["GET", "POST", "PUT", "PATCH", "DELETE"];

    /// <summary>The known method's upper-case name (HTTP methods are matched ignoring case), or null.</summary>
    public static string? Normalize(string? method) =>
        Known.FirstOrDefault(known => string.Equals(known, method, StringComparison.OrdinalIgnoreCase));

    /// <summary>Why a manifest's list is not one the build writes (known, upper case, once each, in order, not empty), or null.</summary>
    public static string? Problem(IReadOnlyList<string> methods)
    {
        if (methods.Count == 0)
        {
            return "an empty list of methods (no request could reach the route)";
        }

        var normalized = methods.Select(Normalize).ToList();
        return normalized.Contains(null) || !methods.SequenceEqual(Known.Where(normalized.Contains), StringComparer.Ordinal)
            ? $"methods [{string.Join(", ", methods.Take(10).Select(method => Bundling.BundlePath.Printable(method, 100)))}{(methods.Count > 10 ? ", …" : "")}], which are not distinct upper-case names from {string.Join(", ", Known)} in that order"
            : null;
    }
}
