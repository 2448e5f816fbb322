using ApiRoutes;
using Microsoft.AspNetCore.Http;

namespace Shop.Api;

/// <summary>A standard route with no attribute: its path comes from namespace and class, <c>/api/hello</c>.</summary>
public sealed class Hello : IApiHandler
{
    public Task HandleAsync(HttpContext context) => context.Response.WriteAsJsonAsync(new HelloBody("world"), ShopJson.Default.HelloBody);
}
