using System.Globalization;
using ApiRoutes;
using Microsoft.AspNetCore.Http;

namespace ApiRoutesApp.Api.Orders;

/// <summary>A dynamic route: the template sets the path and constrains <c>id</c> to integers.</summary>
[ApiRoute("/api/orders/{id:int}")]
public sealed class OrderById : IApiHandler
{
    public Task HandleAsync(HttpContext context)
    {
        // The {id:int} constraint already refused anything but an integer (404), so this parse cannot fail.
        var id = int.Parse((string)context.Request.RouteValues["id"]!, CultureInfo.InvariantCulture);
        return context.Response.WriteAsJsonAsync(new { id, status = "shipped" });
    }
}
