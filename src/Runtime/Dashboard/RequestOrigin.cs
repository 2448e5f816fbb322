using System.Net;
using Microsoft.AspNetCore.Http;

namespace ApiRoutes.Dashboard;

/// <summary>
/// Where a request comes from, as far as a browser tells: the checks that keep a page on another site (cross-site
/// request forgery) or another DNS name for this machine (DNS rebinding) from driving the development server.
/// </summary>
internal static class RequestOrigin
{
    /// <summary>The header the dashboard's page sends with every state-changing call.</summary>
    /// <remarks>
    /// A page on another origin cannot send a custom header without a CORS preflight, which ApiRoutes never grants,
    /// and an HTML form cannot send one at all; a script (curl, CI) adds it with one flag.
    /// </remarks>
    public const string DashboardHeader = "X-ApiRoutes-Dashboard";

    /// <summary>
    /// Whether the <c>Host</c> header names this machine's loopback: <c>localhost</c> (and names under it, which
    /// browsers resolve to loopback themselves), 127.0.0.0/8 or <c>[::1]</c>. A rebound DNS name is none of them.
    /// </summary>
    public static bool IsLoopbackHost(HostString host)
    {
        if (!host.HasValue)
        {
            return false;
        }

        var name = host.Host.TrimEnd('.');
        if (name.Equals("localhost", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(name.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
    }

    /// <summary>
    /// Why the request comes from a page on another origin, or null when it does not: the browser's fetch metadata
    /// (<c>Sec-Fetch-Site</c>) when it sends it, else the <c>Origin</c> header, else the <c>Referer</c> (a browser
    /// without fetch metadata sends no Origin with a GET). Requests with none of them (curl, scripts) are not from a page.
    /// </summary>
    /// <remarks>
    /// A browser's <c>same-origin</c> is believed as it stands: behind a proxy that rewrites <c>Host</c> (nginx's
    /// <c>proxy_pass</c> by default) the page's Origin never matches the Host the app sees, and the dashboard's own page
    /// was refused (review 27c F5). No page can make a browser say it for a request of another origin; a client that
    /// is no browser says what it likes, and is held by the token.
    /// </remarks>
    public static string? CrossOrigin(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0)
        {
            return site is "same-origin" or "none" ? null : $"it comes from a page on another origin (Sec-Fetch-Site: {Shorten(site)})";
        }

        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0)
        {
            return SameAuthority(origin, request.Host) ? null : $"it comes from a page on another origin (Origin: {Shorten(origin)})";
        }

        // Review 27c F7: an <img> on another site, in a browser without fetch metadata (Safari before 16.4), ran a
        // scheduled route in Development. A page that sends no Referer (its policy) is let through, as curl is.
        // Only the page's origin is told (logged, and answered): its path and query may carry another site's secrets, an
        // OAuth code or a reset token (review 43b F6).
        var referer = request.Headers.Referer.ToString();
        return referer.Length > 0 && !SameAuthority(referer, request.Host)
            ? $"it comes from a page on another origin (Referer: {Shorten(OriginOf(referer))})"
            : null;
    }

    // The scheme and authority of a URL, without a user's name and password; of what is not one, only that it is not.
    private static string OriginOf(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && !string.IsNullOrEmpty(uri.Authority)
            ? $"{uri.Scheme}://{uri.Authority}"
            : "not a URL with an origin";

    private static bool SameAuthority(string url, HostString host) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && string.Equals(uri.Authority, host.Value, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether the browser sent the request on its own, ahead of the user (prefetch, prerender: <c>Sec-Purpose</c>, or
    /// the older <c>Purpose</c>/<c>X-Moz</c>), as it may for a URL typed in the address bar.
    /// </summary>
    public static bool IsSpeculative(HttpRequest request) =>
        request.Headers.ContainsKey("Sec-Purpose") || request.Headers.ContainsKey("Purpose") || request.Headers.ContainsKey("X-Moz");

    // An attacker chooses the header: what is logged is short, and escaped (a terminal's escape sequences, a line
    // break, U+2028: review 27c F1).
    private static string Shorten(string value) => ApiRoutes.Bundling.BundlePath.Printable(value, 100);
}
