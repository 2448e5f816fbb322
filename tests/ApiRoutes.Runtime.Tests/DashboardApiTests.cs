using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>The development dashboard's JSON API, over real HTTP, on a fake clock at 2026-01-01T00:00:00Z.</summary>
public sealed class DashboardApiTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(
        Create(
            StandardRoute("/api/hello/{name}", typeof(Hello)),
            BackgroundRoute("/api/chatty", typeof(Chatty)),
            ScheduledRoute("/api/tick", typeof(Tick), "*/15 * * * *")),
        environment: "Development",
        options: o => o.Scheduling.Enabled = true);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Routes_list_kinds_and_each_schedule_with_its_next_five_runs()
    {
        var routes = await _server.Client.GetFromJsonAsync<JsonElement>("/_apiroutes/api/routes");

        Assert.Equal(["/api/hello/{name}", "/api/chatty", "/api/tick"], routes.EnumerateArray().Select(r => r.GetProperty("route").GetString()));
        Assert.Equal(["standard", "background", "scheduled"], routes.EnumerateArray().Select(r => r.GetProperty("kind").GetString()));
        var schedule = routes[2].GetProperty("schedule");
        Assert.False(schedule.GetProperty("paused").GetBoolean());
        Assert.Equal("every 15 minutes", schedule.GetProperty("description").GetString());   // made by the server, not the page
        Assert.Equal("UTC", schedule.GetProperty("timeZone").GetString());
        Assert.Equal(
            ["2026-01-01T00:15:00.000Z", "2026-01-01T00:30:00.000Z", "2026-01-01T00:45:00.000Z", "2026-01-01T01:00:00.000Z", "2026-01-01T01:15:00.000Z"],
            schedule.GetProperty("nextRuns").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task Run_now_is_refused_while_a_run_of_the_schedule_goes_on_another_replica()
    {
        var coordination = new ElsewhereCoordination { RunningElsewhere = "run-on-b" };
        await using var replica = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/tick", typeof(Tick), "*/15 * * * *")),
            environment: "Development",
            services: s => s.AddSingleton<ApiRoutes.Storage.IReplicaCoordination>(coordination));

        var refused = await replica.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/_apiroutes/api/schedules/run?route=/api/tick") { Headers = { { "X-ApiRoutes-Dashboard", "1" } } });
        coordination.RunningElsewhere = null;
        var started = await replica.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/_apiroutes/api/schedules/run?route=/api/tick") { Headers = { { "X-ApiRoutes-Dashboard", "1" } } });

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("The previous run of /api/tick (run-on-b, on another replica) is still going; it is not started again until that run ends.",
            (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        await replica.Probe.NextAsync();
        Assert.Equal(1, replica.Probe.Count(nameof(Tick)));
    }

    // A run by hand whose look elsewhere met the store away may have had its row written (its answer lost): a row queued
    // here that never ran would stand as a run going for every other replica. It is recorded failed, and not run.
    [Fact]
    public async Task Run_now_that_meets_the_store_away_is_answered_503_not_run_and_recorded_failed()
    {
        var coordination = new ElsewhereCoordination { StartsByHandFailing = true };
        await using var replica = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/tick", typeof(Tick), "*/15 * * * *")),
            environment: "Development",
            services: s => s.AddSingleton<ApiRoutes.Storage.IReplicaCoordination>(coordination));

        var refused = await replica.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/_apiroutes/api/schedules/run?route=/api/tick") { Headers = { { "X-ApiRoutes-Dashboard", "1" } } });
        var store = replica.Services.GetRequiredService<ApiRoutes.Storage.IExecutionStore>();
        ExecutionRecord? recorded = null;
        await Poll.UntilAsync(async () => (recorded = (await store.QueryAsync(new ExecutionQuery { Limit = 10 }, default)).SingleOrDefault()) is not null);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("Whether /api/tick runs on another replica cannot be known: The test's database is away.",
            (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Equal(("/api/tick", ExecutionStatus.Failed), (recorded!.Route, recorded.Status));
        Assert.Equal("Not started (it was started by hand as the store could not be reached). Whether /api/tick runs on another replica cannot be known: The test's database is away.", recorded.Error);
        Assert.Equal(0, replica.Probe.Count(nameof(Tick)));
    }

    // One that met the store away before its row was sent wrote nothing: it leaves no failed record of a run that never was.
    [Fact]
    public async Task Run_now_that_meets_the_store_away_before_its_row_was_sent_leaves_no_record()
    {
        var coordination = new ElsewhereCoordination { StartsByHandFailing = true, RowMayHaveLanded = false };
        await using var replica = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/tick", typeof(Tick), "*/15 * * * *")),
            environment: "Development",
            services: s => s.AddSingleton<ApiRoutes.Storage.IReplicaCoordination>(coordination));

        var refused = await replica.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/_apiroutes/api/schedules/run?route=/api/tick") { Headers = { { "X-ApiRoutes-Dashboard", "1" } } });
        coordination.StartsByHandFailing = false;
        var started = await replica.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/_apiroutes/api/schedules/run?route=/api/tick") { Headers = { { "X-ApiRoutes-Dashboard", "1" } } });
        var id = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("executionId").GetString();
        var store = replica.Services.GetRequiredService<ApiRoutes.Storage.IExecutionStore>();
        await Poll.UntilAsync(async () => (await store.QueryAsync(new ExecutionQuery { Limit = 10 }, default)).Any(record => record.Id == id));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal([id], (await store.QueryAsync(new ExecutionQuery { Limit = 10 }, default)).Select(record => record.Id));   // the writes land in order
    }

    // Review 45c F4: the failed record of a replay that met the store away carried replayOf, so the failure counted as
    // replayed, and the replay asked again once the store was back was refused with 409.
    [Fact]
    public async Task A_replay_that_met_the_store_away_can_be_asked_again_once_it_is_back()
    {
        var coordination = new ElsewhereCoordination { StartsByHandFailing = true };
        await using var replica = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/tick", typeof(Tick), "*/15 * * * *")),
            environment: "Development",
            services: s => s.AddSingleton<ApiRoutes.Storage.IReplicaCoordination>(coordination));
        var store = replica.Services.GetRequiredService<ApiRoutes.Storage.IExecutionStore>();
        var failed = new ExecutionRecord
        {
            Id = "failed-tick", Route = "/api/tick", Kind = "scheduled", Status = ExecutionStatus.Failed, Attempt = 1, Error = "boom",
            AcceptedAt = replica.FakeTime.GetUtcNow(), FinishedAt = replica.FakeTime.GetUtcNow(), Occurrence = replica.FakeTime.GetUtcNow(),
        };
        await store.UpdateAsync(failed, default);

        var away = await replica.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/_apiroutes/api/executions/failed-tick/replay") { Headers = { { "X-ApiRoutes-Dashboard", "1" } } });
        await Poll.UntilAsync(async () => (await store.QueryAsync(new ExecutionQuery { Limit = 10 }, default)).Count == 2);
        coordination.StartsByHandFailing = false;
        var back = await replica.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/_apiroutes/api/executions/failed-tick/replay") { Headers = { { "X-ApiRoutes-Dashboard", "1" } } });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, away.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, back.StatusCode);
        Assert.Equal("failed-tick", (await back.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("replayOf").GetString());
        await replica.Probe.NextAsync();
        Assert.Equal(1, replica.Probe.Count(nameof(Tick)));
    }

    [Fact]
    public async Task An_execution_that_memory_no_longer_has_is_read_from_the_store_by_its_id()
    {
        // As an earlier process (or another replica) left it: in the store only, written after the history was loaded.
        await _server.WaitForLogAsync("ApiRoutes[2017] Debug: Loaded 0 recent execution(s) from the store");
        var record = new ExecutionRecord { Id = "from-the-store", Route = "/api/chatty", Kind = "background", Status = ExecutionStatus.Failed, AcceptedAt = _server.FakeTime.GetUtcNow().AddDays(-1), Error = "boom",
            TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" };
        await _server.Services.GetRequiredService<ApiRoutes.Storage.IExecutionStore>().UpdateAsync(record, default);

        var detail = await _server.Client.GetFromJsonAsync<JsonElement>("/_apiroutes/api/executions/from-the-store");

        Assert.Null(_server.Executions.Find("from-the-store"));
        Assert.Equal(("failed", "boom"), (detail.GetProperty("execution").GetProperty("status").GetString(), detail.GetProperty("execution").GetProperty("error").GetString()));
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", detail.GetProperty("execution").GetProperty("traceId").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.GetAsync("/_apiroutes/api/executions/unknown")).StatusCode);
    }

    [Fact]
    public async Task Run_now_runs_a_schedule_as_the_scheduler_would_and_the_execution_shows_its_log_lines()
    {
        var response = await PostAsync("/_apiroutes/api/schedules/run?route=/api/tick");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("executionId").GetString()!;
        Assert.Equal("""{"next_run":"2026-01-01T00:15:00.000Z"}""", (await _server.Probe.NextAsync()).Body);
        await _server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Succeeded);

        _server.FakeTime.Advance(TimeSpan.FromSeconds(1));   // newest first: give the second execution a later time
        var accepted = await _server.Client.PostAsync("/api/chatty?report=daily", null);
        var chattyId = accepted.Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await _server.WaitForExecutionAsync(r => r.Id == chattyId && r.Status == ExecutionStatus.Succeeded);
        var detail = await _server.Client.GetFromJsonAsync<JsonElement>($"/_apiroutes/api/executions/{chattyId}");

        Assert.Equal("succeeded", detail.GetProperty("execution").GetProperty("status").GetString());
        Assert.EndsWith("Working on daily", detail.GetProperty("logLines")[0].GetString(), StringComparison.Ordinal);
        var list = await _server.Client.GetFromJsonAsync<JsonElement>("/_apiroutes/api/executions?limit=10");
        Assert.Equal([chattyId, id], list.EnumerateArray().Select(e => e.GetProperty("id").GetString()));
    }

    // Review 26a F21: a culture's date was read as the invariant culture reads it: 05/06/2027 was 6 May.
    [Theory]
    [InlineData("/_apiroutes/api/schedules/pause?route=/api/tick&until=05/06/2027")]
    [InlineData("/_apiroutes/api/schedules/pause?route=/api/tick&until=06.05.2027")]
    public async Task A_time_that_is_not_iso_8601_is_refused(string path)
    {
        var response = await PostAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("is not a time; write ISO 8601", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    // Review 26a F9: without route, each was the binder's bare 400 with an empty body.
    [Theory]
    [InlineData("run")]
    [InlineData("pause")]
    [InlineData("resume")]
    public async Task A_schedule_action_without_its_route_says_what_is_missing(string action)
    {
        var response = await PostAsync($"/_apiroutes/api/schedules/{action}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(
            $"Bad query: route is required, the scheduled route to {action}: /_apiroutes/api/schedules/{action}?route=/api/cleanup.",
            (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    // Review 26a F8: execution errors and handlers' log lines were answered without no-store: a browser kept them.
    [Theory]
    [InlineData("/_apiroutes/api/routes")]
    [InlineData("/_apiroutes/api/executions")]
    [InlineData("/_apiroutes/api/executions/unknown")]
    [InlineData("/_apiroutes/api/occurrences")]
    public async Task No_answer_of_the_api_is_kept_by_a_browser(string path)
    {
        var response = await _server.Client.GetAsync(path);

        Assert.True(response.Headers.CacheControl?.NoStore, $"{path}: {response.Headers.CacheControl}");
        Assert.Equal(["nosniff"], response.Headers.GetValues("X-Content-Type-Options"));
    }

    [Fact]
    public async Task A_paused_schedule_skips_its_occurrences_until_resumed()
    {
        await _server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T00:15:00");

        Assert.Equal(HttpStatusCode.NoContent, (await PostAsync("/_apiroutes/api/schedules/pause?route=/api/tick")).StatusCode);
        _server.FakeTime.Advance(TimeSpan.FromMinutes(15));
        await _server.WaitForLogAsync("ApiRoutes[3009] Information: Schedule /api/tick is paused; the run at 2026-01-01T00:15:00");
        await _server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T00:30:00");
        Assert.Equal(0, _server.Probe.Count(nameof(Tick)));

        Assert.Equal(HttpStatusCode.NoContent, (await PostAsync("/_apiroutes/api/schedules/resume?route=/api/tick")).StatusCode);
        _server.FakeTime.Advance(TimeSpan.FromMinutes(15));
        await _server.Probe.NextAsync();
    }

    [Fact]
    public async Task A_pause_stored_after_the_scheduler_last_read_the_pauses_still_holds_at_the_claim()
    {
        var store = new StalePausesStore();
        await using var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/tick", typeof(Tick), "*/15 * * * *")),
            services: s => s.AddSingleton<IExecutionStore>(store));
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T00:15:00");

        await store.PauseElsewhereAsync("/api/tick", server.FakeTime.GetUtcNow());
        server.FakeTime.Advance(TimeSpan.FromMinutes(15));

        await server.WaitForLogAsync("ApiRoutes[3009] Information: Schedule /api/tick is paused; the run at 2026-01-01T00:15:00");
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T00:30:00");
        var record = Assert.Single(await store.WaitForOccurrencesAsync("/api/tick"));
        Assert.Equal((OccurrenceOutcome.Paused, "Paused until resumed."), (record.Outcome, record.Detail));
        Assert.Equal(0, server.Probe.Count(nameof(Tick)));
    }

    [Fact]
    public async Task A_pause_the_store_cannot_keep_is_503_and_changes_nothing_and_unreadable_pauses_are_said()
    {
        await using var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/tick", typeof(Tick), "*/15 * * * *")),
            environment: "Development",
            services: s => s.AddSingleton<IExecutionStore>(new PausesUnavailable()));
        using var pause = new HttpRequestMessage(HttpMethod.Post, "/_apiroutes/api/schedules/pause?route=/api/tick") { Headers = { { "X-ApiRoutes-Dashboard", "1" } } };

        var response = await server.Client.SendAsync(pause);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("Nothing changed: the disk is gone", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var routes = await server.Client.GetFromJsonAsync<JsonElement>("/_apiroutes/api/routes");
        Assert.False(routes.EnumerateArray().Single().GetProperty("schedule").GetProperty("paused").GetBoolean());
        await server.WaitForLogAsync("ApiRoutes[3019] Warning: The schedules' pauses cannot be read from the execution store");
    }

    private sealed class PausesUnavailable : ForwardingStore
    {
        public override Task<IReadOnlyList<SchedulePause>> GetPausesAsync(CancellationToken cancellationToken) =>
            throw new ExecutionStoreUnavailableException("the disk is gone");

        public override Task SetPauseAsync(SchedulePause pause, CancellationToken cancellationToken) =>
            throw new ExecutionStoreUnavailableException("the disk is gone");
    }

    [Theory]
    [InlineData("/_apiroutes/api/schedules/run?route=/api/chatty")]     // not a scheduled route
    [InlineData("/_apiroutes/api/schedules/pause?route=/api/nope")]
    public async Task Actions_on_routes_that_are_not_schedules_are_404(string path) =>
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(path)).StatusCode);

    [Fact]
    public async Task An_unknown_execution_is_404() =>
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.GetAsync("/_apiroutes/api/executions/nope")).StatusCode);

    [Fact]
    public async Task The_page_is_served_whole_from_the_runtime_with_no_outside_references()
    {
        var response = await _server.Client.GetAsync("/_apiroutes");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("/_apiroutes/api", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enabled_outside_development_the_api_requires_its_token()
    {
        const string Token = "0123456789abcdef0123456789abcdef-dashboard";
        await using var production = await TestServer.StartAsync(
            Create(StandardRoute("/api/hello/{name}", typeof(Hello))),
            options: o =>
            {
                o.Dashboard.Enabled = true;
                o.Dashboard.Token = Token;
            });
        using var authorized = new HttpRequestMessage(HttpMethod.Get, "/_apiroutes/api/routes");
        authorized.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/_apiroutes/api/routes");
        wrong.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token + "x");

        Assert.Equal(HttpStatusCode.Unauthorized, (await production.Client.GetAsync("/_apiroutes/api/routes")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await production.Client.GetAsync($"/_apiroutes/api/routes?token={Token}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await production.Client.SendAsync(wrong)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await production.Client.SendAsync(authorized)).StatusCode);

        // Review 26a F23: a refused token left no trace, while every other refusal is logged.
        await production.WaitForLogAsync("ApiRoutes[1003] Warning: GET /_apiroutes/api/routes refused with 401: no dashboard token or session, or a wrong one");
        Assert.DoesNotContain(production.Logs, line => line.StartsWith("ApiRoutes[", StringComparison.Ordinal) && line.Contains(Token, StringComparison.Ordinal));   // the query's token above is in ASP.NET Core's own request lines
    }

    // Review 25b F15: a token from a secret file ends in a newline; no request could ever authenticate.
    [Fact]
    public async Task A_configured_token_ending_in_a_newline_is_the_token()
    {
        const string Token = "0123456789abcdef0123456789abcdef-dashboard";
        await using var production = await TestServer.StartAsync(
            Create(StandardRoute("/api/hello/{name}", typeof(Hello))),
            options: o =>
            {
                o.Dashboard.Enabled = true;
                o.Dashboard.Token = Token + "\n";
            });
        using var authorized = new HttpRequestMessage(HttpMethod.Get, "/_apiroutes/api/routes");
        authorized.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);

        Assert.Equal(HttpStatusCode.OK, (await production.Client.SendAsync(authorized)).StatusCode);
    }

    // Review 26a F15: cookies go to every port of a host; two apps there, each with its token, overwrote each other's
    // session under one fixed name. Each token's session has a name of its own, and only its app accepts it.
    [Fact]
    public async Task Two_apps_on_one_host_keep_their_sessions_apart()
    {
        await using var first = await TestServer.StartWithDashboardAsync("0123456789abcdef0123456789abcdef-first");
        await using var second = await TestServer.StartWithDashboardAsync("0123456789abcdef0123456789abcdef-second");

        var firstCookie = await SessionCookieAsync(first, "0123456789abcdef0123456789abcdef-first");
        var secondCookie = await SessionCookieAsync(second, "0123456789abcdef0123456789abcdef-second");

        Assert.StartsWith("apiroutes_dashboard_", firstCookie, StringComparison.Ordinal);
        Assert.NotEqual(firstCookie.Split('=')[0], secondCookie.Split('=')[0]);
        Assert.Equal(firstCookie.Split('=')[0], (await SessionCookieAsync(first, "0123456789abcdef0123456789abcdef-first")).Split('=')[0]);
        foreach (var (server, cookies, expected) in new[]
        {
            (first, $"{secondCookie}; {firstCookie}", HttpStatusCode.OK), (second, $"{firstCookie}; {secondCookie}", HttpStatusCode.OK),
            (first, secondCookie, HttpStatusCode.Unauthorized), (second, firstCookie, HttpStatusCode.Unauthorized),
        })
        {
            // A client of its own, without the cookies the server's client keeps.
            using var client = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = server.Client.BaseAddress };
            using var request = new HttpRequestMessage(HttpMethod.Get, "/_apiroutes/api/routes") { Headers = { { "Cookie", cookies } } };
            Assert.Equal(expected, (await client.SendAsync(request)).StatusCode);
        }
    }

    private static async Task<string> SessionCookieAsync(TestServer server, string token)
    {
        using var session = await server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/_apiroutes/api/session")
        {
            Headers = { { "X-ApiRoutes-Dashboard", "1" } },
            Content = new StringContent($$"""{"token":"{{token}}"}""", System.Text.Encoding.UTF8, "application/json"),
        });
        return session.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
    }

    [Fact]
    public async Task A_token_set_in_development_is_required_there_too()
    {
        // The second review's case: nginx's default proxy_pass sends no forwarding header, so only a token tells.
        const string Token = "0123456789abcdef0123456789abcdef-dashboard";
        await using var development = await TestServer.StartAsync(
            Create(StandardRoute("/api/hello/{name}", typeof(Hello))),
            environment: "Development",
            options: o => o.Dashboard.Token = Token);
        using var authorized = new HttpRequestMessage(HttpMethod.Get, "/_apiroutes/api/routes");
        authorized.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);

        Assert.Equal(HttpStatusCode.Unauthorized, (await development.Client.GetAsync("/_apiroutes/api/routes")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await development.Client.SendAsync(authorized)).StatusCode);
    }

    [Fact]
    public async Task Enabled_outside_development_without_a_token_does_not_start()
    {
        var error = await Assert.ThrowsAsync<ApiRoutesStartupException>(() => TestServer.StartAsync(
            Create(StandardRoute("/api/hello/{name}", typeof(Hello))),
            options: o => o.Dashboard.Enabled = true));

        Assert.StartsWith("ApiRoutes:Dashboard:Enabled is set outside Development, so ApiRoutes:Dashboard:Token must be set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_api_does_not_exist_in_production()
    {
        await using var production = await TestServer.StartAsync(Create(StandardRoute("/api/hello/{name}", typeof(Hello))));

        Assert.Equal(HttpStatusCode.NotFound, (await production.Client.GetAsync("/_apiroutes/api/routes")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await production.Client.GetAsync("/_apiroutes")).StatusCode);
    }

    private Task<HttpResponseMessage> PostAsync(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Add("X-ApiRoutes-Dashboard", "1");
        return _server.Client.SendAsync(request);
    }
}
