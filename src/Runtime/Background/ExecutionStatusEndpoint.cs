using System.Globalization;
using ApiRoutes.Dashboard;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ApiRoutes.Background;

/// <summary>
/// <c>GET /_apiroutes/status/{token}</c>: where a background execution stands, for the caller that got its 202 (see
/// <see cref="ExecutionStatusUrls"/>). Guarded like the dashboard's API (<see cref="DashboardGuard"/>: in Development
/// loopback only; never for a page on another origin). It tells the status, attempt and times, never the error (which
/// may hold the handler's internals: the dashboard shows it). A token that does not match and an execution that is
/// not known (pruned) are the same 404.
/// </summary>
internal static class ExecutionStatusEndpoint
{
    // longestRetryDelay: no retry is due later than this from now (a row that says so is stale or hand-written: review 17a F2).
    public static void Map(IEndpointRouteBuilder endpoints, ExecutionStatusUrls urls, ExecutionLog log, TimeProvider time, TimeSpan longestRetryDelay, bool development, RefusalLog refusals) =>
        endpoints.MapGet(ExecutionStatusUrls.Prefix + "/{token}", async (string token, HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Headers.XContentTypeOptions = "nosniff";   // as every answer under /_apiroutes (review 43b F7)
            if (urls.ExecutionIdOf(token) is not { } id || await log.FindAsync(id) is not { } record)
            {
                return DashboardJson.Error(
                    "No execution is known at this status URL: it is not one this app handed out, or the execution was pruned (ApiRoutes:Store:Retention).",
                    StatusCodes.Status404NotFound);
            }

            var now = time.GetUtcNow();
            var retryAt = RetryDue(record, now + longestRetryDelay);
            if (record.Status is ExecutionStatus.Queued or ExecutionStatus.Running)
            {
                context.Response.Headers.RetryAfter = RetryAfterSeconds(retryAt, now).ToString(CultureInfo.InvariantCulture);
            }

            return Results.Json(
                new ExecutionStatusView(record.Id, record.Route, ExecutionLog.Name(record.Status), record.Attempt, record.AcceptedAt, record.StartedAt, record.FinishedAt, retryAt),
                DashboardJsonContext.Default.ExecutionStatusView);
        })
        .AddEndpointFilter(new DashboardGuard(loopbackOnly: development, api: true, refusals))
        .WithDisplayName("ApiRoutes execution status")
        .ExcludeFromDescription();

    // When a queued retry is due, never later than `latest`.
    private static DateTimeOffset? RetryDue(ExecutionRecord record, DateTimeOffset latest) =>
        record.PendingRetryAt is { } due ? (due < latest ? due : latest) : null;

    // Come back in a second; for a retry waiting out its delay, when it is due (whole seconds, rounded up).
    private static long RetryAfterSeconds(DateTimeOffset? retryAt, DateTimeOffset now) =>
        retryAt is { } due && due > now ? Math.Max(1, (long)Math.Ceiling((due - now).TotalSeconds)) : 1;
}
