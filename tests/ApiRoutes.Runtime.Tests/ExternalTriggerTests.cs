using System.Globalization;
using System.Net;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Execution;
using ApiRoutes.Scheduling;
using ApiRoutes.Storage;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>Externally driven schedules: the signed trigger endpoint, on a fake clock at 2026-01-01T00:00:00Z.</summary>
public sealed class ExternalTriggerTests : IAsyncLifetime
{
    private const string Secret = "0123456789abcdef0123456789abcdef-test-secret";
    private const string Occurrence = "2026-01-01T00:00:00Z";

    private TestServer _server = null!;

    private string Now => _server.FakeTime.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/tick", typeof(Tick), "@hourly"), StandardRoute("/api/hello/{name}", typeof(Hello))),
            options: o =>
            {
                o.Scheduling.Enabled = false;
                o.Scheduling.ExternalTriggerSecret = Secret;
            });

        // The app has been up a while: triggers signed minutes ago were signed after it started.
        _server.FakeTime.Advance(TimeSpan.FromMinutes(10));
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_signed_trigger_runs_the_occurrence_as_the_scheduler_would()
    {
        var response = await SendAsync("/api/tick", Occurrence, Now);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = response.Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        var run = await _server.Probe.NextAsync();
        Assert.Equal(("POST", """{"next_run":"2026-01-01T01:00:00.000Z"}"""), (run.Method, run.Body));
        var record = await _server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Succeeded);
        Assert.Equal(DateTimeOffset.Parse(Occurrence, CultureInfo.InvariantCulture), record.Occurrence);
    }

    [Fact]
    public async Task A_replayed_or_re_signed_occurrence_is_refused()
    {
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync("/api/tick", Occurrence, Now)).StatusCode);

        var replay = await SendAsync("/api/tick", Occurrence, Now);
        _server.FakeTime.Advance(TimeSpan.FromSeconds(30));
        var reSigned = await SendAsync("/api/tick", Occurrence, Now);

        Assert.Equal((HttpStatusCode.Conflict, HttpStatusCode.Conflict), (replay.StatusCode, reSigned.StatusCode));
        await _server.WaitForExecutionAsync(r => r.Status == ExecutionStatus.Succeeded);
        Assert.Equal(1, _server.Probe.Count(nameof(Tick)));
    }

    [Fact]
    public async Task A_replay_while_the_occurrences_own_run_goes_is_refused_as_a_replay_and_not_recorded_as_skipped()
    {
        // Review 28c F7: the replay was taken for the next occurrence meeting a run still going: 409 "the previous run
        // is still going", and the same occurrence recorded both ran and skipped.
        _server.Services.GetRequiredService<TickOptions>().Block = true;
        var first = await SendAsync("/api/tick", Occurrence, Now);
        var id = first.Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await _server.Probe.NextAsync();

        var replay = await SendAsync("/api/tick", Occurrence, Now);
        var answer = await replay.Content.ReadAsStringAsync();
        _server.Probe.Open("tick");
        await _server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Succeeded);

        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        Assert.Contains($"already been claimed: it runs as {id}", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("previous run", answer, StringComparison.Ordinal);
        // The in-memory store has written each record before the call that made it returned.
        var records = await _server.Services.GetRequiredService<IExecutionStore>().GetOccurrencesAsync(new OccurrenceQuery("/api/tick", Limit: 10), default);
        Assert.Equal(
            [(OccurrenceOutcome.Refused, (string?)null), (OccurrenceOutcome.Ran, id)],
            records.OrderBy(r => r.Outcome == OccurrenceOutcome.Ran).Select(r => (r.Outcome, r.ExecutionId)));
        Assert.Equal(1, _server.Probe.Count(nameof(Tick)));
    }

    [Fact]
    public async Task A_replay_that_meets_the_first_trigger_while_its_claim_is_written_gets_what_that_claim_decides_and_is_not_told_of_a_run_that_never_was()
    {
        // Review 29a's race: the replay found the occurrence's slot taken and answered "it runs as <id>" at once, while
        // that first trigger's claim was still being written; the claim then failed (503), the slot was freed, and the
        // run the replay named never ran, nor did the occurrence.
        var store = new ClaimsHeld();
        var (server, first, replay) = await StartTwoTriggersAsync(store);
        await using var _ = server;
        store.Release.SetException(new ExecutionStoreUnavailableException("The execution store 'test' cannot be written: database or disk is full"));

        var (refused, ran) = (await first.WaitAsync(Probe.Patience), await replay.WaitAsync(Probe.Patience));
        Assert.Equal((null, true), (refused.ExecutionId, refused.StoreUnavailable));
        Assert.True(ran.ExecutionId is not null, ran.Refusal);
        await server.WaitForExecutionAsync(r => r.Id == ran.ExecutionId && r.Status == ExecutionStatus.Succeeded);
        Assert.Equal(1, server.Probe.Count(nameof(Tick)));
    }

    [Fact]
    public async Task A_replay_that_meets_the_first_trigger_while_another_process_has_the_claim_is_refused_as_claimed_elsewhere()
    {
        var store = new ClaimsHeld();
        var occurrence = DateTimeOffset.Parse(Occurrence, CultureInfo.InvariantCulture);
        Assert.True((await store.ClaimOccurrenceAsync("/api/tick", occurrence, "other-process", default)).Claimed);
        var (server, first, replay) = await StartTwoTriggersAsync(store);
        await using var _ = server;
        store.Release.SetResult();

        var answers = await Task.WhenAll(first, replay).WaitAsync(Probe.Patience);
        Assert.All(answers, answer => Assert.Equal(
            (null, $"The occurrence {occurrence:O} of /api/tick has already been claimed (it ran before, or runs in another replica or process)."),
            (answer.ExecutionId, answer.Refusal)));
        Assert.Equal(0, server.Probe.Count(nameof(Tick)));
    }

    [Fact]
    public async Task A_trigger_of_a_paused_schedule_is_skipped_and_recorded_as_paused_and_runs_once_resumed()
    {
        // Paused in the shared store, as the dashboard of any replica does.
        var store = _server.Services.GetRequiredService<IExecutionStore>();
        await store.SetPauseAsync(new SchedulePause("/api/tick", null, _server.FakeTime.GetUtcNow()), default);

        var skipped = await SendAsync("/api/tick", Occurrence, Now);

        Assert.Equal(HttpStatusCode.Conflict, skipped.StatusCode);
        Assert.Equal("/api/tick is paused from the dashboard until resumed; the run of 2026-01-01T00:00:00.000Z is skipped.", await skipped.Content.ReadAsStringAsync());
        var deadline = DateTime.UtcNow + Probe.Patience;
        IReadOnlyList<OccurrenceRecord> records;
        while ((records = await store.GetOccurrencesAsync(new OccurrenceQuery("/api/tick"), default)).Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.Equal((OccurrenceOutcome.Paused, "Paused until resumed."), (Assert.Single(records).Outcome, records[0].Detail));
        Assert.Equal(0, _server.Probe.Count(nameof(Tick)));

        // Not claimed while paused: once resumed, the platform's next try of the same occurrence runs it.
        await store.EndPausesAsync("/api/tick", _server.FakeTime.GetUtcNow(), default);
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync("/api/tick", Occurrence, Now)).StatusCode);
        await _server.Probe.NextAsync();
    }

    [Fact]
    public async Task A_late_trigger_of_an_occurrence_that_came_while_a_timed_pause_held_is_skipped_after_the_pause_ended()
    {
        // Review 30d F5: the pause was judged at the trigger's time only; the occurrence at 00:00 came under a pause
        // from 23:59 until 00:05, and its trigger, sent at 00:10, ran it.
        var start = DateTimeOffset.Parse(Occurrence, CultureInfo.InvariantCulture);
        await _server.Services.GetRequiredService<IExecutionStore>().SetPauseAsync(new SchedulePause("/api/tick", start.AddMinutes(5), start.AddMinutes(-1)), default);

        var late = await SendAsync("/api/tick", Occurrence, Now);

        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Equal(
            "/api/tick is paused from the dashboard until 2026-01-01T00:05:00.0000000+00:00; the run of 2026-01-01T00:00:00.000Z is skipped.",
            await late.Content.ReadAsStringAsync());
        Assert.Equal(0, _server.Probe.Count(nameof(Tick)));
    }

    [Fact]
    public async Task A_trigger_of_a_schedule_paused_after_this_replica_last_read_the_pauses_is_skipped_by_the_claim()
    {
        var store = new StalePausesStore();
        await using var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/tick", typeof(Tick), "@hourly")),
            options: o =>
            {
                o.Scheduling.Enabled = false;
                o.Scheduling.ExternalTriggerSecret = Secret;
            },
            services: s => s.AddSingleton<IExecutionStore>(store));
        server.FakeTime.Advance(TimeSpan.FromMinutes(10));
        await store.PauseElsewhereAsync("/api/tick", server.FakeTime.GetUtcNow());

        var skipped = await SendAsync(server, "/api/tick", Occurrence, server.FakeTime.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));

        Assert.Equal(HttpStatusCode.Conflict, skipped.StatusCode);
        Assert.Equal("/api/tick is paused from the dashboard until resumed; the run of 2026-01-01T00:00:00.000Z is skipped.", await skipped.Content.ReadAsStringAsync());
        var record = Assert.Single(await store.WaitForOccurrencesAsync("/api/tick"));
        Assert.Equal((OccurrenceOutcome.Paused, "Paused until resumed."), (record.Outcome, record.Detail));
        Assert.Equal(0, server.Probe.Count(nameof(Tick)));
    }

    [Theory]
    // no signature at all
    [InlineData(null, 0, HttpStatusCode.Unauthorized)]
    // signed with another secret
    [InlineData("another-secret-another-secret-another-secret", 0, HttpStatusCode.Unauthorized)]
    // a timestamp six minutes old, or ahead: stale
    [InlineData(Secret, -360, HttpStatusCode.Unauthorized)]
    [InlineData(Secret, 360, HttpStatusCode.Unauthorized)]
    // four minutes: within the tolerance
    [InlineData(Secret, -240, HttpStatusCode.Accepted)]
    public async Task Missing_wrong_and_stale_signatures_are_refused(string? secret, int skewSeconds, HttpStatusCode expected)
    {
        var timestamp = (_server.FakeTime.GetUtcNow().ToUnixTimeSeconds() + skewSeconds).ToString(CultureInfo.InvariantCulture);

        var response = await SendAsync("/api/tick", Occurrence, timestamp, secret);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(expected == HttpStatusCode.Accepted ? 1 : 0, _server.Executions.Snapshot().Count);
    }

    [Fact]
    public async Task Refusals_of_unsigned_requests_write_at_most_one_line_a_second_with_how_many_more_there_were()
    {
        // Review 33a F4: anyone who could reach the app wrote a Warning line per request, at request rate.
        var timestamp = _server.FakeTime.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        for (var i = 0; i < 50; i++)
        {
            using var response = await SendAsync("/api/tick", Occurrence, timestamp, signature: "sha256=00");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        _server.FakeTime.Advance(TimeSpan.FromSeconds(1));
        using (var last = await SendAsync("/api/tick", Occurrence, timestamp, secret: null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, last.StatusCode);
        }

        Assert.Equal(
            [
                "ApiRoutes[3007] Warning: External schedule trigger refused with 401: The signature does not match. (0 more refused since the last such line; at most one a second is written)",
                "ApiRoutes[3007] Warning: External schedule trigger refused with 401: The X-ApiRoutes-Route, X-ApiRoutes-Occurrence, X-ApiRoutes-Timestamp and X-ApiRoutes-Signature headers are required. (49 more refused since the last such line; at most one a second is written)",
            ],
            _server.Logs.Where(line => line.StartsWith("ApiRoutes[3007]", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task With_a_store_that_forgets_at_restart_a_request_its_previous_process_could_have_run_is_refused()
    {
        await using var restarted = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/tick", typeof(Tick), "@hourly")),
            options: o => o.Scheduling.ExternalTriggerSecret = Secret);
        var startedAt = restarted.FakeTime.GetUtcNow().ToUnixTimeSeconds();

        // Within the tolerance, but perhaps a replay of what the previous process ran: signed before the start, or
        // within the skew after it (the previous process accepted timestamps up to 30 s ahead of its clock).
        var before = await restarted.Client.SendAsync(Signed(startedAt - 60));
        var withinSkew = await restarted.Client.SendAsync(Signed(startedAt + 30));
        restarted.FakeTime.Advance(TimeSpan.FromSeconds(31));
        var ahead = await restarted.Client.SendAsync(Signed(startedAt + 31 + 31));
        var reSigned = await restarted.Client.SendAsync(Signed(startedAt + 31));

        Assert.Equal(
            [HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Accepted],
            new[] { before, withinSkew, ahead, reSigned }.Select(response => response.StatusCode));
        Assert.Contains(restarted.Logs, line => line.StartsWith("ApiRoutes[3007]", StringComparison.Ordinal) && line.Contains("With the InMemory store", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_trigger_whose_claim_cannot_be_written_is_503_and_does_not_run()
    {
        await using var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/tick", typeof(Tick), "@hourly")),
            options: o => o.Scheduling.ExternalTriggerSecret = Secret,
            services: s => s.AddSingleton<IExecutionStore>(new UnclaimableStore()));
        server.FakeTime.Advance(TimeSpan.FromMinutes(1));
        var now = server.FakeTime.GetUtcNow().ToUnixTimeSeconds();

        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 3; i++)
        {
            responses.Add(await server.Client.SendAsync(Signed(now)));
        }

        Assert.All(responses, response => Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode));
        Assert.NotNull(responses[0].Headers.RetryAfter);
        Assert.Equal(0, server.Probe.Count(nameof(Tick)));
        Assert.Empty(server.Executions.Snapshot());
    }

    [Fact]
    public async Task An_occurrence_older_than_the_record_of_runs_is_kept_is_refused()
    {
        var old = _server.FakeTime.GetUtcNow().AddDays(-7).ToString("yyyy-MM-ddTHH:00:00Z", CultureInfo.InvariantCulture);

        var response = await SendAsync("/api/tick", old, Now);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("older than the app keeps the record of what ran", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    // Review 24b F2: an occurrence ahead of the clock ran at once (and the real one, when it came, was refused as a
    // replay), and once its claim was pruned, by when it was claimed, the same occurrence ran again.
    [Theory]
    [InlineData("2026-01-01T01:00:00Z", 0, HttpStatusCode.BadRequest)]         // 50 minutes ahead
    [InlineData("2027-01-01T00:00:00Z", 0, HttpStatusCode.BadRequest)]         // a year ahead
    [InlineData("2026-01-01T01:00:00Z", 46, HttpStatusCode.Accepted)]          // 4 minutes ahead: within the tolerance (5)
    [InlineData("2026-01-01T01:00:00Z", 50, HttpStatusCode.Accepted)]          // due now
    public async Task An_occurrence_ahead_of_the_clock_by_more_than_the_tolerance_is_refused(string occurrence, int minutesLater, HttpStatusCode expected)
    {
        _server.FakeTime.Advance(TimeSpan.FromMinutes(minutesLater));

        var response = await SendAsync("/api/tick", occurrence, Now);

        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.BadRequest)
        {
            Assert.Contains($"The occurrence {occurrence} has not come yet: it is more than the tolerance (00:05:00) ahead of the server's clock", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(0, _server.Probe.Count(nameof(Tick)));
        }
    }

    [Fact]
    public async Task Changing_any_signed_value_breaks_the_signature()
    {
        var timestamp = Now;
        var signature = TriggerSignature.Compute(Secret, "/api/tick", Occurrence, timestamp);

        var response = await SendAsync("/api/tick", "2026-01-01T01:00:00Z", timestamp, signature: signature);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("/api/hello/{name}", Occurrence, HttpStatusCode.NotFound)]     // not a scheduled route
    [InlineData("/api/nope", Occurrence, HttpStatusCode.NotFound)]
    [InlineData("/api/tick", "2026-01-01T00:30:00Z", HttpStatusCode.BadRequest)]  // not an occurrence of @hourly
    [InlineData("/api/tick", "yesterday", HttpStatusCode.BadRequest)]
    public async Task Only_real_occurrences_of_scheduled_routes_run(string route, string occurrence, HttpStatusCode expected) =>
        Assert.Equal(expected, (await SendAsync(route, occurrence, Now)).StatusCode);

    // A server on the store whose first claim is held, and two signed triggers of the same occurrence: the second has met
    // the slot the first took (its claim held) when the call that starts it returns.
    private static async Task<(TestServer Server, Task<ScheduledStart> First, Task<ScheduledStart> Replay)> StartTwoTriggersAsync(ClaimsHeld store)
    {
        var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/tick", typeof(Tick), "@hourly")),
            options: o => o.Scheduling.Enabled = false,
            services: s => s.AddSingleton<IExecutionStore>(store));
        var route = server.Services.GetRequiredService<ApiRoutes.ManifestLoading.RouteTable>().Routes.Single();
        var runs = server.Services.GetRequiredService<ScheduledRuns>();
        var occurrence = DateTimeOffset.Parse(Occurrence, CultureInfo.InvariantCulture);
        var first = runs.TryStartAsync(route, occurrence, external: true);
        await store.Entered.Task.WaitAsync(Probe.Patience);
        return (server, first, runs.TryStartAsync(route, occurrence, external: true));
    }

    private Task<HttpResponseMessage> SendAsync(string route, string occurrence, string timestamp, string? secret = Secret, string? signature = null) =>
        SendAsync(_server, route, occurrence, timestamp, secret, signature);

    private static Task<HttpResponseMessage> SendAsync(TestServer server, string route, string occurrence, string timestamp, string? secret = Secret, string? signature = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, TriggerSignature.Path);
        request.Headers.Add(TriggerSignature.RouteHeader, route);
        request.Headers.Add(TriggerSignature.OccurrenceHeader, occurrence);
        request.Headers.Add(TriggerSignature.TimestampHeader, timestamp);
        if (signature is not null || secret is not null)
        {
            request.Headers.Add(TriggerSignature.SignatureHeader, signature ?? TriggerSignature.Compute(secret!, route, occurrence, timestamp));
        }

        return server.Client.SendAsync(request);
    }

    private static HttpRequestMessage Signed(long timestamp)
    {
        var text = timestamp.ToString(CultureInfo.InvariantCulture);
        var request = new HttpRequestMessage(HttpMethod.Post, TriggerSignature.Path);
        request.Headers.Add(TriggerSignature.RouteHeader, "/api/tick");
        request.Headers.Add(TriggerSignature.OccurrenceHeader, Occurrence);
        request.Headers.Add(TriggerSignature.TimestampHeader, text);
        request.Headers.Add(TriggerSignature.SignatureHeader, TriggerSignature.Compute(Secret, "/api/tick", Occurrence, text));
        return request;
    }

    // The first claim made through the runtime waits for Release (which may fail it); the others pass straight through.
    private sealed class ClaimsHeld : ForwardingStore
    {
        private int _claims;

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task<OccurrenceClaim> ClaimOccurrenceAsync(string route, DateTimeOffset occurrence, string executionId, CancellationToken cancellationToken)
        {
            if (executionId != "other-process" && Interlocked.Increment(ref _claims) == 1)
            {
                Entered.SetResult();
                await Release.Task.WaitAsync(Probe.Patience, cancellationToken);
            }

            return await base.ClaimOccurrenceAsync(route, occurrence, executionId, cancellationToken);
        }
    }

    // A durable store of one process whose claims cannot be written (a full disk).
    private sealed class UnclaimableStore : ForwardingStore
    {
        public override Task<OccurrenceClaim> ClaimOccurrenceAsync(string route, DateTimeOffset occurrence, string executionId, CancellationToken cancellationToken) =>
            Task.FromException<OccurrenceClaim>(new ExecutionStoreUnavailableException("The execution store 'test' cannot be written: database or disk is full"));
    }
}
