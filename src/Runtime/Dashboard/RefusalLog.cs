using ApiRoutes.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Dashboard;

/// <summary>
/// Logs refused dashboard and development requests (event 1003): a developer sees that a page was kept out, and an
/// attacker who sends thousands of them writes at most one line a second.
/// </summary>
internal sealed class RefusalLog(ILogger logger, TimeProvider time)
{
    private readonly LogSampler _sampler = new(time, TimeSpan.FromSeconds(1));

    public void Refused(HttpRequest request, int statusCode, string reason)
    {
        if (_sampler.ShouldLog(out var unlogged))
        {
            // The path only: a query may carry what must not be logged.
            logger.RequestRefused(request.Method, request.Path.Value ?? "", statusCode, reason, unlogged);
        }
    }
}
