using ApiRoutes;
using Microsoft.AspNetCore.Http;

namespace Shop.Api;

/// <summary>
/// A background route, <c>/api/generate-report</c>: the caller gets 202 at once and the work goes on for up to the
/// time limit (here 5 minutes, set in apiroutes.yaml). It may run again after a failure, so it must be safe to repeat.
/// </summary>
[BackgroundRoute]
public sealed class GenerateReport : IApiHandler
{
    public async Task HandleAsync(HttpContext context)
    {
        // Stand-in for real work; RequestAborted is cancelled at the time limit.
        await Task.Delay(TimeSpan.FromSeconds(2), context.RequestAborted);
    }
}
