using ApiRoutes.Bundling;
using ApiRoutes.Manifest;
using ApiRoutes.Scheduling;
using ApiRoutes.Text;
using Microsoft.AspNetCore.Routing.Patterns;

namespace ApiRoutes.ManifestLoading;

/// <summary>
/// What the build guarantees of a manifest's routes, checked again where the manifest is served: a manifest may be
/// hand-edited, stale or hostile. A template that does not parse crashed start-up; one listed twice answered 500; a
/// negative time limit failed every execution as a bug; control characters in a route reached the operator's terminal
/// (review 26a F5, F6, F7). Each is refused with one line that names the route, escaped.
/// </summary>
internal static class ManifestRouteCheck
{
    private const string Rebuild = "The build writes no such route: build the project again, and deploy the manifest it writes.";

    /// <exception cref="ApiRoutesManifestException">A route is not one the build would have written.</exception>
    public static void ThrowIfInvalid(RouteManifest manifest, string path)
    {
        var seen = new List<(ManifestRoute Entry, string Shape)>(manifest.Routes.Count);
        foreach (var entry in manifest.Routes)
        {
            var route = BundlePath.Quote(entry.Route);
            if (!entry.Route.StartsWith('/'))
            {
                throw new ApiRoutesManifestException($"The route {route} in '{path}' is not a path: it must start with '/'. {Rebuild}");
            }

            // The build refuses the same characters with AR2001 (review 33c F2: it accepted control characters this refused).
            if (RouteCharacters.FirstRefused(entry.Route) is (var index, var what))
            {
                throw new ApiRoutesManifestException($"The route {route} in '{path}' is not a path: it holds {what} at index {index}. {Rebuild}");
            }

            RoutePattern pattern;
            try
            {
                pattern = RoutePatternFactory.Parse(entry.Route);
            }
            catch (RoutePatternException e)
            {
                throw new ApiRoutesManifestException($"The route {route} in '{path}' is not a valid route template: {BundlePath.Printable(e.Message)} {Rebuild}", e);
            }

            if (entry.TimeLimitSeconds is { } limit && limit is < 1 or > RouteLimits.MaxTimeLimitSeconds)
            {
                throw new ApiRoutesManifestException(
                    $"The route {route} in '{path}' has a time limit of {limit} seconds; a time limit is from 1 to {RouteLimits.MaxTimeLimitSeconds} seconds. {Rebuild}");
            }

            var shape = Shape(pattern);
            if (seen.Find(other => other.Shape == shape && Overlap(other.Entry.Methods, entry.Methods)).Entry is { } twin)
            {
                throw new ApiRoutesManifestException(
                    $"The route {route} is listed twice in '{path}' (handlers {BundlePath.Quote(twin.Handler.Type)} and {BundlePath.Quote(entry.Handler.Type)}), "
                    + $"so no request to it could be routed. {Rebuild}");
            }

            seen.Add((entry, shape));
        }
    }

    // What routing tells routes apart by, as the build's AR2004 does: literals ignoring case, parameters by where they are,
    // whether optional or catch-all, and their constraints as written (regex(^\d+$) and regex(^\D+$) differ: review 26b
    // F1), not by their names.
    private static string Shape(RoutePattern pattern)
    {
        var shape = new System.Text.StringBuilder();
        foreach (var segment in pattern.PathSegments)
        {
            shape.Append('/');
            foreach (var part in segment.Parts)
            {
                switch (part)
                {
                    // A literal '{}' ('{{}}' in the template) is not a parameter's '{}' (review 33c F1: the two were one shape).
                    case RoutePatternLiteralPart literal:
                        RouteLiteralCase.AppendEscaped(shape, RouteLiteralCase.Fold(literal.Content));
                        break;
                    case RoutePatternSeparatorPart separator:
                        RouteLiteralCase.AppendEscaped(shape, separator.Content);
                        break;
                    case RoutePatternParameterPart parameter:
                        shape.Append('{').Append(parameter.IsCatchAll ? "*" : "").Append(parameter.IsOptional || parameter.Default is not null ? "?" : "");
                        foreach (var policy in parameter.ParameterPolicies)
                        {
                            shape.Append(':');
                            RouteLiteralCase.AppendEscaped(shape, policy.Content ?? "");
                        }

                        shape.Append('}');
                        break;
                }
            }
        }

        return shape.ToString();
    }

    // No methods listed: every method.
    private static bool Overlap(IReadOnlyList<string>? first, IReadOnlyList<string>? second) =>
        first is null || second is null || first.Any(method => second.Contains(method, StringComparer.OrdinalIgnoreCase));
}
