namespace ApiRoutes.Tasks.Routing;

/// <summary>The outcome of <see cref="RouteTemplateParser.Parse"/>: a template, or an error and where it is.</summary>
/// <param name="Template">The parsed template; null when the text is not a valid route template.</param>
/// <param name="Error">One sentence saying what is wrong and how to fix it; null when valid.</param>
/// <param name="ErrorPosition">The 0-based index in the original text of the offending character or part.</param>
internal sealed record RouteTemplateParseResult(RouteTemplate? Template, string? Error, int ErrorPosition)
{
    /// <summary>True when <see cref="Template"/> is set.</summary>
    public bool IsValid => Template is not null;

    /// <summary>Creates a failed result.</summary>
    public static RouteTemplateParseResult Failure(string error, int position) => new(null, error, position);
}
