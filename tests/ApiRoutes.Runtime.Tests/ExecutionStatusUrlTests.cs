using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>Status URLs for the callers of background routes (ApiRoutes:Background:StatusUrls), over real HTTP.</summary>
public sealed class ExecutionStatusUrlTests
{
    private const string Key = "0123456789abcdef0123456789abcdef-status-key";

    [Fact]
    public async Task The_202_carries_a_status_url_where_the_caller_polls_the_outcome()
    {
        await using var server = await StartAsync("Production", Key);
        var accepted = await server.Client.PostAsync("/api/slow", null);
        var statusUrl = accepted.Headers.Location!.ToString();
        var id = accepted.Headers.GetValues("X-ApiRoutes-Execution-Id").Single();

        Assert.StartsWith($"/_apiroutes/status/{id}.", statusUrl, StringComparison.Ordinal);
        var waiting = await server.Client.GetAsync(statusUrl);
        Assert.Equal(HttpStatusCode.OK, waiting.StatusCode);
        Assert.NotNull(waiting.Headers.RetryAfter);
        Assert.Equal(["nosniff"], waiting.Headers.GetValues("X-Content-Type-Options"));   // as every answer under /_apiroutes (review 43b F7)
        Assert.Contains((await waiting.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString(), new[] { "queued", "running" });

        server.Probe.Open("slow");
        await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Succeeded);
        var done = await server.Client.GetFromJsonAsync<JsonElement>(statusUrl);
        Assert.Equal((id, "succeeded", 1), (done.GetProperty("id").GetString(), done.GetProperty("status").GetString(), done.GetProperty("attempt").GetInt32()));
        Assert.False(done.TryGetProperty("error", out _));
    }

    [Fact]
    public async Task A_retry_waiting_out_its_delay_says_when_it_is_due_and_the_caller_is_told_to_come_back_then()
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/flaky", typeof(Flaky))),
            options: o =>
            {
                o.Background.StatusUrls = true;
                o.Background.StatusUrlKey = Key;
            });
        var accepted = await server.Client.PostAsync("/api/flaky?fail=1", null);
        var id = accepted.Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.WaitForExecutionAsync(r => r.Id == id && r is { Status: ExecutionStatus.Queued, Attempt: 2 });
        server.FakeTime.Advance(TimeSpan.FromSeconds(20.5));

        var waiting = await server.Client.GetAsync(accepted.Headers.Location);
        var body = await waiting.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(("queued", 2), (body.GetProperty("status").GetString(), body.GetProperty("attempt").GetInt32()));
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 1, 0, TimeSpan.Zero), body.GetProperty("retryAt").GetDateTimeOffset());
        Assert.Equal(TimeSpan.FromSeconds(40), waiting.Headers.RetryAfter!.Delta);   // 39.5 s, rounded up

        server.FakeTime.Advance(TimeSpan.FromSeconds(40));
        await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Succeeded);
        var done = await server.Client.GetFromJsonAsync<JsonElement>(accepted.Headers.Location);
        Assert.Equal(JsonValueKind.Null, done.GetProperty("retryAt").ValueKind);
    }

    [Fact]
    public async Task An_execution_id_alone_or_a_changed_signature_finds_nothing()
    {
        await using var server = await StartAsync("Production", Key);
        var accepted = await server.Client.PostAsync("/api/slow", null);
        var statusUrl = accepted.Headers.Location!.ToString();
        var id = accepted.Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        var tampered = statusUrl[..^1] + (statusUrl[^1] == 'A' ? 'B' : 'A');

        using var unknown = await server.Client.GetAsync($"/_apiroutes/status/{id}");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(["nosniff"], unknown.Headers.GetValues("X-Content-Type-Options"));
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync($"/_apiroutes/status/{id}.")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync(tampered)).StatusCode);
        using var crossSite = new HttpRequestMessage(HttpMethod.Get, statusUrl);
        crossSite.Headers.Add("Sec-Fetch-Site", "cross-site");
        Assert.Equal(HttpStatusCode.Forbidden, (await server.Client.SendAsync(crossSite)).StatusCode);
        server.Probe.Open("slow");
    }

    [Fact]
    public async Task A_url_signed_with_another_key_is_not_honoured()
    {
        await using var first = await StartAsync("Production", Key);
        await using var other = await StartAsync("Production", Key.Replace('0', '1'));
        var statusUrl = (await first.Client.PostAsync("/api/slow", null)).Headers.Location!.ToString();

        Assert.Equal(HttpStatusCode.NotFound, (await other.Client.GetAsync(statusUrl)).StatusCode);
        first.Probe.Open("slow");
    }

    [Fact]
    public async Task Off_by_default_and_outside_development_not_without_a_key()
    {
        await using (var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/slow", typeof(Slow)))))
        {
            var accepted = await server.Client.PostAsync("/api/slow", null);
            Assert.Null(accepted.Headers.Location);
            server.Probe.Open("slow");
        }

        var error = await Assert.ThrowsAsync<ApiRoutesStartupException>(() => StartAsync("Production", key: null));
        Assert.StartsWith("ApiRoutes:Background:StatusUrls is on outside Development, so ApiRoutes:Background:StatusUrlKey must be set", error.Message, StringComparison.Ordinal);
        var shortKey = await Assert.ThrowsAsync<ApiRoutesStartupException>(() => StartAsync("Production", key: "short"));
        Assert.Contains("ApiRoutes:Background:StatusUrlKey is shorter than 32 characters", shortKey.Message, StringComparison.Ordinal);

        // In Development a key of the process's own is made.
        await using var development = await StartAsync("Development", key: null);
        var url = (await development.Client.PostAsync("/api/slow", null)).Headers.Location!.ToString();
        Assert.Equal(HttpStatusCode.OK, (await development.Client.GetAsync(url)).StatusCode);
        development.Probe.Open("slow");
    }

    // Review 27c F6: under a PathBase (behind a proxy that forwards only the app's prefix) the Location left the prefix
    // out, and following it gave the proxy's 404.
    [Fact]
    public async Task Under_a_path_base_the_status_url_is_under_it()
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/slow", typeof(Slow))),
            options: o => (o.Background.StatusUrls, o.Background.StatusUrlKey) = (true, Key),
            middleware: app => TestServer.UnderPathBase(app, "/shop"));

        var accepted = await server.Client.PostAsync("/shop/api/slow", null);
        var location = accepted.Headers.Location!.ToString();

        Assert.StartsWith("/shop/_apiroutes/status/", location, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync(location)).StatusCode);
        server.Probe.Open("slow");
    }

    // Review 27c F1: a refused status URL was logged whole, and the URL is the capability: who reads the log could read
    // the execution's status. The id is logged, not its signature.
    [Fact]
    public async Task A_refused_status_url_is_logged_without_its_signature()
    {
        await using var production = await StartAsync("Production", Key);
        var url = (await production.Client.PostAsync("/api/slow", null)).Headers.Location!.ToString();
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("Sec-Fetch-Site", "cross-site");

        Assert.Equal(HttpStatusCode.Forbidden, (await production.Client.SendAsync(request)).StatusCode);

        var id = url[(url.LastIndexOf('/') + 1)..url.LastIndexOf('.')];
        await production.WaitForLogAsync($"ApiRoutes[1003] Warning: GET /_apiroutes/status/{id}.… refused with 403");
        Assert.DoesNotContain(production.Logs, line => line.StartsWith("ApiRoutes[", StringComparison.Ordinal) && line.Contains(url, StringComparison.Ordinal));   // ASP.NET Core's own request lines (Information) are the app's to keep
        production.Probe.Open("slow");
    }

    private static Task<TestServer> StartAsync(string environment, string? key) => TestServer.StartAsync(
        Create(BackgroundRoute("/api/slow", typeof(Slow))),
        environment,
        options: o =>
        {
            o.Background.StatusUrls = true;
            o.Background.StatusUrlKey = key;
        });
}
