using System.Text;
using ApiRoutes.Tasks.Diagnostics;
using ApiRoutes.Tasks.Metadata;
using ApiRoutes.Tasks.Routing;
using ApiRoutes.Text;

namespace ApiRoutes.Tasks.Analysis;

/// <summary>
/// Two routes that differ only in their constraints (<c>/api/items/{id:int}</c> and <c>/api/items/{id:long}</c>, or
/// <c>/api/files/{name}.{ext}</c> and <c>/api/files/{name}.{ext:int}</c>), or in optional markers and default values
/// (<c>/api/items/{id}</c> and <c>/api/items/{page?}</c>), rank the same for ASP.NET Core's matcher, so a request both
/// accept (<c>/api/items/5</c>) cannot be routed: it answers 500 with an <c>AmbiguousMatchException</c>, at run time,
/// for some paths only. Reported at build time with such a
/// path, found by <see cref="ConstraintProbe"/>. Routes whose methods do not overlap never meet, and a route with
/// methods outranks one without; a constrained and an unconstrained parameter rank differently (the constrained one
/// wins), so they never meet either.
/// </summary>
internal static class AmbiguousRoutes
{
    public static void Report(IReadOnlyList<RouteDraft> drafts, SourceLocator locator, DiagnosticBag diagnostics)
    {
        foreach (var group in drafts.Where(draft => !draft.HasErrors).GroupBy(draft => RankKey(draft.Template), StringComparer.Ordinal))
        {
            var routes = group.ToList();
            for (var i = 0; i < routes.Count; i++)
            {
                for (var j = i + 1; j < routes.Count; j++)
                {
                    var (first, second) = (routes[i], routes[j]);
                    if (first.Template.ShapeKey == second.Template.ShapeKey || !MethodsMeet(first.Methods, second.Methods)
                        || SharedPath(first.Template, second.Template) is not { } path)
                    {
                        continue;
                    }

                    diagnostics.Add(DiagnosticCodes.AmbiguousRoute, second.TemplateOrigin(),
                        $"'{second.Type.FullName}' has the route '{second.Template.Text}' and '{first.Type.FullName}' at "
                        + $"{locator.Declaration(first.Type)} has '{first.Template.Text}': both match '{path}', and as they differ only "
                        + "in constraints, optional parameters or default values, ASP.NET Core ranks them the same, cannot choose "
                        + "between them and answers such a request with 500. Give one of them constraints that do not overlap, or "
                        + "another route with [ApiRoute(\"...\")].");
                    second.HasErrors = true;
                }
            }
        }
    }

    // Equal for templates the matcher ranks the same and whose literals match the same text. ASP.NET Core's inbound
    // precedence ranks a segment as a literal, a complex segment (whatever its constraints), a parameter with
    // constraints, one without, or a catch-all: so constraints are left out but whether a lone parameter has any is
    // kept, and optional markers and default values are left out too ('{id}' and '{page?}' tie on '/api/items/5').
    private static string RankKey(RouteTemplate template)
    {
        var key = new StringBuilder();
        foreach (var segment in template.Segments)
        {
            key.Append('/');
            if (segment.Parts is [RouteParameter parameter])
            {
                key.Append(parameter.IsCatchAll ? "{*" : "{").Append(parameter.Constraints.Count > 0 ? "c" : "").Append('}');
                continue;
            }

            foreach (var part in segment.Parts)
            {
                if (part is RouteLiteral literal)
                {
                    foreach (var c in RouteLiteralCase.Fold(literal.Text))
                    {
                        key.Append(c is '{' or '}' or '\\' ? "\\" + c : c.ToString());
                    }
                }
                else
                {
                    key.Append("{}");
                }
            }
        }

        return key.ToString();
    }

    // ASP.NET Core ranks a route with methods ahead of one without (HttpMethodMatcherPolicy), so only two routes that
    // both have none, or both name a method in common, can tie.
    private static bool MethodsMeet(IReadOnlyList<string>? first, IReadOnlyList<string>? second) =>
        (first, second) switch
        {
            (null, null) => true,
            ({ } one, { } other) => one.Intersect(other, StringComparer.Ordinal).Any(),
            _ => false,
        };

    // A request path both templates match, or null when some parameter has no value both accept. The templates have
    // one rank key, so their segments have the same parts, literals equal but for case.
    private static string? SharedPath(RouteTemplate first, RouteTemplate second)
    {
        var path = new StringBuilder();
        for (var i = 0; i < first.Segments.Count; i++)
        {
            var (parts, others) = (first.Segments[i].Parts, second.Segments[i].Parts);
            path.Append('/');
            // A value that holds one of a complex segment's literals could be split elsewhere: never probed with.
            var literals = parts.OfType<RouteLiteral>().Select(literal => literal.Text).ToList();
            for (var k = 0; k < parts.Count; k++)
            {
                if (parts[k] is RouteLiteral literal)
                {
                    path.Append(literal.Text);
                }
                else if (parts[k] is RouteParameter one && others[k] is RouteParameter other
                    && ConstraintProbe.CommonValue(one.Constraints, other.Constraints, literals) is { } value)
                {
                    path.Append(value);
                }
                else
                {
                    return null;
                }
            }
        }

        return path.Length == 0 ? "/" : path.ToString();
    }
}
