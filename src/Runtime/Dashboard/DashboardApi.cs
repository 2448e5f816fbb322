using ApiRoutes.Manifest;
using ApiRoutes.ManifestLoading;
using ApiRoutes.Scheduling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ApiRoutes.Dashboard;

/// <summary>
/// The JSON API of the development dashboard, under <c>/_apiroutes/api</c>: routes and schedules (with their next
/// runs), executions (with the lines each logged), and the actions "run a schedule now" and "pause/resume a schedule".
/// Mapped in Development, and elsewhere when enabled with a token; guarded by <see cref="DashboardGuard"/>.
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
        var time = services.GetRequiredService<TimeProvider>();
        var dashboard = endpoints.MapGroup(PagePath).AddEndpointFilter(new DashboardGuard(loopbackOnly: development, api: false, refusals));

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
            var session = new DashboardSession(token);
            api.MapPost("/session", (Func<HttpContext, Task<IResult>>)session.StartAsync);
            data.AddEndpointFilter((context, next) => session.IsAuthenticated(context.HttpContext.Request)
                ? next(context)
                : ValueTask.FromResult<object?>(DashboardJson.Error(
                    "Authenticate with 'Authorization: Bearer <ApiRoutes:Dashboard:Token>', or open the page as /_apiroutes#token=<token>.",
                    StatusCodes.Status401Unauthorized)));
        }

        data.MapGet("/routes", () => Results.Json(table.Routes.Select(route => Describe(route, time.GetUtcNow(), pauses)), DashboardJsonContext.Default.IEnumerableRouteView));

        data.MapGet("/executions", async (int? limit) =>
            Results.Json((await log.RecentAsync(Math.Clamp(limit ?? 200, 1, 1000))).Select(Describe), DashboardJsonContext.Default.IEnumerableExecutionView));

        data.MapGet("/executions/{id}", async (string id) => await log.FindAsync(id) is { } record
            ? Results.Json(new ExecutionDetail(Describe(record), log.LogLinesOf(id)), DashboardJsonContext.Default.ExecutionDetail)
            : DashboardJson.Error($"No execution '{id}' is known.", StatusCodes.Status404NotFound));

        data.MapPost("/schedules/run", async (string route, HttpContext context) => Scheduled(table, route) is not { } target
            ? NoSchedule(route)
            : await runs.TryStartAsync(target, time.GetUtcNow(), manual: true) is { ExecutionId: { } id }
                ? Accepted(context, id)
                : DashboardJson.Error($"The previous run of {route} is still going.", StatusCodes.Status409Conflict));

        data.MapPost("/schedules/pause", (string route) => Toggle(table, route, pauses.Pause));
        data.MapPost("/schedules/resume", (string route) => Toggle(table, route, pauses.Resume));
    }

    private static string ReadPage()
    {
        using var stream = typeof(DashboardApi).Assembly.GetManifestResourceStream("ApiRoutes.Dashboard.html")!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static IResult Toggle(RouteTable table, string route, Action<string> action)
    {
        if (Scheduled(table, route) is null)
        {
            return NoSchedule(route);
        }

        action(route);
        return Results.NoContent();
    }

    private static LoadedRoute? Scheduled(RouteTable table, string route) =>
        table.OfKind(RouteKind.Scheduled).FirstOrDefault(r => string.Equals(r.Template, route, StringComparison.Ordinal));

    private static IResult NoSchedule(string route) => DashboardJson.Error($"'{route}' is not a scheduled route.", StatusCodes.Status404NotFound);

    private static IResult Accepted(HttpContext context, string id)
    {
        context.Response.Headers.Location = $"{Prefix}/executions/{id}";
        return Results.Json(new AcceptedRun(id), DashboardJsonContext.Default.AcceptedRun, statusCode: StatusCodes.Status202Accepted);
    }

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
                route.Schedule!.Description,
                [.. route.Schedule.NextOccurrences(now.UtcDateTime, NextRuns).Select(next => ScheduledRequest.Format(new DateTimeOffset(next, TimeSpan.Zero)))])
            : null);

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
        record.Error);
}
