using ApiRoutes.Tasks.Diagnostics;
using ApiRoutes.Tasks.Metadata;

namespace ApiRoutes.Tasks.Analysis;

/// <summary>
/// Two handlers must not answer the same requests. Routes that differ only in letter case or parameter names do
/// (ASP.NET Core matches literals ignoring case), so the comparison is on the template's shape.
/// </summary>
internal static class DuplicateRoutes
{
    public static void Report(IReadOnlyList<RouteDraft> drafts, SourceLocator locator, DiagnosticBag diagnostics)
    {
        foreach (var group in drafts.GroupBy(draft => draft.Template.ShapeKey, StringComparer.Ordinal))
        {
            var first = group.First();
            foreach (var other in group.Skip(1))
            {
                var firstAt = locator.Declaration(first.Type);
                var sameText = string.Equals(first.Template.Text, other.Template.Text, StringComparison.Ordinal);
                var how = sameText ? "" : " (routes that differ only in letter case or parameter names match the same requests)";
                // One route is one handler (executions, replays and the dashboard name a route by its template), so
                // handlers for different methods of one path are one handler that switches on the method.
                var fix = first.Methods is not null || other.Methods is not null
                    ? "A route has one handler, whatever its Methods: answer the methods in one handler (switch on "
                        + "context.Request.Method, with Methods listing them all), or give one of them another route."
                    : "Give one of them another route with [ApiRoute(\"...\")].";
                diagnostics.Add(DiagnosticCodes.DuplicateRoute, other.TemplateOrigin(),
                    $"'{other.Type.FullName}' has the route '{other.Template.Text}', which '{first.Type.FullName}' at "
                    + $"{firstAt} already has{how}. {fix}");
                other.HasErrors = true;
            }
        }
    }
}
