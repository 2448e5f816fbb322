using ApiRoutes;
using Microsoft.AspNetCore.Http;

namespace Shop.Api.Orders;

/// <summary>A dynamic route: the template sets the path and constrains <c>id</c> to integers.</summary>
[ApiRoute("/api/orders/{id:int}")]
public sealed class OrderById : IApiHandler
{
    public Task HandleAsync(HttpContext context)
    {
        var id = int.Parse((string)context.Request.RouteValues["id"]!, System.Globalization.CultureInfo.InvariantCulture);
        return context.Response.WriteAsJsonAsync(new OrderBody(id, "shipped"), ShopJson.Default.OrderBody);
    }
}
