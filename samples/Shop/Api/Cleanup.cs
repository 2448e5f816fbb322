using ApiRoutes;
using Microsoft.AspNetCore.Http;

namespace Shop.Api;

/// <summary>A scheduled route, <c>/api/cleanup</c>: runs at minute 0 of every hour, UTC.</summary>
[ScheduledRoute("@hourly")]
public sealed class Cleanup : IApiHandler
{
    public Task HandleAsync(HttpContext context) => Task.CompletedTask;
}
