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

    /// <summary>
    /// The only HTTP methods the route answers, such as <c>Methods = ["GET", "HEAD"]</c>; any other gets 405 with an
    /// <c>Allow</c> header. Unset (the default): any method, as on the platform ApiRoutes mirrors. Known methods:
    /// GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE (any case). Not for scheduled routes.
    /// </summary>
#pragma warning disable CA1819 // An attribute's named argument: an array is what attribute syntax offers.
    public string[]? Methods { get; set; }
#pragma warning restore CA1819
}
