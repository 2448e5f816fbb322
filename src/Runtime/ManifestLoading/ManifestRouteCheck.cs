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
        ThrowIfNamesInvalid(manifest, path);

        // By shape, so that the check of the routes listed twice takes a look per route, not one per route before it (review
        // 43b F3: 40,000 routes took 5 s, a manifest at the size limit would have taken most of an hour).
        var seen = new Dictionary<string, List<ManifestRoute>>(manifest.Routes.Count, StringComparer.Ordinal);
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

            if (EscapedLiteral(pattern) is var (literal, escape))
            {
                throw new ApiRoutesManifestException(
                    $"The route {route} in '{path}' holds the percent escape {BundlePath.Quote(escape)} in its literal {BundlePath.Quote(literal)}: servers decode a "
                    + $"request's path before routing, so no request reaches the route as written. {Rebuild}");
            }

            if (entry.TimeLimitSeconds is { } limit && limit is < 1 or > RouteLimits.MaxTimeLimitSeconds)
            {
                throw new ApiRoutesManifestException(
                    $"The route {route} in '{path}' has a time limit of {limit} seconds; a time limit is from 1 to {RouteLimits.MaxTimeLimitSeconds} seconds. {Rebuild}");
            }

            var shape = Shape(pattern);
            if (!seen.TryGetValue(shape, out var same))
            {
                seen[shape] = same = [];
            }

            if (same.Find(other => Overlap(other.Methods, entry.Methods)) is { } twin)
            {
                throw new ApiRoutesManifestException(
                    $"The route {route} is listed twice in '{path}' (handlers {BundlePath.Quote(twin.Handler.Type)} and {BundlePath.Quote(entry.Handler.Type)}), "
                    + $"so no request to it could be routed. {(LettersOutsideAscii(twin.Route, entry.Route) ? CasingDiffers : Rebuild)}");
            }

            same.Add(entry);
        }
    }

    // The names the runtime looks up and prints are the ones the build writes: an assembly's simple name and file name, the
    // generator's build id, a handler class's name in reflection's form (never generic: AR1003). Any other (empty, a
    // control character, an assembly-qualified or generic type name) crashed start-up with a stack trace in reflection's
    // parsers, or reached the operator's console as written (review 43b F2, F5).
    private static void ThrowIfNamesInvalid(RouteManifest manifest, string path)
    {
        var assembly = manifest.Assembly;
        if (Unwritten(assembly.Name, ",=\"'/\\:") is { } name)
        {
            throw new ApiRoutesManifestException($"The route manifest '{path}' names the assembly {BundlePath.Quote(assembly.Name)}, {name} {Rebuild}");
        }

        if ((assembly.FileName is "." or ".." ? "which is no file name." : Unwritten(assembly.FileName, "/\\:")) is { } file)
        {
            throw new ApiRoutesManifestException($"The route manifest '{path}' names the assembly file {BundlePath.Quote(assembly.FileName)}, {file} {Rebuild}");
        }

        if (assembly.BuildId is { } buildId && Unwritten(buildId, "") is { } id)
        {
            throw new ApiRoutesManifestException($"The route manifest '{path}' has the build id {BundlePath.Quote(buildId)}, {id} {Rebuild}");
        }

        foreach (var entry in manifest.Routes)
        {
            if (Unwritten(entry.Handler.Type, ",[]&*\\`") is { } type)
            {
                throw new ApiRoutesManifestException(
                    $"The route {BundlePath.Quote(entry.Route)} in '{path}' names the handler {BundlePath.Quote(entry.Handler.Type)}, {type} {Rebuild}");
            }
        }
    }

    // The first literal holding an escape Kestrel decodes ('%C3%A9', '%2E'; not '%2F', which it leaves), as the build's
    // AR2001 finds it. A constraint's arguments are not the path's text, so only literals are looked at.
    private static (string Literal, string Escape)? EscapedLiteral(RoutePattern pattern)
    {
        foreach (var literal in pattern.PathSegments.SelectMany(segment => segment.Parts).OfType<RoutePatternLiteralPart>())
        {
            if (PathEscapes.First(literal.Content, 0, literal.Content.Length) is { } at)
            {
                return (literal.Content, PathEscapes.Run(literal.Content, at));
            }
        }

        return null;
    }

    // Why a name is not one the build writes: empty, over 1,024 characters, a blank, a character to escape, or one of these.
    private static string? Unwritten(string? name, string refused) => name switch
    {
        null or "" => "which is empty.",
        { Length: > 1024 } => $"which is {name.Length} characters long.",
        _ when name.Any(char.IsWhiteSpace) => "which holds a blank.",
        _ when !BundlePath.IsPrintable(name) => "which holds a control or invisible character.",
        _ when name.IndexOfAny(refused.ToCharArray()) is >= 0 and var at => $"which holds '{name[at]}' at index {at}.",
        _ => null,
    };

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
