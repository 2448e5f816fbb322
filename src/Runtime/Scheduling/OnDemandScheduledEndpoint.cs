using ApiRoutes.Diagnostics;
using ApiRoutes.ManifestLoading;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Scheduling;

/// <summary>
/// In Development, requesting a scheduled route's path (any method) runs it at once, as the scheduler would: a
/// <c>POST</c> whose body holds the <c>next_run</c> of the next real occurrence, under the route's time limit. The
/// handler's response is returned. In Production the path is not mapped at all, so it answers 404.
/// </summary>
internal sealed class OnDemandScheduledEndpoint(LoadedRoute route, TimeProvider time, ApiRoutesMetrics metrics, ILogger logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        logger.ScheduleInvokedOnDemand(route.Template, route.Entry.Schedule!.Expression);
        metrics.Request(route.Template, route.Kind);

        var body = ScheduledRequest.Body(route.NextOccurrence(time.GetUtcNow()));
        context.Request.Method = HttpMethods.Post;
        context.Request.ContentType = "application/json";
        context.Request.ContentLength = body.Length;
        context.Request.Body = new MemoryStream(body, writable: false);
        context.Request.QueryString = QueryString.Empty;

        using var timeout = new CancellationTokenSource(route.TimeLimit ?? TimeSpan.FromSeconds(30), time);
        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, timeout.Token);
        context.RequestAborted = aborted.Token;
        try
        {
            await route.InvokeAsync(context);
        }
        catch (Exception e) when (!aborted.IsCancellationRequested)
        {
            logger.RouteFailed(route.Template, e);
            throw;
        }
    }
}
