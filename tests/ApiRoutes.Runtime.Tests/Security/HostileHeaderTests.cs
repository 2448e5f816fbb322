using System.Globalization;
using System.Net;
using System.Text;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Scheduling;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Security;

/// <summary>
/// Random and hand-picked hostile values in every header the runtime reads itself (trigger, dashboard, origin checks)
/// over real HTTP: each gets a 4xx answer, none a 5xx, and nothing runs.
/// </summary>
public sealed class HostileHeaderTests : IAsyncLifetime
{
    private const string Secret = "0123456789abcdef0123456789abcdef-test-secret";
    private const int Cases = 400;

    private static readonly string[] Hostile =
    [
        "", " ", "null", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "-1", "99999999999999999999", "1e10", "sha256=",
        "sha256=zz", "http://", "http://[::1", "file:///etc/passwd", "\u00e9\u00e8", "a\tb", "%00", "../../etc", new string('x', 8000),
        "localhost:99999", "[::ffff:127.0.0.1]", "127.1", "0x7f.0.0.1", "localhost.", "LOCALHOST",
    ];

    private TestServer _server = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/tick", typeof(Tick), "@hourly"), BackgroundRoute("/api/flaky", typeof(Flaky))),
            environment: "Development",
            options: o => o.Scheduling.ExternalTriggerSecret = Secret);
        _client = Latin1Client(_server);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    // Sends header bytes beyond ASCII as they are, as a hostile client would.
    private static HttpClient Latin1Client(TestServer server) =>
        new(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.Latin1, UseCookies = false })
        {
            BaseAddress = server.Client.BaseAddress,
            Timeout = Probe.Patience,
        };

    [Fact]
    public async Task No_header_value_makes_the_trigger_endpoint_fail_and_no_occurrence_runs_twice()
    {
        var now = _server.FakeTime.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

        // Each hostile value in each signed position, the others valid and the signature right; then random mixes,
        // signed right half of the time.
        var cases = Hostile.SelectMany(value => new[] { (value, "2026-01-01T01:00:00Z", now), ("/api/tick", value, now), ("/api/tick", "2026-01-01T01:00:00Z", value) })
            .Select(values => (values.Item1, values.Item2, values.Item3, Signed: true)).ToList();
        var random = new Random(20261201);
        cases.AddRange(Enumerable.Range(0, Cases).Select(_ => (Pick(random, "/api/tick"), Pick(random, "2026-01-01T00:00:00Z"), Pick(random, now), Signed: random.Next(2) == 0)));

        foreach (var (route, occurrence, timestamp, signed) in cases)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, TriggerSignature.Path);
            request.Headers.TryAddWithoutValidation(TriggerSignature.RouteHeader, route);
            request.Headers.TryAddWithoutValidation(TriggerSignature.OccurrenceHeader, occurrence);
            request.Headers.TryAddWithoutValidation(TriggerSignature.TimestampHeader, timestamp);
            request.Headers.TryAddWithoutValidation(TriggerSignature.SignatureHeader, signed ? TriggerSignature.Compute(Secret, route, occurrence, timestamp) : Pick(random, "sha256=" + new string('0', 64)));

            var status = (await _client.SendAsync(request)).StatusCode;

            Assert.True((int)status < 500, $"({route[..Math.Min(40, route.Length)]}, {occurrence[..Math.Min(40, occurrence.Length)]}, {timestamp[..Math.Min(40, timestamp.Length)]}): {status}");
        }

        var runs = _server.Executions.Snapshot();
        Assert.Equal(runs.Count, runs.Select(r => r.Occurrence).Distinct().Count());
    }

    [Fact]
    public async Task No_host_origin_or_fetch_metadata_value_makes_the_dashboard_fail()
    {
        var random = new Random(20261202);
        for (var i = 0; i < Cases; i++)
        {
            using var request = new HttpRequestMessage(random.Next(2) == 0 ? HttpMethod.Get : HttpMethod.Post, random.Next(3) switch
            {
                0 => "/_apiroutes",
                1 => "/_apiroutes/api/schedules/pause?route=/api/tick",
                _ => "/api/tick",
            });
            var host = Pick(random, "localhost");
            if (host.Length is > 0 and < 300 && !host.Any(char.IsWhiteSpace) && !host.Contains('/'))
            {
                request.Headers.TryAddWithoutValidation("Host", host);
            }

            request.Headers.TryAddWithoutValidation("Origin", Pick(random, "http://attacker.example"));
            request.Headers.TryAddWithoutValidation("Sec-Fetch-Site", Pick(random, "cross-site"));
            request.Headers.TryAddWithoutValidation("Cookie", "apiroutes_dashboard=" + Pick(random, "x"));

            var response = await _client.SendAsync(request);

            Assert.True((int)response.StatusCode < 500, $"case {i}: {request.Method} {request.RequestUri} Host={host}: {response.StatusCode}");
        }

        Assert.Equal(0, _server.Probe.Count(nameof(Tick)));
    }

    [Fact]
    public async Task A_huge_origin_or_fetch_metadata_header_is_not_echoed_in_full()
    {
        // The review's case: a 20 KB Sec-Fetch-Site came back whole in the 403 and in the log line.
        foreach (var header in new[] { "Sec-Fetch-Site", "Origin" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/_apiroutes/api/routes");
            request.Headers.TryAddWithoutValidation(header, "http://x" + new string('x', 20_000));

            var response = await _client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();

            Assert.Equal(System.Net.HttpStatusCode.Forbidden, response.StatusCode);
            Assert.True(body.Length < 1000, $"{header}: {body.Length} characters");
        }
    }

    [Fact]
    public async Task No_body_signs_into_the_dashboard()
    {
        await using var production = await TestServer.StartWithDashboardAsync(Secret);
        var random = new Random(20261203);
        string[] bodies = ["", "null", "[]", "{}", """{"token":null}""", """{"token":1}""", """{"token":""}""", "{\"token\":\"" + Secret[..^1] + "\"}", new string('[', 100_000), "{\"token\":\"" + new string('a', 100_000) + "\"}"];
        foreach (var body in bodies.Concat(Enumerable.Range(0, 100).Select(_ => RandomText(random, random.Next(1, 200)))))
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/_apiroutes/api/session") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Add("X-ApiRoutes-Dashboard", "1");

            var response = await production.Client.SendAsync(request);

            Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.RequestEntityTooLarge, $"{body[..Math.Min(40, body.Length)]}: {response.StatusCode}");
            Assert.False(response.Headers.Contains("Set-Cookie"));
        }
    }

    // Half the time a hostile value, else the plausible one.
    private static string Pick(Random random, string plausible) => random.Next(4) switch
    {
        0 => plausible,
        1 => Hostile[random.Next(Hostile.Length)],
        2 => RandomText(random, random.Next(0, 60)),
        _ => plausible + Hostile[random.Next(Hostile.Length)],
    };

    private static string RandomText(Random random, int length) =>
        string.Concat(Enumerable.Range(0, length).Select(_ => (char)random.Next(0x20, 0x7f)));
}
