using Microsoft.AspNetCore.Http;

namespace ApiRoutes;

/// <summary>
/// An API route handler. A public, non-abstract class that implements this interface is a route: its path comes
/// from <see cref="ApiRouteAttribute"/> or, without one, from its namespace and class name
/// (<c>Shop.Api.Admin.UserExport</c> → <c>/api/admin/user-export</c>).
/// </summary>
/// <remarks>
/// The handler is created for each request from dependency injection, so its constructor parameters are services.
/// The build finds handlers in the compiled assembly and writes them to <c>apiroutes.manifest.json</c>; nothing is
/// discovered by reflection at start-up.
/// </remarks>
public interface IApiHandler
{
    /// <summary>Handles one request (or one background or scheduled execution).</summary>
    /// <param name="context">
    /// The request's context. For background and scheduled executions it is a detached copy of the request, and
    /// <see cref="HttpContext.RequestAborted"/> is cancelled when the route's time limit is reached.
    /// </param>
    Task HandleAsync(HttpContext context);
}
