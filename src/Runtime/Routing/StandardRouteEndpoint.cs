using ApiRoutes.Diagnostics;
using ApiRoutes.ManifestLoading;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Routing;

/// <summary>
/// A standard route: the handler answers the request itself. An exception is logged and rethrown, so the app's
/// exception handling answers (500 without details in Production, the developer exception page in Development).
/// A route with a time limit (<c>timeLimit</c> in apiroutes.yaml, or the standard routes' default) has its request
/// cancelled at the limit (<c>context.RequestAborted</c>), as ASP.NET Core's request timeouts do: a handler that stops
/// for it before answering gets 504, and every run past the limit is logged (1004). A handler that ignores the
/// cancellation cannot be stopped; it answers when it ends (review 25d F7: the limit was checked and written to the
/// manifest, and never applied).
/// </summary>
internal sealed class StandardRouteEndpoint(LoadedRoute route, ApiRoutesMetrics metrics, ILogger logger, TimeProvider time)
{
    public Task InvokeAsync(HttpContext context)
    {
        metrics.Request(route.Template, route.Kind);
        if (route.TimeLimit is { } limit)
        {
            return WithTimeLimitAsync(context, limit);
        }

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

    private async Task WithTimeLimitAsync(HttpContext context, TimeSpan limit)
    {
        var client = context.RequestAborted;
        using var timeout = new CancellationTokenSource(limit, time);
        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(client, timeout.Token);
        context.RequestAborted = aborted.Token;
        try
        {
            await route.InvokeAsync(context);
        }
        catch (Exception e) when (timeout.IsCancellationRequested && !client.IsCancellationRequested)
        {
            if (context.Response.HasStarted)
            {
                // Part of the answer is out: the connection is ended, as for any handler that fails while it writes.
                logger.RouteTimedOut(route.Template, limit, $"the handler stopped with {e.GetType().Name} after its answer had begun");
                throw;
            }

            logger.RouteTimedOut(route.Template, limit, $"the handler stopped with {e.GetType().Name}; answered 504");
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status504GatewayTimeout;
            return;
        }
        catch (Exception e) when (!client.IsCancellationRequested)
        {
            logger.RouteFailed(route.Template, e);
            throw;
        }
        finally
        {
            context.RequestAborted = client;
        }

        if (timeout.IsCancellationRequested)
        {
            logger.RouteTimedOut(route.Template, limit, $"the handler went on and answered {context.Response.StatusCode} when it ended");
        }

        logger.RouteServed(route.Template, context.Response.StatusCode);
    }
}
