using ApiRoutes.Diagnostics;
using ApiRoutes.ManifestLoading;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Routing;

/// <summary>
/// A standard route: the handler answers the request itself. An exception is logged and rethrown, so the app's
/// exception handling answers (500 without details in Production, the developer exception page in Development).
/// </summary>
internal sealed class StandardRouteEndpoint(LoadedRoute route, ApiRoutesMetrics metrics, ILogger logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        metrics.Request(route.Template, route.Kind);
        var handled = route.InvokeAsync(context);
        if (!handled.IsCompletedSuccessfully)
        {
            return AfterAsync(handled, context);
        }

        // A handler that finished without waiting (most do: a small response fits Kestrel's buffers) needs no state machine.
        logger.RouteServed(route.Template, context.Response.StatusCode);
        return Task.CompletedTask;
    }

    private async Task AfterAsync(Task handled, HttpContext context)
    {
        try
        {
            await handled;
        }
        catch (Exception e) when (!context.RequestAborted.IsCancellationRequested)
        {
            logger.RouteFailed(route.Template, e);
            throw;
        }

        logger.RouteServed(route.Template, context.Response.StatusCode);
    }
}
