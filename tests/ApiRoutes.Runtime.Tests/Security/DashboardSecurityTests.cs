using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Security;

/// <summary>
/// The dashboard and its API over real HTTP, as an attacker would call them: from another origin, under another
/// <c>Host</c>, and with the token where logs keep it. (A real browser on another origin: <see cref="CrossOriginBrowserTests"/>.)
/// </summary>
public sealed class DashboardSecurityTests : IAsyncLifetime
{
    private const string Token = "0123456789abcdef0123456789abcdef-dashboard";
    private const string Run = "/_apiroutes/api/schedules/run?route=/api/tick";

    private TestServer _development = null!;

    public async Task InitializeAsync() => _development = await TestServer.StartAsync(
        Create(ScheduledRoute("/api/tick", typeof(Tick), "@hourly"), BackgroundRoute("/api/flaky", typeof(Flaky))),
        environment: "Development");

    public async Task DisposeAsync() => await _development.DisposeAsync();

    [Theory]
    // another site's page: its Origin, or the browser's fetch metadata, gives it away
    [InlineData("Origin", "http://attacker.example")]
    [InlineData("Origin", "null")]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    // another port of the same host is the same site, but not the same origin
    [InlineData("Sec-Fetch-Site", "same-site")]
    public async Task A_state_changing_call_from_another_origin_is_refused(string header, string value)
    {
        using var request = DashboardPost(Run);
        request.Headers.TryAddWithoutValidation(header, value);

        Assert.Equal(HttpStatusCode.Forbidden, (await _development.Client.SendAsync(request)).StatusCode);
        Assert.Empty(_development.Executions.Snapshot());
    }

    [Fact]
    public async Task A_state_changing_call_without_the_dashboard_header_is_refused_as_a_form_post_would_be()
    {
        using var form = new HttpRequestMessage(HttpMethod.Post, Run) { Content = new StringContent("route=/api/tick", Encoding.UTF8, "application/x-www-form-urlencoded") };
        using var pause = new HttpRequestMessage(HttpMethod.Post, "/_apiroutes/api/schedules/pause?route=/api/tick");

        Assert.Equal(HttpStatusCode.Forbidden, (await _development.Client.SendAsync(form)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _development.Client.SendAsync(pause)).StatusCode);
        Assert.Empty(_development.Executions.Snapshot());
    }

    [Fact]
    public async Task The_page_itself_and_a_script_with_the_header_may_change_state()
    {
        using var samePage = DashboardPost(Run);
        samePage.Headers.TryAddWithoutValidation("Origin", _development.Client.BaseAddress!.GetLeftPart(UriPartial.Authority));
        samePage.Headers.TryAddWithoutValidation("Sec-Fetch-Site", "same-origin");
        using var script = DashboardPost("/_apiroutes/api/schedules/pause?route=/api/tick");

        Assert.Equal(HttpStatusCode.Accepted, (await _development.Client.SendAsync(samePage)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _development.Client.SendAsync(script)).StatusCode);
    }

    [Theory]
    [InlineData("attacker.example")]
    [InlineData("attacker.example:5000")]
    [InlineData("127.0.0.1.nip.io")]
    [InlineData("localhost.attacker.example")]
    public async Task In_development_only_loopback_hosts_are_answered_so_dns_rebinding_reads_nothing(string host)
    {
        foreach (var path in new[] { "/_apiroutes", "/_apiroutes/api/routes", "/_apiroutes/api/executions" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Host = host;
            Assert.Equal(HttpStatusCode.BadRequest, (await _development.Client.SendAsync(request)).StatusCode);
        }

        using var tick = new HttpRequestMessage(HttpMethod.Get, "/api/tick");
        tick.Headers.Host = host;
        Assert.Equal(HttpStatusCode.BadRequest, (await _development.Client.SendAsync(tick)).StatusCode);
        Assert.Equal(0, _development.Probe.Count(nameof(Tick)));
    }

    // Review 27c F5: behind a proxy that rewrites Host (nginx's proxy_pass by default) the page's Origin never matched
    // the Host the app saw, so the dashboard's own page was refused though the browser said same-origin.
    [Fact]
    public async Task A_page_the_browser_calls_same_origin_is_believed_behind_a_proxy_that_rewrites_host()
    {
        using var behindProxy = DashboardPost(Run);
        behindProxy.Headers.TryAddWithoutValidation("Origin", "https://ops.example.com");
        behindProxy.Headers.TryAddWithoutValidation("Sec-Fetch-Site", "same-origin");
        using var noFetchMetadata = DashboardPost(Run);
        noFetchMetadata.Headers.TryAddWithoutValidation("Origin", "https://ops.example.com");

        Assert.Equal(HttpStatusCode.Accepted, (await _development.Client.SendAsync(behindProxy)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _development.Client.SendAsync(noFetchMetadata)).StatusCode);   // Origin alone is held to the Host
    }

    // Review 27c F7: a browser without fetch metadata (Safari before 16.4) sends no Origin with a GET: an <img> on another
    // site ran a scheduled route in Development. Its Referer gives it away; none at all is let through, as curl is.
    [Theory]
    [InlineData("http://attacker.example/page", HttpStatusCode.Forbidden)]
    [InlineData(null, HttpStatusCode.OK)]
    [InlineData("same", HttpStatusCode.OK)]
    public async Task A_scheduled_route_run_by_hand_from_a_page_on_another_origin_without_fetch_metadata_is_refused(string? referer, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/tick");
        if (referer is not null)
        {
            request.Headers.Referrer = new Uri(referer == "same" ? new Uri(_development.Client.BaseAddress!, "/_apiroutes").ToString() : referer);
        }

        Assert.Equal(expected, (await _development.Client.SendAsync(request)).StatusCode);
        Assert.Equal(expected == HttpStatusCode.OK ? 1 : 0, _development.Probe.Count(nameof(Tick)));
    }

    // Review 43b F6: the refusal (logged as 1003, and answered) quoted the Referer whole: another site's path and query,
    // an OAuth code or a reset token in it. Only the origin is told, without a user's name and password.
    [Fact]
    public async Task A_refusal_for_a_Referer_tells_its_origin_only()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/tick");
        request.Headers.TryAddWithoutValidation("Referer", "https://user:hunter2@partner.example:8443/oauth/callback?code=SECRETCODE123&state=x#frag");

        using var response = await _development.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("(Referer: https://partner.example:8443)", body, StringComparison.Ordinal);
        var said = body + string.Join("\n", _development.Logs);
        foreach (var secret in new[] { "SECRETCODE123", "hunter2", "/oauth/callback", "frag" })
        {
            Assert.DoesNotContain(secret, said, StringComparison.Ordinal);
        }
    }

    // Review 27c F8: with ASPNETCORE_FORWARDEDHEADERS_ENABLED (common in container images) ASP.NET Core's middleware
    // takes any peer's X-Forwarded-For: a peer on the network that said 127.0.0.1 looked like this machine and got the
    // Development dashboard. The peer it replaced is in X-Original-For.
    [Fact]
    public async Task In_development_a_peer_the_forwarded_headers_middleware_replaced_is_still_a_peer_from_elsewhere()
    {
        await using var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/tick", typeof(Tick), "@hourly")),
            environment: "Development",
            middleware: app =>
            {
                // As a peer on the network would be seen (the test's requests come from loopback).
                app.Use((context, next) =>
                {
                    context.Connection.RemoteIpAddress = IPAddress.Parse("10.0.0.9");
                    return next(context);
                });
                var forwarded = new ForwardedHeadersOptions { ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor };
                forwarded.KnownIPNetworks.Clear();   // what ASPNETCORE_FORWARDEDHEADERS_ENABLED sets
                forwarded.KnownProxies.Clear();
                app.UseForwardedHeaders(forwarded);
            });
        using var routes = new HttpRequestMessage(HttpMethod.Get, "/_apiroutes/api/routes");
        routes.Headers.Add("X-Forwarded-For", "127.0.0.1");
        using var tick = new HttpRequestMessage(HttpMethod.Get, "/api/tick");
        tick.Headers.Add("X-Forwarded-For", "127.0.0.1");

        Assert.Equal(HttpStatusCode.Forbidden, (await server.Client.SendAsync(routes)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await server.Client.SendAsync(tick)).StatusCode);
        Assert.Equal(0, server.Probe.Count(nameof(Tick)));
    }

    // Review 27c F1: the reason quoted the Origin or Sec-Fetch-Site header raw: a line erased and a forged one written,
    // the terminal retitled, by any client (in Production too, where the dashboard or status URLs are on).
    [Theory]
    [InlineData("Origin", "http://x\u001b[1A\u001b[2K", "(Origin: http://x\\u001B[1A\\u001B[2K)")]
    [InlineData("Sec-Fetch-Site", "\u001b]0;pwned\u0007cross-site", "(Sec-Fetch-Site: \\u001B]0;pwned\\u0007cross-site)")]
    public async Task A_header_quoted_in_a_refusal_is_logged_with_its_control_characters_escaped(string header, string value, string logged)
    {
        using var request = DashboardPost(Run);
        request.Headers.TryAddWithoutValidation(header, value);

        Assert.Equal(HttpStatusCode.Forbidden, (await _development.Client.SendAsync(request)).StatusCode);

        await _development.WaitForLogAsync($"ApiRoutes[1003] Warning: POST /_apiroutes/api/schedules/run refused with 403: it comes from a page on another origin {logged}");
        Assert.DoesNotContain(_development.Logs, line => line.Contains('\u001b', StringComparison.Ordinal));
    }

    // Review 26a F18: the refused request's path, decoded, was written raw: an OSC sequence retitled the terminal.
    [Fact]
    public async Task A_refused_requests_path_is_logged_with_its_control_characters_escaped()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/_apiroutes/api/executions/x%1B%5D0%3BPWNED%07");
        request.Headers.Host = "attacker.example";

        Assert.Equal(HttpStatusCode.BadRequest, (await _development.Client.SendAsync(request)).StatusCode);

        await _development.WaitForLogAsync("ApiRoutes[1003] Warning: GET /_apiroutes/api/executions/x\\u001B]0;PWNED\\u0007 refused with 400");
        Assert.DoesNotContain(_development.Logs, line => line.StartsWith("ApiRoutes[", StringComparison.Ordinal) && line.Contains('\u001b'));   // ASP.NET Core's own Information and Debug lines are its own
    }

    [Theory]
    [InlineData("localhost:5000")]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.2:8080")]
    [InlineData("[::1]:5000")]
    [InlineData("shop.localhost")]
    public async Task Loopback_hosts_are_answered(string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/_apiroutes/api/routes");
        request.Headers.Host = host;

        Assert.Equal(HttpStatusCode.OK, (await _development.Client.SendAsync(request)).StatusCode);
    }

    [Theory]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Origin", "http://attacker.example")]
    public async Task In_development_a_scheduled_route_is_not_run_for_another_site(string header, string value)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/tick");
        request.Headers.TryAddWithoutValidation(header, value);

        Assert.Equal(HttpStatusCode.Forbidden, (await _development.Client.SendAsync(request)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _development.Client.PostAsync("/api/tick", null)).StatusCode);
        Assert.Equal(1, _development.Probe.Count(nameof(Tick)));
    }

    [Theory]
    // another machine that names this one "localhost" in its Host header (an app listening on every address)
    [InlineData("10.0.0.5", 403)]
    [InlineData("192.168.1.20", 403)]
    [InlineData("::ffff:10.0.0.5", 403)]
    // this machine, also as an IPv4-mapped address; no address at all (a Unix socket)
    [InlineData("127.0.0.1", null)]
    [InlineData("::1", null)]
    [InlineData("::ffff:127.0.0.1", null)]
    [InlineData(null, null)]
    public void In_development_the_peer_must_be_this_machine_whatever_the_host_header_says(string? peer, int? refused)
    {
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Request.Host = new Microsoft.AspNetCore.Http.HostString("localhost:5000");
        context.Connection.RemoteIpAddress = peer is null ? null : IPAddress.Parse(peer);

        Assert.Equal(refused, ApiRoutes.Dashboard.DashboardGuard.Check(context.Request, loopbackOnly: true, fromPagesOfThisOrigin: false)?.StatusCode);
    }

    [Theory]
    // The review's case: a proxy on this machine passing on a request from anywhere.
    [InlineData("X-Forwarded-For", "203.0.113.7", 403)]
    [InlineData("X-Forwarded-For", "127.0.0.1, 10.0.0.5", 403)]
    [InlineData("X-Real-IP", "192.168.1.20", 403)]
    [InlineData("Forwarded", "for=198.51.100.17;proto=https", 403)]
    [InlineData("Forwarded", "for=\"[2001:db8::1]:4711\"", 403)]
    [InlineData("Forwarded", "for=unknown", 403)]
    [InlineData("X-Forwarded-For", "not an address", 403)]
    // a proxy on this machine passing on a request from this machine
    [InlineData("X-Forwarded-For", "127.0.0.1", null)]
    [InlineData("X-Forwarded-For", "::1, 127.0.0.1:5173", null)]
    [InlineData("Forwarded", "for=\"[::1]:5173\";proto=http", null)]
    [InlineData("Forwarded", "proto=http", null)]
    public void In_development_a_request_a_proxy_passed_on_must_come_from_this_machine_too(string header, string value, int? refused)
    {
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Request.Host = new Microsoft.AspNetCore.Http.HostString("localhost:5000");
        context.Connection.RemoteIpAddress = IPAddress.Loopback;
        context.Request.Headers[header] = value;

        var refusal = ApiRoutes.Dashboard.DashboardGuard.Check(context.Request, loopbackOnly: true, fromPagesOfThisOrigin: false);

        Assert.Equal(refused, refusal?.StatusCode);
        // Outside Development the dashboard needs its token, wherever the request comes from.
        Assert.Null(ApiRoutes.Dashboard.DashboardGuard.Check(context.Request, loopbackOnly: false, fromPagesOfThisOrigin: false));
    }

    [Theory]
    [InlineData("Sec-Purpose", "prefetch;prerender")]
    [InlineData("Purpose", "prefetch")]
    public async Task In_development_a_browser_prefetch_does_not_run_a_scheduled_route(string header, string value)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/tick");
        request.Headers.TryAddWithoutValidation(header, value);
        request.Headers.TryAddWithoutValidation("Sec-Fetch-Site", "none");

        Assert.Equal(HttpStatusCode.Forbidden, (await _development.Client.SendAsync(request)).StatusCode);
        Assert.Equal(0, _development.Probe.Count(nameof(Tick)));
    }

    // Review 27c F6: behind a proxy that forwards only the app's prefix (UsePathBase), the session cookie's path left the
    // prefix out, so the browser never sent it back.
    [Fact]
    public async Task Under_a_path_base_the_session_cookie_is_sent_back_where_the_dashboard_is()
    {
        await using var production = await TestServer.StartWithDashboardAsync(Token, pathBase: "/shop");
        using var client = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = production.Client.BaseAddress };
        using var session = Session(Token);
        session.RequestUri = new Uri("/shop/_apiroutes/api/session", UriKind.Relative);

        var answer = await client.SendAsync(session);
        var cookie = answer.Headers.GetValues("Set-Cookie").Single();
        using var routes = new HttpRequestMessage(HttpMethod.Get, "/shop/_apiroutes/api/routes");
        routes.Headers.Add("Cookie", cookie.Split(';')[0]);

        Assert.Equal(HttpStatusCode.NoContent, answer.StatusCode);
        Assert.Contains("path=/shop/_apiroutes", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(routes)).StatusCode);
    }

    // Review 35c F1: a session request whose body the server could not read (a chunk size past 64 bits, an I/O error to
    // Kestrel) was an unhandled exception, a 500 and an Error line with a stack trace, for anyone who asked.
    [Fact]
    public async Task A_session_request_whose_body_cannot_be_read_is_refused_as_a_wrong_token()
    {
        await using var production = await TestServer.StartWithDashboardAsync(Token);

        var response = await production.SendRawAsync("POST /_apiroutes/api/session HTTP/1.1\r\nHost: localhost\r\nX-ApiRoutes-Dashboard: 1\r\n"
            + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nFFFFFFFFFFFFFFFFF\r\nxx\r\n0\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 401 ", response, StringComparison.Ordinal);
        Assert.DoesNotContain(production.Logs, line => line.Contains(" Error: ", StringComparison.Ordinal) || line.Contains("Kestrel[13]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Outside_development_the_token_is_traded_for_an_http_only_cookie_and_never_logged()
    {
        await using var production = await TestServer.StartWithDashboardAsync(Token);
        using var client = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = production.Client.BaseAddress };

        var page = await client.GetAsync("/_apiroutes");
        var wrong = await client.SendAsync(Session("0123456789abcdef0123456789abcdef-wrong-one"));
        var session = await client.SendAsync(Session(Token));
        var cookie = session.Headers.GetValues("Set-Cookie").Single();
        var withCookie = new HttpRequestMessage(HttpMethod.Get, "/_apiroutes/api/routes");
        withCookie.Headers.Add("Cookie", cookie.Split(';')[0]);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);   // the page holds no data; everything comes from the API
        Assert.Contains("frame-ancestors 'none'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, session.StatusCode);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/_apiroutes", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Token, cookie, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(withCookie)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/_apiroutes/api/routes")).StatusCode);
        Assert.NotEmpty(production.Logs);
        Assert.DoesNotContain(production.Logs, line => line.Contains(Token, StringComparison.Ordinal));

        // The review's case: the cookie was one fixed value for ever. Now it holds for 12 hours, and its time cannot be moved.
        Assert.Contains("max-age=43200", cookie, StringComparison.OrdinalIgnoreCase);
        var value = cookie.Split(';')[0];
        var issued = long.Parse(value.Split('=')[1].Split('.')[0], System.Globalization.CultureInfo.InvariantCulture);
        var moved = value.Replace(issued.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".", (issued + 3600).ToString(System.Globalization.CultureInfo.InvariantCulture) + ".", StringComparison.Ordinal);
        production.FakeTime.Advance(ApiRoutes.Dashboard.DashboardSession.Lifetime - TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(WithCookie(value))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(WithCookie(moved))).StatusCode);
        production.FakeTime.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(WithCookie(value))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(WithCookie(moved))).StatusCode);

        static HttpRequestMessage WithCookie(string cookie)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/_apiroutes/api/routes");
            request.Headers.Add("Cookie", cookie);
            return request;
        }
    }

    [Fact]
    public async Task Outside_development_a_bearer_token_still_serves_scripts()
    {
        await using var production = await TestServer.StartWithDashboardAsync(Token);
        using var read = new HttpRequestMessage(HttpMethod.Get, "/_apiroutes/api/routes");
        read.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var run = DashboardPost(Run);
        run.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var unauthenticated = DashboardPost(Run);

        Assert.Equal(HttpStatusCode.OK, (await production.Client.SendAsync(read)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await production.Client.SendAsync(run)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await production.Client.SendAsync(unauthenticated)).StatusCode);
    }

    private static HttpRequestMessage DashboardPost(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Add("X-ApiRoutes-Dashboard", "1");
        return request;
    }

    private static HttpRequestMessage Session(string token)
    {
        var request = DashboardPost("/_apiroutes/api/session");
        request.Content = new StringContent($$"""{"token":"{{token}}"}""", Encoding.UTF8, "application/json");
        return request;
    }
}
