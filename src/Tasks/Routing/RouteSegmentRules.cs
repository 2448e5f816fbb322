using ApiRoutes.Text;

namespace ApiRoutes.Tasks.Routing;

/// <summary>The rules for how parts may combine within one segment, checked in ASP.NET Core's order.</summary>
internal static class RouteSegmentRules
{
    /// <summary>Returns the failure for the first broken rule, or null.</summary>
    /// <param name="segment">The segment as written, for messages.</param>
    /// <param name="parts">The segment's parts.</param>
    /// <param name="starts">Index in the template where each part starts.</param>
    public static RouteTemplateParseResult? Check(string segment, List<RoutePart> parts, List<int> starts)
    {
        if (segment is "." or ".." || (parts is [RouteLiteral] && PathEscapes.Decode(segment) is "." or ".."))
        {
            return RouteTemplateParseResult.Failure(RouteTemplateErrors.DotSegment(segment), starts[0]);
        }

        for (var i = 0; i < parts.Count; i++)
        {
            var from = starts[i] - starts[0];
            var to = i + 1 < parts.Count ? starts[i + 1] - starts[0] : segment.Length;
            if (parts[i] is RouteLiteral literal && PathEscapes.First(segment, from, to) is { } escape)
            {
                return RouteTemplateParseResult.Failure(
                    RouteTemplateErrors.PercentEscape(segment[from..to], PathEscapes.Run(segment, escape), PathEscapes.Decode(literal.Text)), starts[0] + escape);
            }
        }

        if (parts.Count == 1)
        {
            return null;
        }

        // A catch-all takes the rest of the path, so nothing can follow or precede it inside the segment.
        var catchAll = parts.FindIndex(part => part is RouteParameter { IsCatchAll: true });
        if (catchAll >= 0)
        {
            return RouteTemplateParseResult.Failure(RouteTemplateErrors.CatchAllInComplexSegment(segment), starts[catchAll]);
        }

        // Only "{name}.{ext?}" works: the matcher can drop a trailing ".ext" but nothing else.
        for (var i = 0; i < parts.Count; i++)
        {
            if (parts[i] is not RouteParameter { IsOptional: true } optional)
            {
                continue;
            }

            if (i != parts.Count - 1)
            {
                return RouteTemplateParseResult.Failure(
                    RouteTemplateErrors.OptionalNotLast(segment, optional.Name), starts[i]);
            }

            if (parts[i - 1] is not RouteLiteral { Text: "." })
            {
                return RouteTemplateParseResult.Failure(
                    RouteTemplateErrors.OptionalAfterNonPeriod(segment, optional.Name), starts[i]);
            }
        }

        // Without a literal between them the matcher could not tell where one value ends and the next begins.
        for (var i = 1; i < parts.Count; i++)
        {
            if (parts[i] is RouteParameter && parts[i - 1] is RouteParameter)
            {
                return RouteTemplateParseResult.Failure(RouteTemplateErrors.ConsecutiveParameters(segment), starts[i]);
            }
        }

        return null;
    }
}
