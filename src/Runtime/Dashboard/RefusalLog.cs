using ApiRoutes.Background;
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
            // terminal (review 26a F18); so is the reason, which quotes the headers that made it (review 27c F1).
            logger.RequestRefused(BundlePath.Printable(request.Method, 32), BundlePath.Printable(LoggedPath(request.Path.Value), 2048), statusCode, BundlePath.Printable(reason, 4096), unlogged);
        }
    }

    // A status URL's path is its capability: the execution id is logged, never its signature (review 27c F1).
    private static string? LoggedPath(string? path) =>
        path is not null && path.StartsWith(ExecutionStatusUrls.Prefix + "/", StringComparison.Ordinal) && path.LastIndexOf('.') is var dot && dot > ExecutionStatusUrls.Prefix.Length
            ? path[..(dot + 1)] + "…"
            : path;
}
