namespace ApiRoutes;

/// <summary>
/// Gives a handler an explicit route template in ASP.NET Core syntax: <c>/api/orders/{id}</c>,
/// <c>/api/orders/{id:int}</c>, <c>/api/files/{*path}</c>. Without it, a handler in <c>&lt;RootNamespace&gt;.Api</c>
/// gets a route from its namespace and class name.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class ApiRouteAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="template">The route template, for example <c>/api/orders/{id}</c>.</param>
    public ApiRouteAttribute(string template) => Template = template;

    /// <summary>The route template.</summary>
    public string Template { get; }
}
