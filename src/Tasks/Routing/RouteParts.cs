namespace ApiRoutes.Tasks.Routing;

/// <summary>One path segment of a route template: the text between two '/' characters.</summary>
/// <param name="Parts">The literals and parameters of the segment, in order; more than one makes a complex segment.</param>
internal sealed record RouteSegment(IReadOnlyList<RoutePart> Parts);

/// <summary>A literal or a parameter inside a <see cref="RouteSegment"/>.</summary>
internal abstract record RoutePart;

/// <summary>Literal text that a request path must contain, with "{{" and "}}" already unescaped.</summary>
/// <param name="Text">The unescaped literal.</param>
internal sealed record RouteLiteral(string Text) : RoutePart;

/// <summary>A route parameter such as <c>{id:int}</c>, <c>{name?}</c>, <c>{page=1}</c> or <c>{*path}</c>.</summary>
/// <param name="Name">The parameter name as written (ASP.NET Core compares names case-insensitively).</param>
/// <param name="IsOptional">True for <c>{id?}</c>.</param>
/// <param name="IsCatchAll">True for <c>{*rest}</c> and <c>{**rest}</c>.</param>
/// <param name="EncodeSlashes">False only for <c>{**rest}</c>, whose generated links keep '/' unencoded.</param>
/// <param name="DefaultValue">The text after '=', as in <c>{page=1}</c>; null when there is none.</param>
/// <param name="Constraints">The inline constraints, in order.</param>
internal sealed record RouteParameter(
    string Name,
    bool IsOptional,
    bool IsCatchAll,
    bool EncodeSlashes,
    string? DefaultValue,
    IReadOnlyList<RouteConstraint> Constraints) : RoutePart;

/// <summary>An inline constraint: <c>int</c> gives ("int", null), <c>range(1,10)</c> gives ("range", "1,10").</summary>
/// <param name="Name">The constraint name, looked up case-insensitively by ASP.NET Core.</param>
/// <param name="Argument">The text between the outer parentheses, unescaped; null when there are none.</param>
internal sealed record RouteConstraint(string Name, string? Argument)
{
    /// <summary>The constraint as ASP.NET Core reports it in <c>RoutePatternParameterPolicyReference.Content</c>.</summary>
    public string Text => Argument is null ? Name : $"{Name}({Argument})";

    /// <summary>Splits an inline constraint the way ASP.NET Core's constraint resolver does.</summary>
    public static RouteConstraint FromText(string text)
    {
        // Only a trailing ')' makes an argument list; "int(" stays one (unknown) name, as in ASP.NET Core.
        var open = text.IndexOf('(', StringComparison.Ordinal);
        return open >= 0 && text.EndsWith(')')
            ? new RouteConstraint(text[..open], text[(open + 1)..^1])
            : new RouteConstraint(text, null);
    }
}
