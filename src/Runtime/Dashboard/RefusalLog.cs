using ApiRoutes.Bundling;
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
            // The path only: a query may carry what must not be logged. Escaped: the requests refused are hostile by nature
            // (a rebinding page, a peer on the network), and a decoded %1B wrote escape sequences to the developer's
            // terminal (review 26a F18).
            logger.RequestRefused(BundlePath.Printable(request.Method, 32), BundlePath.Printable(request.Path.Value, 2048), statusCode, reason, unlogged);
        }
    }
}
