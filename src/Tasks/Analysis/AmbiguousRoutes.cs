using System.Text;
using ApiRoutes.Tasks.Diagnostics;
using ApiRoutes.Tasks.Metadata;
using ApiRoutes.Tasks.Routing;

namespace ApiRoutes.Tasks.Analysis;

/// <summary>
/// Two routes that differ only in their constraints (<c>/api/items/{id:int}</c> and <c>/api/items/{id:long}</c>) rank
/// the same for ASP.NET Core's matcher, so a request both accept (<c>/api/items/5</c>) cannot be routed: it answers
/// 500 with an <c>AmbiguousMatchException</c>, at run time, for some paths only. Reported at build time with such a
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
                        + "in constraints ASP.NET Core cannot choose between them and answers such a request with 500. Give one of "
                        + "them constraints that do not overlap, or another route with [ApiRoute(\"...\")].");
                    second.HasErrors = true;
                }
            }
        }
    }

    // Equal for templates the matcher ranks the same and whose literals match the same text: constraints left out,
    // but whether a parameter has any kept (it changes the rank). Complex segments are kept whole.
    private static string RankKey(RouteTemplate template)
    {
        var key = new StringBuilder();
        foreach (var segment in template.Segments)
        {
            key.Append('/');
            if (segment.Parts is [RouteParameter parameter])
            {
                key.Append(parameter.IsCatchAll ? "{*" : "{")
                    .Append(parameter.Constraints.Count > 0 ? "c" : "")
                    .Append(parameter.IsOptional || parameter.DefaultValue is not null ? "?" : "")
                    .Append('}');
            }
            else
            {
                key.Append(string.Concat(segment.Parts.Select(part => part is RouteLiteral literal ? literal.Text.ToLowerInvariant() : part.ToString())));
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

    // A request path both templates match, or null when some parameter has no value both accept.
    private static string? SharedPath(RouteTemplate first, RouteTemplate second)
    {
        var path = new StringBuilder();
        for (var i = 0; i < first.Segments.Count; i++)
        {
            var segment = first.Segments[i];
            path.Append('/');
            if (segment.Parts is [RouteParameter one] && second.Segments[i].Parts is [RouteParameter other])
            {
                if (ConstraintProbe.CommonValue(one.Constraints, other.Constraints) is not { } value)
                {
                    return null;
                }

                path.Append(value);
            }
            else if (segment.Parts.All(part => part is RouteLiteral))
            {
                path.AppendJoin("", segment.Parts.Cast<RouteLiteral>().Select(literal => literal.Text));
            }
            else
            {
                return null;
            }
        }

        return path.Length == 0 ? "/" : path.ToString();
    }
}
