using System.Globalization;
using System.Net;
using System.Text.Json;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Scheduling;
using ApiRoutes.Storage;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Security;

/// <summary>Review 46b: an attacker on the HTTP surface, in Production, on Kestrel.</summary>
public sealed class HttpSurfaceTests
{
    private const string Token = "review-46b-dashboard-token-0123456789abcdef";
    private const string Secret = "0123456789abcdef0123456789abcdef-test-secret";

    // F1: a replay from the dashboard is written under 'apiroutes-replay-of:<id>'. A client that sent that key first (the
    // id is in its own 202) had every later replay of its failed execution refused as "replayed by another call", for as
    // long as the store kept the key (7 days, across restarts with SQLite).
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_client_cannot_take_the_key_a_replay_of_its_failed_execution_is_written_under(bool sqlite)
    {
        var folder = Directory.CreateTempSubdirectory("apiroutes-46b-").FullName;
        try
        {
            await using var server = await TestServer.StartAsync(
                Create(BackgroundRoute("/api/flaky", typeof(Flaky))),
                options: o =>
                {
                    o.Dashboard.Enabled = true;
                    o.Dashboard.Token = Token;
                    o.Background.RetryDelays = [];
                    if (sqlite)
                    {
                        o.Store.Provider = StoreProvider.Sqlite;
                        o.Store.Path = Path.Combine(folder, "store.db");
                    }
                });

            var failed = (await server.Client.PostAsync("/api/flaky", new StringContent("{\"order\":1}"))).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
            await server.WaitForExecutionAsync(r => r.Id == failed && r.Status == ExecutionStatus.Failed);

            using var squat = new HttpRequestMessage(HttpMethod.Post, "/api/flaky?fail=0") { Content = new StringContent("{}") };
            squat.Headers.Add("Idempotency-Key", $"apiroutes-replay-of:{failed}");
            var squatted = await server.Client.SendAsync(squat);
            Assert.Equal(HttpStatusCode.BadRequest, squatted.StatusCode);
            using (var problem = JsonDocument.Parse(await squatted.Content.ReadAsStringAsync()))
            {
                Assert.Equal(
                    "Idempotency-Key keys beginning with 'apiroutes-' are ApiRoutes' own (a replay from the dashboard is written under one); send another key (a random UUID is best).",
                    problem.RootElement.GetProperty("detail").GetString());
            }

            var replay = await server.Client.SendAsync(Dashboard(HttpMethod.Post, $"/_apiroutes/api/executions/{failed}/replay"));
            Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
            var again = await server.Client.SendAsync(Dashboard(HttpMethod.Post, $"/_apiroutes/api/executions/{failed}/replay"));
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);   // replayed once, by the dashboard's own key
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    // F2: a trigger refused 409 because the previous run still went was recorded skipped, never claimed: the same signed
    // request, sent again within its window once that run had ended (a captured copy, a proxy's retry), ran it late.
    [Fact]
    public async Task An_occurrence_skipped_for_an_overlap_is_not_run_late_by_the_same_trigger_sent_again()
    {
        await using var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/tick", typeof(Tick), "*/5 * * * *", timeLimitSeconds: 900)),
            options: o =>
            {
                o.Scheduling.Enabled = false;
                o.Scheduling.ExternalTriggerSecret = Secret;
            });
        server.FakeTime.Advance(TimeSpan.FromMinutes(10));   // 00:10
        server.Services.GetRequiredService<TickOptions>().Block = true;
        Assert.Equal(HttpStatusCode.Accepted, (await Trigger(server, "2026-01-01T00:10:00Z")).StatusCode);
        await server.Probe.NextAsync();

        server.FakeTime.Advance(TimeSpan.FromMinutes(5));   // 00:15: the 00:10 run still goes
        var signedAt = server.FakeTime.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        Assert.Equal(HttpStatusCode.Conflict, (await Trigger(server, "2026-01-01T00:15:00Z", signedAt)).StatusCode);

        server.Probe.Open("tick");
        await server.WaitForExecutionAsync(r => r.Status == ExecutionStatus.Succeeded);
        server.FakeTime.Advance(TimeSpan.FromMinutes(2));   // 00:17, within the captured request's window

        var again = await Trigger(server, "2026-01-01T00:15:00Z", signedAt);   // byte for byte the captured request

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.StartsWith("The occurrence 2026-01-01T00:15:00.0000000+00:00 of /api/tick was skipped: the previous run (", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, server.Probe.Count(nameof(Tick)));
        var records = await server.Services.GetRequiredService<IExecutionStore>().GetOccurrencesAsync(new OccurrenceQuery("/api/tick", Limit: 10), default);
        Assert.DoesNotContain(records, record => record.Occurrence.Minute == 15 && record.Outcome == OccurrenceOutcome.Ran);
        Assert.Contains(records, record => record.Occurrence.Minute == 15 && record.Outcome == OccurrenceOutcome.Skipped);
    }

    private static Task<HttpResponseMessage> Trigger(TestServer server, string occurrence, string? timestamp = null) =>
        server.Client.SendAsync(TriggerSignature.CreateRequest(
            Secret, "/api/tick", occurrence, timestamp ?? server.FakeTime.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));

    // F3: every answer under /_apiroutes carries no-store and nosniff (README; review 43b F7): the trigger's carried neither,
    // and its refusals (which quote the signed route and occurrence) no content type.
    [Fact]
    public async Task The_triggers_answers_are_no_store_nosniff_and_its_refusals_plain_text()
    {
        await using var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/tick", typeof(Tick), "*/5 * * * *")),
            options: o =>
            {
                o.Scheduling.Enabled = false;
                o.Scheduling.ExternalTriggerSecret = Secret;
            });
        server.FakeTime.Advance(TimeSpan.FromMinutes(10));

        var unsigned = await server.Client.PostAsync(TriggerSignature.Path, null);
        var accepted = await server.Client.SendAsync(TriggerSignature.CreateRequest(
            Secret, "/api/tick", "2026-01-01T00:10:00Z", server.FakeTime.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));

        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        foreach (var answer in new[] { unsigned, accepted })
        {
            Assert.Equal(["nosniff"], answer.Headers.GetValues("X-Content-Type-Options"));
            Assert.True(answer.Headers.CacheControl?.NoStore, $"{(int)answer.StatusCode}: Cache-Control {answer.Headers.CacheControl}");
        }

        Assert.Equal("text/plain; charset=utf-8", unsigned.Content.Headers.ContentType?.ToString());
    }

    // F4: Run now's Location left out the app's path base: behind a proxy that forwards only '/shop', a 404.
    [Fact]
    public async Task Run_nows_location_is_under_the_apps_path_base()
    {
        await using var server = await TestServer.StartWithDashboardAsync(Token, pathBase: "/shop");

        var run = await server.Client.SendAsync(Dashboard(HttpMethod.Post, "/shop/_apiroutes/api/schedules/run?route=/api/tick"));

        Assert.Equal(HttpStatusCode.Accepted, run.StatusCode);
        var location = run.Headers.Location!.OriginalString;
        Assert.StartsWith("/shop/_apiroutes/api/executions/", location, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.SendAsync(Dashboard(HttpMethod.Get, location))).StatusCode);
    }

    private static HttpRequestMessage Dashboard(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("Authorization", $"Bearer {Token}");
        request.Headers.Add("X-ApiRoutes-Dashboard", "1");
        return request;
    }
}
