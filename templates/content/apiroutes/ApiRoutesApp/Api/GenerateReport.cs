using ApiRoutes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ApiRoutesApp.Api;

/// <summary>
/// A background route, <c>/api/generate-report</c>: the caller gets <c>202 Accepted</c> at once and the handler runs
/// afterwards, for up to its time limit (here 5 minutes, set in apiroutes.yaml).
/// </summary>
/// <remarks>
/// A handler that throws is retried (after 1, then 2 minutes), so it must be safe to run again: write its results
/// so that a second run replaces rather than duplicates them.
/// </remarks>
[BackgroundRoute]
public sealed class GenerateReport(ILogger<GenerateReport> logger, TimeProvider time) : IApiHandler
{
    public async Task HandleAsync(HttpContext context)
    {
        var name = context.Request.Query["name"].FirstOrDefault() ?? "daily";
        for (var step = 1; step <= 3; step++)
        {
            // Stand-in for real work. RequestAborted is cancelled at the time limit and on shutdown: pass it on. Time
            // comes from the app's TimeProvider, so a test moves it instead of waiting (ApiRoutesApp.Tests).
            await Task.Delay(TimeSpan.FromSeconds(1), time, context.RequestAborted);
            logger.LogInformation("Report {Name}: step {Step} of 3 done", name, step);
        }
    }
}
