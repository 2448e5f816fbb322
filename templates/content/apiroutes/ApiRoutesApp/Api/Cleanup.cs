using System.Text.Json.Serialization;
using ApiRoutes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ApiRoutesApp.Api;

/// <summary>
/// A scheduled route, <c>/api/cleanup</c>: runs at minute 0 of every hour, UTC. In production it cannot be requested
/// from outside; under <c>dotnet run</c>, requesting its path runs it at once.
/// </summary>
[ScheduledRoute("@hourly")]
public sealed class Cleanup(ILogger<Cleanup> logger) : IApiHandler
{
    public async Task HandleAsync(HttpContext context)
    {
        // Each run is a POST with the following occurrence in UTC: {"next_run":"2026-01-01T02:00:00.000Z"}.
        var run = await context.Request.ReadFromJsonAsync<ScheduledRun>(context.RequestAborted);
        logger.LogInformation("Cleaning up; the next run is at {NextRun:O}", run?.NextRun);
    }

    private sealed record ScheduledRun([property: JsonPropertyName("next_run")] DateTimeOffset? NextRun);
}
