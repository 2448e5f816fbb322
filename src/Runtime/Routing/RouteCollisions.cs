using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.Routing.Template;

namespace ApiRoutes.Routing;

/// <summary>
/// The app's own endpoints (minimal APIs, controllers, Razor Pages) that routing cannot tell from a route, which the
/// build cannot see (review 39b F3): ASP.NET Core gives a request both answer to the one that names its method, or fails
/// it with 500 (AmbiguousMatchException) when both do, or neither. Compared as routing ranks them: two templates tie when
/// their segments are of the same kinds (routing's precedence: a literal, a parameter with or without constraints, a
/// catch-all), their literals are the same ignoring case, and a value satisfies the constraints of both parameters at
/// each place (<c>{id:int}</c> and <c>{id:long}</c> both take 42; review 39g). Names, optional marks and defaults do not
/// count: <c>{id}</c> and <c>{id?}</c> tie on <c>/users/42</c>. A parameter with constraints outranks one without, so
/// those never tie; nor do endpoints of different <c>Order</c> (the lower takes the request), and a parameter with a
/// required value (an MVC conventional route's <c>{controller}</c>) ranks as the literal it stands for (review 40b B3).
/// A segment of several parts (<c>{name}.{ext}</c>) ranks as a parameter with constraints, and is split as routing
/// splits it (review 40b B2).
/// </summary>
internal static partial class RouteCollisions
{
    // Values tried against two parameters' constraints where their texts differ: a tie needs one both accept. They cover
    // the built-in constraints (numbers of each width, bool, guid, datetime, alpha, file names), with the numbers the two
    // parameters' constraints are written with (a range's bounds, a length: review 40b B1); a custom constraint or regex
    // that accepts none of them cannot be judged, and is taken as telling the two apart.
    private static readonly string[] Samples =
    [
        "0", "1", "42", "-7", "2147483648", "9223372036854775808", "1.5", "true", "false", "a", "abc", "ABC", "abc123",
        "a-b", "x.txt", "a.b.c", "00000000-0000-0000-0000-000000000001", "2026-01-01", "2026-01-01T00:00:00", new string('a', 20),
        new string('a', 300), new string('1', 20),
    ];

    /// <summary>Each of <paramref name="routes"/>' endpoints and an endpoint of <paramref name="others"/> that ties with it and has a method in common.</summary>
    /// <param name="routes">The routes' endpoints.</param>
    /// <param name="others">The app's other endpoints.</param>
    /// <param name="policies">Makes a parameter's constraints (routing's own, from the app's services); without it, constraints tie only when written the same.</param>
    public static IReadOnlyList<(RouteEndpoint Route, RouteEndpoint Other, string Methods)> Find(IEnumerable<Endpoint> routes, IEnumerable<Endpoint> others, ParameterPolicyFactory? policies = null)
    {
        var ours = routes.OfType<RouteEndpoint>().ToLookup(endpoint => (endpoint.Order, Rank(endpoint.RoutePattern)));
        var found = new List<(RouteEndpoint, RouteEndpoint, string)>();
        foreach (var other in others.OfType<RouteEndpoint>())
        {
            foreach (var route in ours[(other.Order, Rank(other.RoutePattern))])
            {
                if (Common(Methods(route), Methods(other)) is { } methods && ValuesInCommon(route.RoutePattern, other.RoutePattern, policies))
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

    // What routing ranks a template by, segment by segment (RoutePrecedence): a literal (here with its text, which must
    // be the same), a parameter, one with constraints or a segment of several parts (review 40b B2: routing ranks those
    // the same), a catch-all, one with constraints. Each rank begins with its kind ('L' a literal, 'P' a parameter), so
    // that no literal ranks as a parameter.
    private static string Rank(RoutePattern pattern) =>
        string.Join('/', pattern.PathSegments.Select(segment => segment.Parts is [var part] ? Rank(pattern, part) : "P{:}"));

    private static string Rank(RoutePattern pattern, RoutePatternPart part) => part switch
    {
        RoutePatternLiteralPart literal => "L" + literal.Content.ToUpperInvariant(),
        RoutePatternParameterPart parameter when Required(pattern, parameter) is { } value => "L" + value.ToUpperInvariant(),
        RoutePatternParameterPart parameter => $"P{{{(parameter.IsCatchAll ? "*" : "")}{(parameter.ParameterPolicies.Count > 0 ? ":" : "")}}}",
        _ => "?",
    };

    // The value a parameter stands for, as routing ranks it (RoutePrecedence): an MVC conventional route's {controller}.
    private static string? Required(RoutePattern pattern, RoutePatternParameterPart parameter) =>
        pattern.RequiredValues.TryGetValue(parameter.Name, out var required) && required is not null && $"{required}" is { Length: > 0 } value ? value : null;

    private static string Written(RoutePatternPathSegment segment) => string.Concat(segment.Parts.Select(part => part switch
    {
        RoutePatternLiteralPart literal => literal.Content.ToUpperInvariant(),
        RoutePatternSeparatorPart separator => separator.Content,
        RoutePatternParameterPart parameter =>
            $"{{{(parameter.IsCatchAll ? "*" : "")}{Constraints(parameter)}{(parameter.IsOptional || parameter.Default is not null ? "?" : "")}}}",
        _ => "?",
    }));

    private static string Constraints(RoutePatternParameterPart parameter) =>
        string.Join(':', parameter.ParameterPolicies.Select(policy => policy.Content ?? policy.ParameterPolicy?.GetType().Name));

    // Two templates of one rank: whether a value matches both at each place where they may differ (a parameter with
    // constraints, a segment of several parts), unless both are written the same there.
    private static bool ValuesInCommon(RoutePattern route, RoutePattern other, ParameterPolicyFactory? policies)
    {
        for (var i = 0; i < route.PathSegments.Count; i++)
        {
            var (a, b) = (route.PathSegments[i], other.PathSegments[i]);
            var compared = a.Parts is not [RoutePatternLiteralPart] && !(a.Parts is [RoutePatternParameterPart single] && (single.ParameterPolicies.Count == 0 || Required(route, single) is not null));
            if (compared && Written(a) != Written(b) && !ValueInCommon(a, b, policies))
            {
                return false;
            }
        }

        return true;
    }

    private static bool ValueInCommon(RoutePatternPathSegment a, RoutePatternPathSegment b, ParameterPolicyFactory? policies)
    {
        if (policies is null || Matcher(a, policies) is not { } first || Matcher(b, policies) is not { } second)
        {
            return false;
        }

        return Samples.Concat(FromConstraints(a)).Concat(FromConstraints(b)).Concat(Filled(a)).Concat(Filled(b)).Any(value => first(value) && second(value));

        // The numbers a segment's constraints are written with, each as a number and as a string of that length.
        static IEnumerable<string> FromConstraints(RoutePatternPathSegment segment) =>
            from parameter in segment.Parts.OfType<RoutePatternParameterPart>()
            from policy in parameter.ParameterPolicies
            from Match number in Numbers().Matches(policy.Content ?? "")
            let n = long.Parse(number.Value, CultureInfo.InvariantCulture)
            from value in n is > 0 and <= 10_000 ? [number.Value, new string('a', (int)n), new string('1', (int)n)] : new[] { number.Value }
            select value;

        // A segment of several parts with its literals as written and each parameter filled in ({name}.json: a.json;
        // review 40d F2).
        static IEnumerable<string> Filled(RoutePatternPathSegment segment) =>
            segment.Parts is [_] ? [] : ((string[])["a", "1", "ab", "12", "abc", "x1"]).Select(fill => string.Concat(segment.Parts.Select(part => part switch
            {
                RoutePatternLiteralPart literal => literal.Content,
                RoutePatternSeparatorPart separator => separator.Content,
                _ => fill,
            })));
    }

    // A bound or a length, as written (a minus sign with it); longer digit runs are no number a constraint takes.
    [GeneratedRegex("-?(?<![0-9])[0-9]{1,18}(?![0-9])")]
    private static partial Regex Numbers();

    // Whether a segment takes a value, as routing matches it: a parameter by its constraints; a segment of several parts
    // split as routing splits it (TemplateMatcher), then each of its parameters by its constraints. Null when a
    // constraint cannot be made.
    private static Func<string, bool>? Matcher(RoutePatternPathSegment segment, ParameterPolicyFactory policies)
    {
        var parameters = new List<(string Name, List<IRouteConstraint> Constraints)>();
        foreach (var parameter in segment.Parts.OfType<RoutePatternParameterPart>())
        {
            if (ConstraintsOf(parameter, policies) is not { } constraints)
            {
                return null;
            }

            parameters.Add((parameter.Name, constraints));
        }

        if (segment.Parts is [RoutePatternParameterPart])
        {
            return value => Accepts(parameters[0].Constraints, value);
        }

        var split = new TemplateMatcher(new RouteTemplate(RoutePatternFactory.Pattern(segment)), new RouteValueDictionary());
        return value =>
        {
            var values = new RouteValueDictionary();
            return split.TryMatch("/" + value, values)
                && parameters.All(parameter => values[parameter.Name] is not string taken || Accepts(parameter.Constraints, taken));
        };
    }

    // Null when a policy cannot be made (a name no constraint is registered for: routing failed the app's start already).
    private static List<IRouteConstraint>? ConstraintsOf(RoutePatternParameterPart parameter, ParameterPolicyFactory policies)
    {
        var constraints = new List<IRouteConstraint>();
        foreach (var reference in parameter.ParameterPolicies)
        {
            try
            {
                if (policies.Create(parameter, reference) is IRouteConstraint constraint)
                {
                    constraints.Add(constraint);
                }
            }
#pragma warning disable CA1031 // A warning's check: a policy that cannot be made here is one it cannot judge.
            catch (Exception)
#pragma warning restore CA1031
            {
                return null;
            }
        }

        return constraints;
    }

    private static bool Accepts(List<IRouteConstraint> constraints, string value)
    {
        var values = new RouteValueDictionary { ["value"] = value };
        foreach (var constraint in constraints)
        {
            try
            {
                if (!constraint.Match(null, null, "value", values, RouteDirection.IncomingRequest))
                {
                    return false;
                }
            }
#pragma warning disable CA1031 // An app's constraint that throws on a value does not take it.
            catch (Exception)
#pragma warning restore CA1031
            {
                return false;
            }
        }

        return true;
    }
}
