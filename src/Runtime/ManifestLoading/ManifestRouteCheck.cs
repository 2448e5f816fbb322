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
    internal const string Rebuild = "The build writes no such route: build the project again, and deploy the manifest it writes.";

    // Review 34b: two routes that differ in letters outside ASCII are one to this app's routing (OrdinalIgnoreCase by the
    // process's casing data) and were two to the build's, whose data differed (another ICU version, or invariant
    // globalization on one side only: a few letters new in Unicode 16): building again on the same machine changes nothing.
    private const string CasingDiffers = "They differ only in letters outside ASCII that this app's casing data takes for one letter and the build's "
        + "did not (another ICU version, or invariant globalization on one side): give one of them another route.";

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
                    + $"so no request to it could be routed. {(LettersOutsideAscii(twin.Route, entry.Route) ? CasingDiffers : Rebuild)}");
            }

            seen.Add((entry, shape));
        }
    }

    // Whether the two routes, listed twice to this app, differ in a letter outside ASCII (ASCII letters are one to every
    // casing data, so routes that differ only in those the build refuses itself).
    private static bool LettersOutsideAscii(string first, string second) =>
        !string.Equals(first, second, StringComparison.Ordinal)
        && first.Length == second.Length
        && first.Zip(second).Any(pair => pair.First != pair.Second && (!char.IsAscii(pair.First) || !char.IsAscii(pair.Second)));

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
