using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ApiRoutes.Background;
using ApiRoutes.Manifest;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Execution;

/// <summary>
/// A background or scheduled handler's detached request ends as a request does: its response's OnStarting and
/// OnCompleted callbacks (RegisterForDispose's among them) run once it returned, before its scope is disposed, and
/// context.Abort() cancels its RequestAborted.
/// </summary>
public sealed class DetachedLifetimeTests
{
    private static readonly string[] EndOfARequest = ["Returned", "OnStarting", "DisposeAsync", "Dispose", "OnCompleted", "ScopeDisposed"];

    // Review 39a F1: nothing of it ran, ever: every object handed to RegisterForDispose leaked, once per attempt.
    [Fact]
    public async Task A_background_handler_s_response_callbacks_run_when_it_returns_in_a_request_s_order_before_its_scope_is_disposed()
    {
        await using var server = await StartAsync(BackgroundRoute("/api/job", typeof(RegistersForTheEnd)));

        var id = (await server.Client.PostAsync("/api/job", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.Probe.NextAsync();
        await server.Probe.WaitForSignalAsync("scope-disposed");

        Assert.Equal(EndOfARequest, server.Services.GetRequiredService<EndRecord>().Events);
        await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Succeeded);
    }

    [Fact]
    public async Task A_scheduled_handler_s_response_callbacks_run_when_it_returns()
    {
        await using var server = await StartAsync(ScheduledRoute("/api/tick", typeof(RegistersForTheEnd), "* * * * *"));
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T00:01:00");

        server.FakeTime.Advance(TimeSpan.FromMinutes(1));
        await server.Probe.NextAsync();
        await server.Probe.WaitForSignalAsync("scope-disposed");

        Assert.Equal(EndOfARequest, server.Services.GetRequiredService<EndRecord>().Events);
    }

    // A handler abandoned at its time limit (it ignores its token) still uses what it registered: they run when it returns.
    [Fact]
    public async Task An_abandoned_handler_s_response_callbacks_run_when_it_finally_returns()
    {
        await using var server = await StartAsync(BackgroundRoute("/api/job", typeof(RegistersThenIgnoresItsLimit), timeLimitSeconds: 10));
        await server.Client.PostAsync("/api/job", null);
        await server.Probe.NextAsync();

        server.FakeTime.Advance(TimeSpan.FromSeconds(10));
        await server.WaitForExecutionAsync(r => r.Status == ExecutionStatus.TimedOut);
        Assert.Empty(server.Services.GetRequiredService<EndRecord>().Events);

        server.Probe.Open("stuck");
        await server.Probe.WaitForSignalAsync("scope-disposed");
        Assert.Equal(EndOfARequest, server.Services.GetRequiredService<EndRecord>().Events);
    }

    // Review 39g F3: the callbacks ran before the outcome was recorded: one that waited (a flush, a disposal over the
    // network) kept a succeeded execution Running, and a stop meanwhile cut it, so it ran again after the restart. As on
    // Kestrel, where OnCompleted runs after the response went out, the outcome is the handler's, recorded when it
    // returns; its scope is disposed after the callbacks.
    [Fact]
    public async Task A_handler_s_outcome_is_recorded_when_it_returns_while_its_response_callbacks_still_run()
    {
        await using var server = await StartAsync(BackgroundRoute("/api/job", typeof(EndsSlowly)));

        var id = (await server.Client.PostAsync("/api/job", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.Probe.WaitForSignalAsync("callback-started");
        await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Succeeded);
        var beforeTheEnd = server.Services.GetRequiredService<EndRecord>().Events.ToList();

        server.Probe.Open("done");
        await server.Probe.WaitForSignalAsync("scope-disposed");

        Assert.Equal(["Returned", "OnCompleted started"], beforeTheEnd);
        Assert.Equal(["Returned", "OnCompleted started", "OnCompleted ended", "ScopeDisposed"], server.Services.GetRequiredService<EndRecord>().Events);
    }

    // Review 39g F3: a stop while they ran cut the succeeded execution ("still running"), so it ran again after the
    // restart. Now it stays succeeded, and the stop cancels their RequestAborted as it would a request's.
    [Fact]
    public async Task A_stop_while_its_response_callbacks_run_leaves_its_execution_succeeded_and_aborts_them()
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/job", typeof(EndsSlowly))),
            options: o => o.ShutdownDrainTimeout = TimeSpan.FromSeconds(30),
            services: s => s.AddSingleton<EndRecord>().AddScoped<DisposedWithScope>());
        var id = (await server.Client.PostAsync("/api/job", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.Probe.WaitForSignalAsync("callback-started");
        await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Succeeded);

        var stopping = server.StopAsync();
        await server.WaitForLogAsync("ApiRoutes[2008] Information: Shutting down: waiting up to 00:00:30");
        server.FakeTime.Advance(TimeSpan.FromSeconds(30));   // the drain waits for them as for a handler; then the cut
        await server.Probe.WaitForSignalAsync("scope-disposed");
        await stopping.WaitAsync(Probe.Patience);

        Assert.Equal(["Returned", "OnCompleted started", "OnCompleted aborted", "ScopeDisposed"], server.Services.GetRequiredService<EndRecord>().Events);
        Assert.Equal(ExecutionStatus.Succeeded, server.Executions.Find(id)!.Status);
        Assert.DoesNotContain(server.Logs, line => line.StartsWith("ApiRoutes[2007]", StringComparison.Ordinal));
    }

    // An end over within the limit is over: the limit then cancels nothing and logs nothing (its timer is gone with it;
    // the timer fires on the thread that moves the clock, so a 2028 would be logged before Advance returns).
    [Fact]
    public async Task Response_callbacks_that_end_within_the_time_limit_are_not_aborted_at_it()
    {
        await using var server = await StartAsync(BackgroundRoute("/api/job", typeof(EndsSlowly), timeLimitSeconds: 10));
        var id = (await server.Client.PostAsync("/api/job", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.Probe.WaitForSignalAsync("callback-started");
        server.FakeTime.Advance(TimeSpan.FromSeconds(9));

        server.Probe.Open("done");
        await server.Probe.WaitForSignalAsync("scope-disposed");
        var queue = server.Services.GetRequiredService<BackgroundQueue>();
        for (var polls = 0; queue.Working.Count > 0; polls++)   // its worker freed: the end is over, its limit's timer gone
        {
            Assert.True(polls < 1500, "the worker was not freed within 15 s");
            await Task.Delay(10);
        }

        server.FakeTime.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(["Returned", "OnCompleted started", "OnCompleted ended", "ScopeDisposed"], server.Services.GetRequiredService<EndRecord>().Events);
        Assert.DoesNotContain(server.Logs, line => line.StartsWith("ApiRoutes[2028]", StringComparison.Ordinal));
        Assert.Equal(ExecutionStatus.Succeeded, (await server.WaitForExecutionAsync(r => r.Id == id)).Status);
    }

    // Review 40a F1: the outcome recorded before the end, a failed attempt's retry could start while its callbacks and
    // its scope's disposal still ran (a lock or a lease they release, a transaction they roll back). The retry waits.
    [Fact]
    public async Task A_retry_waits_for_the_end_of_its_attempt_before()
    {
        await using var server = await StartAsync(BackgroundRoute("/api/job", typeof(FailsThenEndsSlowly)));
        var id = (await server.Client.PostAsync("/api/job", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Queued && r.Attempt == 2);

        server.FakeTime.Advance(TimeSpan.FromMinutes(1));   // the retry's delay
        await server.WaitForLogAsync($"ApiRoutes[2029] Debug: The retry of execution {id} of /api/job (attempt 2) is due, and waits for its attempt before to end");
        server.Probe.Open("done");
        await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Succeeded);

        Assert.Equal(["attempt 1", "OnCompleted ended", "attempt 2"], server.Services.GetRequiredService<EndRecord>().Events);
    }

    // Note 40b: a retry due and waiting for its attempt before to end was not in the 503's "first retry due": the 503
    // said no place would free before another retry's due time (30 s), though this one's frees when its end is over.
    [Fact]
    public async Task A_503_does_not_say_when_a_place_frees_while_a_due_retry_waits_for_its_attempt_before_to_end()
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/job", typeof(FailsThenEndsSlowly)), BackgroundRoute("/api/throws", typeof(Throws))),
            options: o =>
            {
                o.Background.MaxQueueLength = 1;
                o.Background.MaxConcurrency = 2;   // the job's end holds one worker
                o.Background.RetryDelays = [TimeSpan.FromMinutes(1)];
            },
            services: s => s.AddSingleton<EndRecord>().AddScoped<DisposedWithScope>());
        var retries = server.Services.GetRequiredService<RetryService>();
        var id = (await server.Client.PostAsync("/api/job", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await Poll.UntilAsync(() => retries.Count == 1);
        server.FakeTime.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.Accepted, (await server.Client.PostAsync("/api/throws", null)).StatusCode);
        await Poll.UntilAsync(() => retries.Count == 2);

        using (var before = await server.Client.PostAsync("/api/throws", null))
        {
            Assert.Equal("30", before.Headers.GetValues("Retry-After").Single());   // the job's retry, due first
        }

        server.FakeTime.Advance(TimeSpan.FromSeconds(30));   // the job's retry is due, and waits for its attempt's end
        await server.WaitForLogAsync($"ApiRoutes[2029] Debug: The retry of execution {id} of /api/job (attempt 2) is due");
        using var refused = await server.Client.PostAsync("/api/throws", null);
        var said = await refused.Content.ReadAsStringAsync();
        server.Probe.Open("done");
        await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Succeeded);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("5", refused.Headers.GetValues("Retry-After").Single());   // RetryAfterSeconds, not "30"
        Assert.DoesNotContain("no place frees before", said, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, (await server.Client.PostAsync("/api/throws", null)).StatusCode);
    }

    // Review 40b A3: a replay from the dashboard ran beside the failed execution's end, as a retry did before it waited.
    [Fact]
    public async Task A_failed_execution_is_not_replayed_while_its_last_attempt_is_still_ending()
    {
        var (server, id) = await FailedStillEndingAsync();
        await using var stopped = server;

        using var early = await ReplayAsync(server, id);
        server.Probe.Open("done");
        var held = server.Services.GetRequiredService<ExecutionLog>().Held(id)!;
        await held.End.WaitAsync(Probe.Patience);
        using var later = await ReplayAsync(server, id);

        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.StartsWith(
            $"Execution {id} is still ending: its response's callbacks or its scope's disposal still run.",
            (await early.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString(),
            StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, later.StatusCode);
        Assert.Equal(["attempt 1", "OnCompleted ended"], server.Services.GetRequiredService<EndRecord>().Events.Take(2));
    }

    // Review 40d F5: the bulk replay left an execution still ending for a later call, and counted it in notReplayed with
    // no word of why (the page said "1 not: null").
    [Fact]
    public async Task A_bulk_replay_says_why_it_left_a_failed_execution_still_ending_and_a_later_call_replays_it()
    {
        var (server, id) = await FailedStillEndingAsync();
        await using var stopped = server;

        using var early = await BulkReplayAsync(server);
        server.Probe.Open("done");
        await server.Services.GetRequiredService<ExecutionLog>().Held(id)!.End.WaitAsync(Probe.Patience);
        using var later = await BulkReplayAsync(server);

        var left = await early.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((0, 1), (left.GetProperty("replayed").GetArrayLength(), left.GetProperty("notReplayed").GetInt32()));
        Assert.Equal(
            $"1 still ending here (such as {id}: its response's callbacks or its scope's disposal still run): replay again once they have ended, so that a replay never runs beside the attempt it replays.",
            left.GetProperty("error").GetString());
        var replayed = await later.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((id, 0), (Assert.Single(replayed.GetProperty("replayed").EnumerateArray()).GetProperty("replayOf").GetString(), replayed.GetProperty("notReplayed").GetInt32()));
        Assert.Equal(JsonValueKind.Null, replayed.GetProperty("error").ValueKind);
    }

    // Review 40d F1: once 1,000 more executions had finished, the log let the failed one go while its end still ran, and
    // the replay was taken. The worker that holds it still says so.
    [Fact]
    public async Task A_failed_execution_still_ending_is_not_replayed_after_the_log_has_let_it_go()
    {
        var (server, id) = await FailedStillEndingAsync();
        await using var stopped = server;
        var log = server.Services.GetRequiredService<ExecutionLog>();
        for (var posted = 0; log.Held(id) is not null; posted++)
        {
            Assert.True(posted < 3000, "the log kept the failed execution past 3,000 more");
            using var quick = await server.Client.PostAsync("/api/quick", null);
            if (posted % 100 == 99)
            {
                await server.WaitForExecutionAsync(r => r.Id == quick.Headers.GetValues("X-ApiRoutes-Execution-Id").Single() && r.Status == ExecutionStatus.Succeeded);
            }
        }

        using var replay = await ReplayAsync(server, id);
        server.Probe.Open("done");

        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
    }

    // A background execution whose only attempt failed, its OnCompleted callback waiting for the gate "done"; the
    // Development dashboard replays; /api/quick finishes at once.
    private static async Task<(TestServer Server, string Id)> FailedStillEndingAsync()
    {
        var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/job", typeof(FailsThenEndsSlowly)), BackgroundRoute("/api/quick", typeof(Hello))),
            environment: "Development",
            options: o => o.Background.RetryDelays = [],
            services: s => s.AddSingleton<EndRecord>());
        var id = (await server.Client.PostAsync("/api/job", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Failed);
        return (server, id);
    }

    private static Task<HttpResponseMessage> ReplayAsync(TestServer server, string id) => DashboardPostAsync(server, $"/_apiroutes/api/executions/{id}/replay");

    // Every failed execution of /api/job since the test clock's start.
    private static Task<HttpResponseMessage> BulkReplayAsync(TestServer server) =>
        DashboardPostAsync(server, "/_apiroutes/api/executions/replay?route=/api/job&since=2026-01-01T00:00:00Z");

    private static Task<HttpResponseMessage> DashboardPostAsync(TestServer server, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Add("X-ApiRoutes-Dashboard", "1");
        return server.Client.SendAsync(request);
    }

    // They run within the attempt's time limit: at it, their RequestAborted is cancelled (2028) and the outcome stays.
    [Fact]
    public async Task Response_callbacks_still_running_at_the_time_limit_have_their_RequestAborted_cancelled()
    {
        await using var server = await StartAsync(BackgroundRoute("/api/job", typeof(EndsSlowly), timeLimitSeconds: 10));

        var id = (await server.Client.PostAsync("/api/job", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Succeeded);
        await server.Probe.WaitForSignalAsync("callback-started");

        server.FakeTime.Advance(TimeSpan.FromSeconds(10));
        await server.Probe.WaitForSignalAsync("scope-disposed");

        Assert.Equal(["Returned", "OnCompleted started", "OnCompleted aborted", "ScopeDisposed"], server.Services.GetRequiredService<EndRecord>().Events);
        await server.WaitForLogAsync($"ApiRoutes[2028] Warning: Execution {id} of /api/job has ended (succeeded), but its response's callbacks or its scope's disposal still ran at its time limit");
        Assert.Equal(ExecutionStatus.Succeeded, (await server.WaitForExecutionAsync(r => r.Id == id)).Status);
    }

    // As on a request, the response starts at its first write (HasStarted, OnStarting), not again at the end.
    [Fact]
    public async Task A_handler_s_first_write_starts_its_response()
    {
        await using var server = await StartAsync(BackgroundRoute("/api/job", typeof(WritesItsResponse)));

        await server.Client.PostAsync("/api/job", null);
        await server.Probe.NextAsync();
        await server.WaitForExecutionAsync(r => r.Status == ExecutionStatus.Succeeded);

        Assert.Equal(["HasStarted False", "OnStarting", "HasStarted True"], server.Services.GetRequiredService<EndRecord>().Events);
    }

    // Each failure is logged on its own (2027), the other callbacks run, and the outcome stays the handler's.
    [Fact]
    public async Task Response_callbacks_that_throw_are_logged_and_change_nothing_of_the_outcome()
    {
        await using var server = await StartAsync(BackgroundRoute("/api/job", typeof(RegistersThrowingCallbacks)));

        var id = (await server.Client.PostAsync("/api/job", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.Probe.NextAsync();
        var record = await server.WaitForExecutionAsync(r => r.Id == id && r.Status is not (ExecutionStatus.Queued or ExecutionStatus.Running));

        Assert.True(record.Status == ExecutionStatus.Succeeded, $"{record.Status}: {record.Error?.Split('\n')[0]}");
        Assert.Equal(["ran"], server.Services.GetRequiredService<EndRecord>().Events);
        var failures = server.Logs.Where(l => l.StartsWith($"ApiRoutes[2027] Error: A callback execution {id} of /api/job registered on its response threw", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, failures.Count);
        Assert.Single(failures, l => l.Contains("(OnStarting;", StringComparison.Ordinal));
        Assert.Equal(2, failures.Count(l => l.Contains("(OnCompleted;", StringComparison.Ordinal)));
    }

    // Review 39a N3: context.Abort() did nothing; as on a request it cancels RequestAborted. The handler's end is still
    // its outcome: here it lets the cancellation out, a failure, retried.
    [Fact]
    public async Task A_handler_s_own_Abort_cancels_its_RequestAborted()
    {
        await using var server = await StartAsync(BackgroundRoute("/api/job", typeof(AbortsItsRequest)));

        await server.Client.PostAsync("/api/job", null);
        await server.Probe.NextAsync();
        await server.Probe.WaitForSignalAsync("cancelled");

        var record = await server.WaitForExecutionAsync(r => r.Status == ExecutionStatus.Queued && r.Attempt == 2);
        Assert.Contains(nameof(TaskCanceledException), record.Error, StringComparison.Ordinal);
    }

    private static Task<TestServer> StartAsync(ManifestRoute route) =>
        TestServer.StartAsync(Create(route), services: s => s.AddSingleton<EndRecord>().AddScoped<DisposedWithScope>());
}
