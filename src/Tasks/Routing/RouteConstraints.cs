namespace ApiRoutes.Tasks.Routing;

/// <summary>The inline constraints that ASP.NET Core registers in <c>RouteOptions.ConstraintMap</c> by default.</summary>
internal static class RouteConstraints
{
    // Unknown names are not a parse error: an app can register its own constraints, so callers only warn.
    private static readonly HashSet<string> BuiltIn = new(StringComparer.OrdinalIgnoreCase)
    {
        "int", "bool", "datetime", "decimal", "double", "float", "guid", "long",
        "minlength", "maxlength", "length", "min", "max", "range",
        "alpha", "regex", "required", "file", "nonfile",
    };

    /// <summary>True when <paramref name="name"/> is a built-in constraint name, compared case-insensitively.</summary>
    public static bool IsKnown(string name) => BuiltIn.Contains(name);
}
