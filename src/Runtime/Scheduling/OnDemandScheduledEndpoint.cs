using ApiRoutes.Dashboard;
using ApiRoutes.Diagnostics;
using ApiRoutes.Execution;
using ApiRoutes.ManifestLoading;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Scheduling;

/// <summary>
/// In Development, requesting a scheduled route's path (any method) runs it at once, as the scheduler would: a
/// <c>POST</c> whose body holds the <c>next_run</c> of the next real occurrence, under the route's time limit. The
/// handler's response is returned. In Production the path is not mapped at all, so it answers 404. Only a loopback
/// <c>Host</c> is answered, and never a page on another origin: a scheduled route is the developer's to run (curl,
/// <c>apiroutes invoke</c>, the address bar), not a web page's. With <c>ApiRoutes:Dashboard:Token</c> set (behind a
/// local proxy, where nothing else tells a request from elsewhere) it also needs the token, as the dashboard's Run now
/// does; the handler never sees it.
/// </summary>
internal sealed class OnDemandScheduledEndpoint(LoadedRoute route, ExecutionLifecycle lifecycle, TimeProvider time, ApiRoutesMetrics metrics, ILogger logger, RefusalLog refusals, DashboardSession? session)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (Refusal(context.Request) is var (status, reason))
        {
            refusals.Refused(context.Request, status, reason);
            context.Response.StatusCode = status;
            await DashboardJson.WriteErrorAsync(context.Response, $"Refused: {reason}.");
            return;
        }

        if (session is not null)
        {
            // The token itself, not the dashboard's cookie: browsers send that only under /_apiroutes, and a run by
            // hand comes from curl or apiroutes invoke.
            if (!session.HasToken(context.Request))
            {
                refusals.Refused(context.Request, StatusCodes.Status401Unauthorized, "running a scheduled route by hand needs ApiRoutes:Dashboard:Token");
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = OnDemandChallenge.Header;
                await DashboardJson.WriteErrorAsync(context.Response,
                    "ApiRoutes:Dashboard:Token is set, so running a scheduled route by hand needs it: send 'Authorization: Bearer <token>' "
                    + "(apiroutes invoke does, from APIROUTES_DASHBOARD_TOKEN), or use Run now on the dashboard.");
                return;
            }

            context.Request.Headers.Remove("Authorization");
        }

        // Whatever the configuration, the handler never gets the dashboard's session.
        if (context.Request.Cookies.Keys.Any(IsSession))
        {
            // The other cookies as they were sent, byte for byte.
            var others = string.Join("; ", context.Request.Headers.Cookie
                .SelectMany(header => (header ?? "").Split(';'))
                .Select(pair => pair.Trim())
                .Where(pair => pair.Length > 0 && !IsSession(pair.Split('=', 2)[0].Trim())));
            if (others.Length == 0)
            {
                context.Request.Headers.Remove("Cookie");
            }
            else
            {
                context.Request.Headers.Cookie = others;
            }
        }

        logger.ScheduleInvokedOnDemand(route.Template, route.Entry.Schedule!.Expression, route.Schedule!.ZoneName);
        metrics.Request(route.Template, route.Kind);

        var body = ScheduledRequest.Body(route.NextOccurrence(time.GetUtcNow()));
        context.Request.Method = HttpMethods.Post;
        context.Request.ContentType = "application/json";
        context.Request.ContentLength = body.Length;
        context.Request.Body = new MemoryStream(body, writable: false);
        context.Request.QueryString = QueryString.Empty;

        var client = context.RequestAborted;
        using var timeout = new CancellationTokenSource(route.TimeLimit ?? TimeSpan.FromSeconds(30), time);
        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(client, timeout.Token);
        context.RequestAborted = aborted.Token;

        // Recorded like a scheduled run, so that "what ran" includes runs started by hand.
        var execution = lifecycle.StartOnDemand(route);
        context.Response.Headers["X-ApiRoutes-Execution-Id"] = execution.Id;
        context.Features.Set<IApiRoutesExecutionFeature>(new ExecutionFeature(execution.Record, maxAttempts: 1));
        var logged = ExecutionLogCapture.Enter(execution.Id);
        try
        {
            await route.InvokeAsync(context);
            lifecycle.EndOnDemand(execution, ExecutionStatus.Succeeded, null);
        }
        catch (Exception e) when (timeout.IsCancellationRequested)
        {
            lifecycle.EndOnDemand(execution, ExecutionStatus.TimedOut, ExecutionRunner.Bounded(e.ToString()));
            throw;
        }
        catch (Exception e) when (!aborted.IsCancellationRequested)
        {
            lifecycle.EndOnDemand(execution, ExecutionStatus.Failed, ExecutionRunner.Bounded(e.ToString()));
            logger.RouteFailed(route.Template, e);
            throw;
        }
        catch (Exception e)
        {
            // The client went away and the handler gave up with its request: the run ended, it is not "running".
            lifecycle.EndOnDemand(execution, ExecutionStatus.Failed, $"The client disconnected and the handler stopped: {e.GetType().Name}.");
            throw;
        }
        finally
        {
            // What the work the handler left running logs later is not this run's (review 38b F4).
            logged.End();

            // The middleware after this endpoint gets the request's own token back, not one of a source disposed here.
            context.RequestAborted = client;
        }
    }

    // Only the developer runs a scheduled route by hand: from this machine, not for a page of another origin, not for
    // the browser's own prefetch of a URL being typed.
    private static (int StatusCode, string Reason)? Refusal(HttpRequest request)
    {
        if (DashboardGuard.Check(request, loopbackOnly: true, fromPagesOfThisOrigin: false) is { } refusal)
        {
            return refusal;
        }

        if (RequestOrigin.CrossOrigin(request) is { } crossOrigin)
        {
            return (StatusCodes.Status403Forbidden, crossOrigin);
        }

        return RequestOrigin.IsSpeculative(request)
            ? (StatusCodes.Status403Forbidden, "a prefetch or prerender by the browser does not run a scheduled route")
            : null;
    }

    // A dashboard session's cookie, of this app's token or another's on the same host.
    private static bool IsSession(string cookieName) => cookieName.StartsWith(DashboardSession.CookiePrefix, StringComparison.Ordinal);
}
