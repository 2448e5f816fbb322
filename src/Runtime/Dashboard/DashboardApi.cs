using ApiRoutes.Manifest;
using ApiRoutes.ManifestLoading;
using ApiRoutes.Scheduling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ApiRoutes.Dashboard;

/// <summary>Outside Development the dashboard answers 401 without its token (compared in constant time).</summary>
internal sealed class TokenFilter(string token, bool allowQuery) : IEndpointFilter
{
    private readonly byte[] _expected = System.Text.Encoding.UTF8.GetBytes(token);

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        var header = request.Headers.Authorization.ToString();
        var given = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..]
            : allowQuery ? request.Query["token"].ToString() : "";
        return System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(given), _expected)
            ? next(context)
            : ValueTask.FromResult<object?>(Results.Unauthorized());
    }
}

/// <summary>
/// The JSON API of the development dashboard, under <c>/_apiroutes/api</c>: routes and schedules (with their next
/// runs), executions (with the lines each logged), and the actions "run a schedule now" and "pause/resume a schedule".
/// Mapped in Development only.
/// </summary>
internal static class DashboardApi
{
    public const string PagePath = "/_apiroutes";
    public const string Prefix = "/_apiroutes/api";
    private const int NextRuns = 5;

    /// <param name="endpoints">Where to map.</param>
    /// <param name="token">Required on every request when set (outside Development).</param>
    public static void Map(IEndpointRouteBuilder endpoints, string? token)
    {
        var services = endpoints.ServiceProvider;
        var table = services.GetRequiredService<RouteTable>();
        var log = services.GetRequiredService<ExecutionLog>();
        var runs = services.GetRequiredService<ScheduledRuns>();
        var pauses = services.GetRequiredService<SchedulePauses>();
        var time = services.GetRequiredService<TimeProvider>();
        // The page: one self-contained file (no CDN; the machine may be offline) that polls the API below.
        var page = ReadPage();
        var pageEndpoint = endpoints.MapGet(PagePath, () => Results.Content(page, "text/html; charset=utf-8")).WithDisplayName("ApiRoutes dashboard");

        var api = endpoints.MapGroup(Prefix).WithDisplayName("ApiRoutes dashboard API");
        if (token is not null)
        {
            pageEndpoint.AddEndpointFilter(new TokenFilter(token, allowQuery: true));
            api.AddEndpointFilter(new TokenFilter(token, allowQuery: false));
        }

        api.MapGet("/routes", () => Results.Json(table.Routes.Select(route => Describe(route, time.GetUtcNow(), pauses))));

        api.MapGet("/executions", async (int? limit) =>
            Results.Json((await log.RecentAsync(Math.Clamp(limit ?? 200, 1, 1000))).Select(Describe)));

        api.MapGet("/executions/{id}", async (string id) => await log.FindAsync(id) is { } record
            ? Results.Json(new { execution = Describe(record), logLines = log.LogLinesOf(id) })
            : Results.NotFound(new { error = $"No execution '{id}' is known." }));

        api.MapPost("/schedules/run", async (string route) => Scheduled(table, route) is not { } target
            ? NoSchedule(route)
            : await runs.TryStartAsync(target, time.GetUtcNow(), manual: true) is { ExecutionId: { } id }
                ? Results.Accepted($"{Prefix}/executions/{id}", new { executionId = id })
                : Results.Conflict(new { error = $"The previous run of {route} is still going." }));

        api.MapPost("/schedules/pause", (string route) => Toggle(table, route, pauses.Pause));
        api.MapPost("/schedules/resume", (string route) => Toggle(table, route, pauses.Resume));
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

    private static IResult NoSchedule(string route) => Results.NotFound(new { error = $"'{route}' is not a scheduled route." });

    private static object Describe(LoadedRoute route, DateTimeOffset now, SchedulePauses pauses) => new
    {
        route = route.Template,
        kind = route.Kind.Name(),
        handler = route.Entry.Handler.Type,
        source = route.Entry.Source,
        timeLimitSeconds = route.Entry.TimeLimitSeconds,
        schedule = route.Entry.Schedule is { } schedule
            ? new
            {
                expression = schedule.Expression,
                normalized = schedule.Normalized,
                paused = pauses.IsPaused(route.Template),
                nextRuns = CronSchedule.NextOccurrences(route.Schedule!, now.UtcDateTime, NextRuns)
                    .Select(next => ScheduledRequest.Format(new DateTimeOffset(next, TimeSpan.Zero))),
            }
            : null,
    };

    private static object Describe(ExecutionRecord record) => new
    {
        id = record.Id,
        route = record.Route,
        kind = record.Kind,
        status = ExecutionLog.Name(record.Status),
        attempt = record.Attempt,
        acceptedAt = record.AcceptedAt,
        startedAt = record.StartedAt,
        finishedAt = record.FinishedAt,
        durationMs = record is { StartedAt: { } started, FinishedAt: { } finished } ? (long?)(finished - started).TotalMilliseconds : null,
        occurrence = record.Occurrence,
        error = record.Error,
    };
}
