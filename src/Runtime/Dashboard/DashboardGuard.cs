using Microsoft.AspNetCore.Http;

namespace ApiRoutes.Dashboard;

/// <summary>
/// In front of the dashboard, in every environment: in Development only loopback <c>Host</c> names are answered (DNS
/// rebinding reads nothing); API calls from a page on another origin are refused; and a state-changing call needs the
/// <see cref="RequestOrigin.DashboardHeader"/> header, which no cross-origin page can send.
/// </summary>
/// <param name="loopbackOnly">Development: answer loopback hosts only. Elsewhere the app's <c>AllowedHosts</c> applies.</param>
/// <param name="api">The JSON API (origin and header checks), rather than the page (which holds no data).</param>
/// <param name="refusals">Where refusals are logged (event 1003).</param>
internal sealed class DashboardGuard(bool loopbackOnly, bool api, RefusalLog refusals) : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        var refusal = Check(request, loopbackOnly, api);
        if (refusal is null)
        {
            return next(context);
        }

        refusals.Refused(request, refusal.Value.StatusCode, refusal.Value.Reason);
        return ValueTask.FromResult<object?>(DashboardJson.Error($"Refused: {refusal.Value.Reason}.", refusal.Value.StatusCode));
    }

    /// <summary>Why the request is refused, with its status code, or null.</summary>
    public static (int StatusCode, string Reason)? Check(HttpRequest request, bool loopbackOnly, bool fromPagesOfThisOrigin)
    {
        if (loopbackOnly && !RequestOrigin.IsLoopbackHost(request.Host))
        {
            return (StatusCodes.Status400BadRequest, "in Development the dashboard and scheduled routes answer only for localhost, 127.0.0.1 and [::1], and this request's Host is another name");
        }

        // The Host header is the client's to choose: in Development the peer must be this machine too (an app listening
        // on every address, as in a container, is reachable from the network).
        if (loopbackOnly && request.HttpContext.Connection.RemoteIpAddress is { } peer && !IsLoopback(peer))
        {
            return (StatusCodes.Status403Forbidden, "in Development the dashboard and scheduled routes answer only requests from this machine");
        }

        // A proxy on this machine (a sidecar, a dev server's proxy) makes every client look local; what it says it
        // passed on is believed only when that too is this machine.
        if (loopbackOnly && ForwardedFrom(request) is { } client)
        {
            return (StatusCodes.Status403Forbidden, $"in Development the dashboard and scheduled routes answer only requests from this machine, and a proxy passed this one on for '{ApiRoutes.Bundling.BundlePath.Printable(client, 64)}'");
        }

        if (!fromPagesOfThisOrigin)
        {
            return null;
        }

        if (RequestOrigin.CrossOrigin(request) is { } crossOrigin)
        {
            return (StatusCodes.Status403Forbidden, crossOrigin);
        }

        return HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || request.Headers[RequestOrigin.DashboardHeader].ToString().Length > 0
            ? null
            : (StatusCodes.Status403Forbidden, $"a state-changing call needs the {RequestOrigin.DashboardHeader} header (any value), which the dashboard's page sends and no page on another origin can");
    }

    // The first client a forwarding header names that is not a loopback address (or cannot be read as one), or null.
    // X-Original-For is the peer ASP.NET Core's forwarded-headers middleware saw before it took a client's word for
    // another (ASPNETCORE_FORWARDEDHEADERS_ENABLED trusts any peer): a peer on the network that said 127.0.0.1 looked
    // like this machine (review 27c F8).
    private static string? ForwardedFrom(HttpRequest request)
    {
        var named = request.Headers["X-Forwarded-For"].Concat(request.Headers["X-Real-IP"]).Concat(request.Headers["X-Original-For"])
            .SelectMany(value => (value ?? "").Split(','))
            .Concat(request.Headers["Forwarded"].SelectMany(value => (value ?? "").Split([',', ';']))
                .Select(pair => pair.Trim())
                .Where(pair => pair.StartsWith("for=", StringComparison.OrdinalIgnoreCase))
                .Select(pair => pair[4..]));
        return named.Select(client => client.Trim()).FirstOrDefault(client => !IsLoopback(client));
    }

    // "127.0.0.1", "::1", "[::1]:8080", "\"[::1]\"", "127.0.0.1:5000".
    private static bool IsLoopback(string client)
    {
        var address = client.Trim('"');
        if (address.StartsWith('[') && address.IndexOf(']', StringComparison.Ordinal) is var end and > 0)
        {
            address = address[1..end];
        }
        else if (address.Count(c => c == ':') == 1)
        {
            address = address[..address.IndexOf(':', StringComparison.Ordinal)];
        }

        return System.Net.IPAddress.TryParse(address, out var ip) && IsLoopback(ip);
    }

    // The peer's address or one a proxy names: this machine, also written as an IPv4-mapped IPv6 address.
    private static bool IsLoopback(System.Net.IPAddress address) =>
        System.Net.IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
}
