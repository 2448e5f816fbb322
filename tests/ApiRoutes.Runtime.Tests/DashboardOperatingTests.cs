using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// The dashboard's API for operating, over real HTTP on a fake clock at 2026-01-01T00:00:00Z: the error of a run
/// waiting for its retry, filters and pages, replays, timed pauses and the occurrence records.
/// </summary>
public sealed class DashboardOperatingTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(
        Create(
            BackgroundRoute("/api/flaky", typeof(Flaky)),
            BackgroundRoute("/api/chatty", typeof(Chatty)),
            ScheduledRoute("/api/tick", typeof(Tick), "*/15 * * * *")),
        environment: "Development",
        options: o =>
        {
            o.Scheduling.Enabled = true;
            o.Background.RetryDelays = [TimeSpan.FromMinutes(1)];
        });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task An_execution_waiting_for_its_retry_shows_the_error_of_the_attempt_before_and_when_the_retry_is_due()
    {
        var id = (await _server.Client.PostAsync("/api/flaky", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await _server.WaitForExecutionAsync(r => r.Id == id && r is { Status: ExecutionStatus.Queued, Attempt: 2 });

        var listed = (await GetAsync("/_apiroutes/api/executions?status=queued")).EnumerateArray().Single();
        var detail = (await GetAsync($"/_apiroutes/api/executions/{id}")).GetProperty("execution");

        Assert.True(listed.GetProperty("waitingForRetry").GetBoolean());
        Assert.Equal(_server.FakeTime.GetUtcNow().AddMinutes(1), detail.GetProperty("retryAt").GetDateTimeOffset());   // failed at once, on the fake clock
        Assert.Contains("InvalidOperationException: attempt 1 failed", listed.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("InvalidOperationException: attempt 1 failed", detail.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Executions_are_filtered_by_route_status_and_time_and_paged_with_a_cursor()
    {
        var store = _server.Services.GetRequiredService<IExecutionStore>();
        var start = _server.FakeTime.GetUtcNow();
        for (var i = 0; i < 30; i++)
        {
            await store.UpdateAsync(new ExecutionRecord
            {
                Id = $"e{i:D2}",
                Route = i % 2 == 0 ? "/api/flaky" : "/api/chatty",
                Kind = "background",
                Status = i % 3 == 0 ? ExecutionStatus.Failed : ExecutionStatus.Succeeded,
                AcceptedAt = start.AddMinutes(-i),
                FinishedAt = start.AddMinutes(-i),
            }, default);
        }

        Assert.Equal(["e00", "e06", "e12"], Ids(await GetAsync("/_apiroutes/api/executions?route=/api/flaky&status=failed&since=2025-12-31T23:45:00Z")));
        Assert.Equal(["e27"], Ids(await GetAsync("/_apiroutes/api/executions?route=/api/chatty&status=failed&until=2025-12-31T23:34:00Z")));

        var pages = new List<string>();
        var next = "/_apiroutes/api/executions?route=/api/flaky&limit=4";
        for (var page = 0; page < 10 && next is not null; page++)
        {
            var response = await _server.Client.GetAsync(next);
            pages.AddRange(Ids(await response.Content.ReadFromJsonAsync<JsonElement>()));
            next = response.Headers.TryGetValues("X-ApiRoutes-Next-Cursor", out var cursor) ? $"/_apiroutes/api/executions?route=/api/flaky&limit=4&cursor={cursor.Single()}" : null;
        }

        Assert.Equal(Enumerable.Range(0, 15).Select(i => $"e{i * 2:D2}"), pages);
    }

    [Theory]
    [InlineData("status=broken", "status 'broken' is not one of queued, running, succeeded, failed, timed_out")]
    [InlineData("since=yesterday", "since 'yesterday' is not a time; write ISO 8601")]
    [InlineData("limit=0&until=x", "limit '0' is not a whole number from 1 to 1000")]
    [InlineData("cursor=abc", "cursor 'abc' is not one this API handed out")]
    public async Task A_filter_that_does_not_parse_is_a_400_that_says_what_is_allowed(string query, string error)
    {
        var response = await _server.Client.GetAsync($"/_apiroutes/api/executions?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(error, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    // Review 25d F2: 'apiroutes runs /api/nope' (a typo, or a standard route) said "no occurrences are recorded (a new
    // schedule…)" and exited 0: the API answered 200 [] for any route.
    [Theory]
    [InlineData("/api/tik")]
    [InlineData("/api/flaky")]
    public async Task Occurrences_of_a_route_that_is_no_scheduled_route_are_a_400_naming_the_scheduled_routes(string route)
    {
        var response = await _server.Client.GetAsync($"/_apiroutes/api/occurrences?route={route}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(
            $"route '{route}' is no scheduled route of this app, and no occurrence of it is recorded; its scheduled routes are /api/tick.",
            (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.OK, (await _server.Client.GetAsync("/_apiroutes/api/occurrences?route=/api/tick")).StatusCode);
    }

    [Fact]
    public async Task A_failed_execution_is_replayed_as_a_new_execution_with_its_request_and_linked_to_it()
    {
        var failed = await FailAsync("""{"order":42}""");

        var response = await PostAsync($"/_apiroutes/api/executions/{failed}/replay");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var replay = body.GetProperty("executionId").GetString()!;
        Assert.Equal(failed, body.GetProperty("replayOf").GetString());
        // It runs as a new request would: it fails again, and waits for its own retry.
        var record = await _server.WaitForExecutionAsync(r => r.Id == replay && r is { Status: ExecutionStatus.Queued, Attempt: 2 });
        Assert.Equal(failed, record.ReplayOf);
        Assert.Equal(Enumerable.Repeat("""{"order":42}""", 3), _server.Probe.All.Where(i => i.Handler == nameof(Flaky)).Select(i => i.Body));
        Assert.Equal(failed, (await GetAsync($"/_apiroutes/api/executions/{replay}")).GetProperty("execution").GetProperty("replayOf").GetString());
        Assert.Equal(ExecutionStatus.Failed, _server.Executions.Find(failed)!.Status);   // the old one stays as it was
        await _server.WaitForLogAsync($"ApiRoutes[2022] Information: Execution {replay} of /api/flaky accepted as a replay of {failed}");
    }

    [Fact]
    public async Task Only_failed_executions_are_replayed_and_a_replay_needs_the_dashboard_header()
    {
        var accepted = await _server.Client.PostAsync("/api/chatty", null);
        var succeeded = accepted.Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await _server.WaitForExecutionAsync(r => r.Id == succeeded && r.Status == ExecutionStatus.Succeeded);
        var failed = await FailAsync("{}");

        var notFailed = await PostAsync($"/_apiroutes/api/executions/{succeeded}/replay");
        var unknown = await PostAsync("/_apiroutes/api/executions/nope/replay");
        var crossSite = await _server.Client.PostAsync($"/_apiroutes/api/executions/{failed}/replay", null);

        Assert.Equal(HttpStatusCode.Conflict, notFailed.StatusCode);
        Assert.Contains("is succeeded; only failed and timed-out executions are replayed", await notFailed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, crossSite.StatusCode);
        Assert.Equal(2, _server.Probe.Count(nameof(Flaky)));   // its two attempts, no replay
    }

    [Fact]
    public async Task All_failed_executions_of_a_route_since_a_time_are_replayed_once()
    {
        var first = await FailAsync("""{"n":1}""");
        _server.FakeTime.Advance(TimeSpan.FromSeconds(1));
        var second = await FailAsync("""{"n":2}""");

        var response = await PostAsync("/_apiroutes/api/executions/replay?route=/api/flaky&since=2026-01-01T00:00:00Z");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([first, second], body.GetProperty("replayed").EnumerateArray().Select(r => r.GetProperty("replayOf").GetString()));
        foreach (var replay in body.GetProperty("replayed").EnumerateArray())
        {
            var id = replay.GetProperty("executionId").GetString();
            await _server.WaitForExecutionAsync(r => r.Id == id && r is { Status: ExecutionStatus.Queued, Attempt: 2 });
        }

        // Replayed already: a second call does not replay them again.
        var again = await (await PostAsync("/_apiroutes/api/executions/replay?route=/api/flaky&since=2026-01-01T00:00:00Z")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(0, again.GetProperty("replayed").GetArrayLength());
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync("/_apiroutes/api/executions/replay?route=/api/flaky")).StatusCode);
    }

    [Fact]
    public async Task A_failure_is_replayed_once_however_many_calls_ask_at_the_same_time()
    {
        // The review's reproduction: three clicks on Replay at once gave three replays; two bulk calls replayed all twice.
        var single = await FailAsync("""{"n":1}""");
        _server.FakeTime.Advance(TimeSpan.FromSeconds(1));
        var bulkOne = await FailAsync("""{"n":2}""");
        var bulkTwo = await FailAsync("""{"n":3}""");
        var attemptsBefore = _server.Probe.Count(nameof(Flaky));
        var since = _server.Executions.Find(bulkOne)!.AcceptedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture);

        var singles = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => PostAsync($"/_apiroutes/api/executions/{single}/replay")));
        var bulks = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => PostAsync($"/_apiroutes/api/executions/replay?route=/api/flaky&since={Uri.EscapeDataString(since)}")));

        var accepted = Assert.Single(singles, response => response.StatusCode == HttpStatusCode.Accepted);
        var replay = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("executionId").GetString();
        Assert.All(singles.Where(response => response != accepted), response => Assert.Equal(HttpStatusCode.Conflict, response.StatusCode));
        var refused = (await singles.First(response => response != accepted).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString();
        Assert.StartsWith($"Execution {single} was replayed already, as {replay} (", refused, StringComparison.Ordinal);
        var replayedByBulk = new List<(string? Of, string? Id)>();
        foreach (var bulk in bulks)
        {
            replayedByBulk.AddRange((await bulk.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("replayed").EnumerateArray()
                .Select(r => (r.GetProperty("replayOf").GetString(), r.GetProperty("executionId").GetString())));
        }

        Assert.Equal([bulkOne, bulkTwo], replayedByBulk.Select(r => r.Of).Order(StringComparer.Ordinal));
        foreach (var id in replayedByBulk.Select(r => r.Id).Append(replay))
        {
            // Each replay ran once, failed, and waits for its retry on the fake clock.
            await _server.WaitForExecutionAsync(r => r.Id == id && r is { Status: ExecutionStatus.Queued, Attempt: 2 });
        }

        Assert.Equal(3, _server.Executions.Snapshot().Count(r => r.ReplayOf is not null));
        Assert.Equal(attemptsBefore + 3, _server.Probe.Count(nameof(Flaky)));
    }

    [Fact]
    public async Task A_timed_pause_skips_occurrences_until_its_end_then_the_schedule_runs_by_itself_and_each_is_recorded()
    {
        await _server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T00:15:00");

        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync("/_apiroutes/api/schedules/pause?route=/api/tick&until=2025-12-31T00:00:00Z")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await PostAsync("/_apiroutes/api/schedules/pause?route=/api/tick&until=2026-01-01T00:20:00Z")).StatusCode);
        var schedule = (await GetAsync("/_apiroutes/api/routes")).EnumerateArray().Single(r => r.GetProperty("route").GetString() == "/api/tick").GetProperty("schedule");
        Assert.Equal((true, "2026-01-01T00:20:00+00:00"), (schedule.GetProperty("paused").GetBoolean(), schedule.GetProperty("pausedUntil").GetString()));

        _server.FakeTime.Advance(TimeSpan.FromMinutes(15));
        await _server.WaitForLogAsync("ApiRoutes[3009] Information: Schedule /api/tick is paused; the run at 2026-01-01T00:15:00");
        await _server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T00:30:00");
        _server.FakeTime.Advance(TimeSpan.FromMinutes(15));
        await _server.Probe.NextAsync();

        var occurrences = await WaitForOccurrencesAsync(2);
        Assert.Equal(
            [("2026-01-01T00:30:00.000Z", "ran"), ("2026-01-01T00:15:00.000Z", "paused")],
            occurrences.Select(o => (o.GetProperty("occurrence").GetString(), o.GetProperty("outcome").GetString())));
        Assert.Equal("Paused until 2026-01-01T00:20:00.0000000+00:00.", occurrences[1].GetProperty("detail").GetString());
        Assert.False((await GetAsync("/_apiroutes/api/routes")).EnumerateArray().Single(r => r.GetProperty("route").GetString() == "/api/tick").GetProperty("schedule").GetProperty("paused").GetBoolean());
        await _server.WaitForLogAsync("ApiRoutes[3014] Information: Schedule /api/tick paused from the dashboard until 2026-01-01T00:20:00");
    }

    [Fact]
    public async Task A_pause_made_on_another_replica_or_before_a_restart_is_followed_by_this_ones_scheduler_and_dashboard()
    {
        await _server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T00:15:00");

        // Written to the shared store by another replica's dashboard (or by this app before it restarted).
        var store = _server.Services.GetRequiredService<IExecutionStore>();
        await store.SetPauseAsync(new SchedulePause("/api/tick", null, _server.FakeTime.GetUtcNow()), default);
        var schedule = (await GetAsync("/_apiroutes/api/routes")).EnumerateArray().Single(r => r.GetProperty("route").GetString() == "/api/tick").GetProperty("schedule");
        Assert.True(schedule.GetProperty("paused").GetBoolean());

        _server.FakeTime.Advance(TimeSpan.FromMinutes(15));
        await _server.WaitForLogAsync("ApiRoutes[3009] Information: Schedule /api/tick is paused; the run at 2026-01-01T00:15:00");
        await _server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T00:30:00");

        // Resumed here: the pause ends now, kept in the store as the record of what came while it held (review 31a F5),
        // and the next occurrence runs.
        Assert.Equal(HttpStatusCode.NoContent, (await PostAsync("/_apiroutes/api/schedules/resume?route=/api/tick")).StatusCode);
        var ended = Assert.Single(await store.GetPausesAsync(default));
        Assert.Equal(_server.FakeTime.GetUtcNow(), ended.Until);
        Assert.False(ended.HoldsAt(_server.FakeTime.GetUtcNow()));
        _server.FakeTime.Advance(TimeSpan.FromMinutes(15));
        await _server.Probe.NextAsync();

        Assert.Equal(
            [("2026-01-01T00:30:00.000Z", "ran"), ("2026-01-01T00:15:00.000Z", "paused")],
            (await WaitForOccurrencesAsync(2)).Select(o => (o.GetProperty("occurrence").GetString(), o.GetProperty("outcome").GetString())));
        Assert.Equal(1, _server.Probe.Count(nameof(Tick)));
    }

    [Fact]
    public async Task Outside_development_occurrences_and_replays_need_the_token_like_every_call_of_the_api()
    {
        const string Token = "0123456789abcdef0123456789abcdef-dashboard";
        await using var production = await TestServer.StartWithDashboardAsync(Token);
        HttpRequestMessage Request(HttpMethod method, string path, bool withToken)
        {
            var request = new HttpRequestMessage(method, path);
            request.Headers.Add("X-ApiRoutes-Dashboard", "1");
            if (withToken)
            {
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
            }

            return request;
        }

        foreach (var (method, path) in new[]
        {
            (HttpMethod.Get, "/_apiroutes/api/occurrences?route=/api/tick"),
            (HttpMethod.Post, "/_apiroutes/api/executions/some-id/replay"),
            (HttpMethod.Post, "/_apiroutes/api/executions/replay?route=/api/tick&since=2026-01-01T00:00:00Z"),
            (HttpMethod.Post, "/_apiroutes/api/schedules/pause?route=/api/tick&until=2026-01-02T00:00:00Z"),
        })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await production.Client.SendAsync(Request(method, path, withToken: false))).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await production.Client.SendAsync(Request(HttpMethod.Get, "/_apiroutes/api/occurrences?route=/api/tick", withToken: true))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await production.Client.SendAsync(Request(HttpMethod.Post, "/_apiroutes/api/executions/some-id/replay", withToken: true))).StatusCode);
    }

    private async Task<List<JsonElement>> WaitForOccurrencesAsync(int count)
    {
        var deadline = DateTime.UtcNow + Probe.Patience;
        List<JsonElement> occurrences;
        while ((occurrences = [.. (await GetAsync("/_apiroutes/api/occurrences?route=/api/tick")).EnumerateArray()]).Count < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        return occurrences;
    }

    // A background execution of /api/flaky that failed (no retries left after the one it gets: the retry is let run).
    private async Task<string> FailAsync(string body)
    {
        var response = await _server.Client.PostAsync("/api/flaky", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        var id = response.Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await _server.WaitForExecutionAsync(r => r.Id == id && r is { Status: ExecutionStatus.Queued, Attempt: 2 });
        await _server.WaitForLogAsync($"ApiRoutes[2006] Warning: Execution {id} of /api/flaky will be retried");
        _server.FakeTime.Advance(TimeSpan.FromMinutes(1));
        await _server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Failed);
        return id;
    }

    private async Task<JsonElement> GetAsync(string path) => await _server.Client.GetFromJsonAsync<JsonElement>(path);

    private static List<string> Ids(JsonElement list) => [.. list.EnumerateArray().Select(e => e.GetProperty("id").GetString()!)];

    private Task<HttpResponseMessage> PostAsync(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Add("X-ApiRoutes-Dashboard", "1");
        return _server.Client.SendAsync(request);
    }
}
