using ApiRoutes.Execution;
using ApiRoutes.Development;
using ApiRoutes.Manifest;
using ApiRoutes.ManifestLoading;
using ApiRoutes.Diagnostics;
using ApiRoutes.Scheduling;
using ApiRoutes.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Dashboard;

/// <summary>
/// The JSON API of the development dashboard, under <c>/_apiroutes/api</c>: routes and schedules (with their next
/// runs), executions (filtered and paged by the store, with the lines each logged), what became of each schedule
/// occurrence, and the actions "run a schedule now", "pause (until …) / resume a schedule" and "replay a failed
/// execution" (one, or all failed of a route since a time). Mapped in Development, and elsewhere when enabled with a
/// token; guarded by <see cref="DashboardGuard"/>.
/// </summary>
internal static class DashboardApi
{
    public const string PagePath = "/_apiroutes";
    public const string Prefix = "/_apiroutes/api";
    private const int NextRuns = 5;

    /// <param name="endpoints">Where to map.</param>
    /// <param name="development">Development: no token, and only loopback hosts are answered.</param>
    /// <param name="token">Required on every API call outside Development.</param>
    /// <param name="refusals">Where refused requests are logged.</param>
    public static void Map(IEndpointRouteBuilder endpoints, bool development, string? token, RefusalLog refusals)
    {
        var services = endpoints.ServiceProvider;
        var table = services.GetRequiredService<RouteTable>();
        var log = services.GetRequiredService<ExecutionLog>();
        var runs = services.GetRequiredService<ScheduledRuns>();
        var pauses = services.GetRequiredService<SchedulePauses>();
        var occurrences = services.GetRequiredService<OccurrenceLog>();
        var replays = services.GetRequiredService<ExecutionReplays>();
        var time = services.GetRequiredService<TimeProvider>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(Log.Category);

        // ApiRoutes' own endpoints are not the app's API: OpenAPI documents leave them out.
        // Nothing it answers is kept by a browser or a proxy (execution errors, handlers' log lines, refusals included: review
        // 26a F8), nor read as another type than it says.
        var dashboard = endpoints.MapGroup(PagePath).ExcludeFromDescription()
            .AddEndpointFilter((context, next) =>
            {
                var headers = context.HttpContext.Response.Headers;
                headers.CacheControl = "no-store";
                headers.XContentTypeOptions = "nosniff";
                return next(context);
            })
            .AddEndpointFilter(new DashboardGuard(loopbackOnly: development, api: false, refusals));

        // The page: one self-contained file (no CDN; the machine may be offline) that polls the API below. It holds no
        // data, so it needs no token; it may not be framed by another page.
        var page = ReadPage();
        dashboard.MapGet("", (HttpContext context) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
                + "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
            headers.XFrameOptions = "DENY";
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.CacheControl = "no-store";
            return Results.Content(page, "text/html; charset=utf-8");
        }).WithDisplayName("ApiRoutes dashboard");

        var api = dashboard.MapGroup("/api").AddEndpointFilter(new DashboardGuard(loopbackOnly: false, api: true, refusals)).WithDisplayName("ApiRoutes dashboard API");
        var data = api.MapGroup("");
        if (token is not null)
        {
            var session = new DashboardSession(token, time, refusals);
            api.MapPost("/session", (Func<HttpContext, Task<IResult>>)session.StartAsync);
            data.AddEndpointFilter((context, next) =>
            {
                if (session.IsAuthenticated(context.HttpContext.Request))
                {
                    return next(context);
                }

                // Logged as every other refusal is (review 26a F23: a guessed token left no trace).
                refusals.Refused(context.HttpContext.Request, StatusCodes.Status401Unauthorized, "no dashboard token or session, or a wrong one");
                return ValueTask.FromResult<object?>(DashboardJson.Error(
                    "Authenticate with 'Authorization: Bearer <ApiRoutes:Dashboard:Token>', or open the page as /_apiroutes#token=<token>.",
                    StatusCodes.Status401Unauthorized));
            });
        }

        data.MapGet("/routes", (Func<HttpContext, Task<IResult>>)(async context =>
        {
            await pauses.RefreshAsync(context.RequestAborted);   // paused on another replica, too
            return Results.Json(table.Routes.Select(route => Describe(route, time.GetUtcNow(), pauses)), DashboardJsonContext.Default.IEnumerableRouteView);
        }));

        // Newest first, a page at a time: X-ApiRoutes-Next-Cursor, when present, asks for the next page.
        data.MapGet("/executions", async (HttpContext context) =>
        {
            var (query, error) = DashboardQueries.Executions(context.Request.Query);
            if (query is null)
            {
                return BadQuery(error!);
            }

            var page = await log.RecentAsync(query);
            if (page.Count == query.Limit)
            {
                context.Response.Headers[NextCursorHeader] = new ExecutionCursor(page[^1].AcceptedAt, page[^1].Id).ToString();
            }

            return Results.Json(page.Select(Describe), DashboardJsonContext.Default.IEnumerableExecutionView);
        });

        data.MapGet("/occurrences", async (HttpContext context) =>
        {
            var (query, error) = DashboardQueries.Occurrences(context.Request.Query);
            if (query is null)
            {
                return BadQuery(error!);
            }

            try
            {
                var found = await occurrences.ReadAsync(query, context.RequestAborted);
                // A route with no record that is no scheduled route of the app is a mistake (a typo, a standard route),
                // not "no occurrence yet" (review 25d F2). One removed by a deploy keeps the records it has.
                if (found.Count == 0 && query.Route is { } route && !table.Routes.Any(r => r.Kind == RouteKind.Scheduled && r.Template == route))
                {
                    var scheduled = table.Routes.Where(r => r.Kind == RouteKind.Scheduled).Select(r => r.Template).ToList();
                    return BadQuery($"route '{route}' is no scheduled route of this app, and no occurrence of it is recorded; "
                        + (scheduled.Count == 0 ? "the app has no scheduled route." : $"its scheduled routes are {string.Join(", ", scheduled)}."));
                }

                return Results.Json(found.Select(Describe), DashboardJsonContext.Default.IEnumerableOccurrenceView);
            }
            catch (ExecutionStoreUnavailableException e)
            {
                return DashboardJson.Error(e.Message, StatusCodes.Status503ServiceUnavailable);
            }
        });

        data.MapPost("/executions/{id}/replay", async (string id) => Replayed(await replays.ReplayAsync(id)));

        data.MapPost("/executions/replay", async (HttpContext context) =>
        {
            var errors = new List<string>();
            var route = context.Request.Query["route"].ToString();
            var since = DashboardQueries.Instant(context.Request.Query, "since", errors);
            if (route.Length == 0 || since is null)
            {
                errors.Add("route and since are required: /executions/replay?route=/api/x&since=2026-01-01T00:00:00Z replays the failed executions of /api/x accepted since then");
            }

            if (errors.Count > 0)
            {
                return BadQuery(DashboardQueries.Message(errors));
            }

            var bulk = await replays.ReplayFailedAsync(route, since!.Value);
            return Results.Json(
                new BulkReplayView(
                    bulk.Replays.Where(r => r.ExecutionId is not null).Select(r => new ReplayedRun(r.ExecutionId!, r.ReplayOf)),
                    bulk.NotReplayed,
                    bulk.Why),
                DashboardJsonContext.Default.BulkReplayView);
        });

        data.MapGet("/executions/{id}", async (string id) => await log.FindAsync(id) is { } record
            ? Results.Json(new ExecutionDetail(Describe(record), record.EarlierAttempts, log.LogLinesOf(id)), DashboardJsonContext.Default.ExecutionDetail)
            : DashboardJson.Error($"No execution '{id}' is known.", StatusCodes.Status404NotFound));

        // route is read as optional, so that its absence is this API's 400 with a reason, not the binder's empty one (review 26a F9).
        data.MapPost("/schedules/run", async (string? route, HttpContext context) => string.IsNullOrEmpty(route) ? NoRoute("run")
            : Scheduled(table, route) is not { } target
            ? NoSchedule(route)
            : await runs.TryStartAsync(target, time.GetUtcNow(), manual: true, trace: TraceContext.Of(context)) switch
            {
                { ExecutionId: { } id } => Accepted(context, id),
                var refused => DashboardJson.Error(refused.Refusal ?? $"The previous run of {route} is still going.", refused.RefusalStatusCode),
            });

        var watch = services.GetRequiredService<RouteWatchStatus>();
        data.MapGet("/development", () => Results.Json(Describe(watch.Current), DashboardJsonContext.Default.DevelopmentView));

        // until: a timed pause, which ends by itself on the app's clock; without it, paused until resumed.
        data.MapPost("/schedules/pause", async (string? route, HttpContext context) =>
        {
            if (string.IsNullOrEmpty(route))
            {
                return NoRoute("pause");
            }

            var errors = new List<string>();
            var until = DashboardQueries.Instant(context.Request.Query, "until", errors);
            if (until is { } end && end <= time.GetUtcNow())
            {
                errors.Add($"until {end:O} is not in the future (the app's clock says {time.GetUtcNow():O})");
            }

            return errors.Count > 0 ? BadQuery(DashboardQueries.Message(errors)) : await ToggleAsync(table, route, async r =>
            {
                await pauses.PauseAsync(r, until);
                logger.SchedulePausedFromDashboard(r, until is { } u ? $"until {u:O}" : "until resumed");
            });
        });
        data.MapPost("/schedules/resume", (string? route) => string.IsNullOrEmpty(route) ? Task.FromResult(NoRoute("resume")) : ToggleAsync(table, route, async r =>
        {
            await pauses.ResumeAsync(r);
            logger.ScheduleResumedFromDashboard(r);
        }));
    }

    /// <summary>The response header that carries the cursor of the next page of executions.</summary>
    public const string NextCursorHeader = "X-ApiRoutes-Next-Cursor";

    private static IResult BadQuery(string error) => DashboardJson.Error(error);

    private static IResult NoRoute(string action) =>
        BadQuery($"Bad query: route is required, the scheduled route to {action}: {PagePath}/api/schedules/{action}?route=/api/cleanup.");

    private static IResult Replayed(Replay replay) => replay.ExecutionId is { } id
        ? Results.Json(new ReplayedRun(id, replay.ReplayOf), DashboardJsonContext.Default.ReplayedRun, statusCode: StatusCodes.Status202Accepted)
        : Results.Json(new ErrorBody(replay.Error), DashboardJsonContext.Default.ErrorBody, statusCode: replay.StatusCode);

    // 202 with where to follow the run, as Results.Accepted would say it.
    private static IResult Accepted(HttpContext context, string id)
    {
        // Under the app's path base, as the status URL's (review 46b F4: behind a proxy that forwards only '/shop', the
        // Location without it was a 404).
        context.Response.Headers.Location = $"{context.Request.PathBase}{Prefix}/executions/{id}";
        return Results.Json(new AcceptedRun(id), DashboardJsonContext.Default.AcceptedRun, statusCode: StatusCodes.Status202Accepted);
    }

    private static string ReadPage()
    {
        using var stream = typeof(DashboardApi).Assembly.GetManifestResourceStream("ApiRoutes.Dashboard.html")!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    // A pause is stored before it is said to be done (every replica and the next start follow it), so a store that
    // cannot be written is 503 and nothing changed.
    private static async Task<IResult> ToggleAsync(RouteTable table, string route, Func<string, Task> action)
    {
        if (Scheduled(table, route) is null)
        {
            return NoSchedule(route);
        }

        try
        {
            await action(route);
        }
        catch (ExecutionStoreUnavailableException e)
        {
            return DashboardJson.Error($"Nothing changed: {e.Message}", StatusCodes.Status503ServiceUnavailable);
        }

        return Results.NoContent();
    }

    private static LoadedRoute? Scheduled(RouteTable table, string route) =>
        table.OfKind(RouteKind.Scheduled).FirstOrDefault(r => string.Equals(r.Template, route, StringComparison.Ordinal));

    private static IResult NoSchedule(string route) => DashboardJson.Error($"'{route}' is not a scheduled route.", StatusCodes.Status404NotFound);

    private static RouteView Describe(LoadedRoute route, DateTimeOffset now, SchedulePauses pauses) => new(
        route.Template,
        route.Kind.Name(),
        route.Entry.Handler.Type,
        route.Entry.Source,
        route.Entry.TimeLimitSeconds,
        route.Entry.Schedule is { } schedule
            ? new ScheduleView(
                schedule.Expression,
                schedule.Normalized,
                route.Schedule!.ZoneName,
                pauses.IsPaused(route.Template),
                pauses.Until(route.Template),
                route.Schedule!.Description,
                [.. route.Schedule.NextOccurrences(now.UtcDateTime, NextRuns).Select(next => ScheduledRequest.Format(new DateTimeOffset(next, TimeSpan.Zero)))])
            : null);

    private static DevelopmentView Describe(RouteWatchStatus.Snapshot status) => new(
        status.Watching,
        status.Refreshing,
        status.Version,
        status.RefreshedAt,
        status.Failure,
        status.LeftOut,
        status.WaitingFor,
        status.Diagnostics.Select(d => new DiagnosticView(d.Severity, d.Code, d.File, d.Line, d.Column, d.Message, d.ToString())));

    private static ExecutionView Describe(ExecutionRecord record) => new(
        record.Id,
        record.Route,
        record.Kind,
        ExecutionLog.Name(record.Status),
        record.Attempt,
        record.AcceptedAt,
        record.StartedAt,
        record.FinishedAt,
        record is { StartedAt: { } started, FinishedAt: { } finished } ? (long?)(finished - started).TotalMilliseconds : null,
        record.Occurrence,
        record.Error,
        WaitingForRetry: record is { Status: ExecutionStatus.Queued, Attempt: > 1 },   // queued again after a failed attempt: error is that attempt's
        record.PendingRetryAt,
        record.ReplayOf,
        TraceContext.TraceIdOf(record.TraceParent));

    private static OccurrenceView Describe(OccurrenceRecord record) => new(
        record.Route,
        ScheduledRequest.Format(record.Occurrence),
        OccurrenceRecord.Name(record.Outcome),
        record.ExecutionId,
        record.ExecutionStatus is { } status ? ExecutionLog.Name(status) : null,
        record.Detail,
        record.RecordedAt);
}
