using System.Net.Http.Json;
using System.Text.Json;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>Time limits and retries, on a fake clock: minutes pass without waiting for them.</summary>
public class TimeLimitAndRetryTests
{
    [Fact]
    public async Task At_the_time_limit_the_token_is_cancelled_and_the_execution_times_out()
    {
        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/job", typeof(HonorsCancellation), timeLimitSeconds: 60)));

        var id = (await server.Client.PostAsync("/api/job", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.Probe.NextAsync();

        server.FakeTime.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(ExecutionStatus.Running, server.Executions.Find(id)!.Status);
        server.FakeTime.Advance(TimeSpan.FromSeconds(1));

        await server.Probe.WaitForSignalAsync("cancelled");
        var record = await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.TimedOut);
        Assert.Equal("Timed out after 00:01:00: RequestAborted was cancelled.", record.Error);
        Assert.Equal(TimeSpan.FromSeconds(60), record.FinishedAt - record.StartedAt);
        Assert.Equal(1, server.Probe.Count(nameof(HonorsCancellation)));   // a timeout is not retried
    }

    // The time limit's timer cancels RequestAborted: a callback the handler registered that throws ran on the timer's
    // thread, where an exception is unhandled and ends the process (the fake clock throws it out of Advance instead).
    [Fact]
    public async Task A_handler_s_throwing_cancellation_callback_at_the_time_limit_is_logged_and_the_execution_ends()
    {
        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/job", typeof(ThrowsWhenAborted), timeLimitSeconds: 60)));

        var id = (await server.Client.PostAsync("/api/job", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.Probe.WaitForSignalAsync("registered");

        Assert.Null(Record.Exception(() => server.FakeTime.Advance(TimeSpan.FromSeconds(60))));

        // The handler catches the cancellation and returns after its time limit fired: timed out.
        await server.Probe.WaitForSignalAsync("cancelled");
        await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.TimedOut);
        await server.WaitForLogAsync("ApiRoutes[2025] Error: A callback a handler registered on its RequestAborted token threw");   // from the pool thread that ran the callbacks
    }

    // A handler that ends after its time limit fired has not finished within it, however it ends: returning normally
    // (it caught the cancellation) or failing with an exception of its own. Before, the record depended on whether the
    // handler returned before the runner looked: succeeded (or failed, and retried) or timed out.
    [Theory]
    [InlineData(typeof(ReturnsWhenAborted), "")]
    [InlineData(typeof(ReturnsWhenAborted), "?yield")]
    [InlineData(typeof(WrapsCancellation), "")]
    public async Task A_handler_that_ends_after_its_time_limit_fired_is_timed_out_however_it_ends(Type handler, string query)
    {
        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/job", handler, timeLimitSeconds: 60)));

        var id = (await server.Client.PostAsync("/api/job" + query, null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.Probe.NextAsync();
        server.FakeTime.Advance(TimeSpan.FromSeconds(60));

        await server.Probe.WaitForSignalAsync("cancelled");
        var record = await server.WaitForExecutionAsync(r => r.Id == id && r.Status is not (ExecutionStatus.Queued or ExecutionStatus.Running));
        Assert.Equal(ExecutionStatus.TimedOut, record.Status);
        Assert.Equal("Timed out after 00:01:00: RequestAborted was cancelled.", record.Error);

        server.FakeTime.Advance(TimeSpan.FromMinutes(5));   // past every retry delay: a timeout is not retried
        await Task.Delay(100);
        Assert.Equal(1, server.Probe.Count(handler.Name));
    }

    [Fact]
    public async Task A_handler_that_ignores_the_token_is_abandoned_and_recorded_as_timed_out()
    {
        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/stuck", typeof(IgnoresCancellation), timeLimitSeconds: 10)));

        await server.Client.PostAsync("/api/stuck", null);
        await server.Probe.NextAsync();
        server.FakeTime.Advance(TimeSpan.FromSeconds(10));

        await server.WaitForExecutionAsync(r => r.Status == ExecutionStatus.TimedOut);
        Assert.False(server.Probe.Gate("signal:stuck-returned").IsCompleted, "The handler is still blocked; the execution ended without it.");
        Assert.Contains(server.Logs, line => line.StartsWith("ApiRoutes[2005] Error:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Abandoned_handlers_count_against_max_concurrency_until_they_return()
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/stuck", typeof(IgnoresCancellation), timeLimitSeconds: 2)),
            options: o => o.Background.MaxConcurrency = 2);

        for (var i = 0; i < 12; i++)
        {
            Assert.Equal(System.Net.HttpStatusCode.Accepted, (await server.Client.PostAsync("/api/stuck", null)).StatusCode);
        }

        await server.Probe.NextAsync();
        await server.Probe.NextAsync();
        server.FakeTime.Advance(TimeSpan.FromSeconds(2));
        await server.WaitForExecutionAsync(r => r.Status == ExecutionStatus.TimedOut && server.Executions.Snapshot().Count(e => e.Status == ExecutionStatus.TimedOut) == 2);
        await Task.Delay(200);   // time for a third handler to start, if a freed worker took one

        Assert.Equal(2, server.Probe.Count(nameof(IgnoresCancellation)));
        Assert.Equal(10, server.Executions.QueuedCount);

        server.Probe.Open("stuck");
        var deadline = DateTime.UtcNow + Probe.Patience;
        while (server.Executions.Snapshot().Count(e => e.Status == ExecutionStatus.Succeeded) < 10 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.Equal(12, server.Probe.Count(nameof(IgnoresCancellation)));
    }

    [Fact]
    public async Task A_failure_is_retried_after_one_minute_then_two_and_then_recorded_as_failed()
    {
        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/flaky", typeof(Flaky))));

        var id = (await server.Client.PostAsync("/api/flaky", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.Probe.NextAsync();
        await server.WaitForExecutionAsync(r => r.Id == id && r is { Status: ExecutionStatus.Queued, Attempt: 2 });

        server.FakeTime.Advance(TimeSpan.FromSeconds(59));
        await Task.Delay(50);
        Assert.Equal(1, server.Probe.Count(nameof(Flaky)));
        server.FakeTime.Advance(TimeSpan.FromSeconds(1));
        await server.Probe.NextAsync();
        await server.WaitForExecutionAsync(r => r.Id == id && r is { Status: ExecutionStatus.Queued, Attempt: 3 });

        server.FakeTime.Advance(TimeSpan.FromMinutes(2));
        await server.Probe.NextAsync();
        var failed = await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Failed);

        Assert.Equal(3, failed.Attempt);
        Assert.Contains("attempt 3 failed", failed.Error, StringComparison.Ordinal);
        Assert.Equal([1, 2], failed.EarlierAttempts.Select(a => a.Attempt));
        Assert.All(failed.EarlierAttempts, a => Assert.StartsWith($"System.InvalidOperationException: attempt {a.Attempt} failed", a.Error, StringComparison.Ordinal));
        Assert.Equal(3, server.Probe.Count(nameof(Flaky)));
        Assert.Equal(2, server.Logs.Count(line => line.StartsWith("ApiRoutes[2006] Warning:", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_retry_that_succeeds_ends_the_execution_as_succeeded()
    {
        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/flaky", typeof(Flaky))));

        var retries = server.Services.GetRequiredService<ApiRoutes.Background.RetryService>();
        var id = (await server.Client.PostAsync("/api/flaky?fail=1", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.WaitForExecutionAsync(r => r.Id == id && r is { Status: ExecutionStatus.Queued, Attempt: 2 });
        Assert.Equal(1, retries.Count);
        server.FakeTime.Advance(TimeSpan.FromMinutes(1));

        var done = await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Succeeded);
        Assert.Equal(2, done.Attempt);
        Assert.Equal(0, retries.Count);   // a retry that ran is no longer pending
    }

    [Fact]
    public async Task A_retry_that_succeeds_keeps_when_the_failed_attempt_ran_and_why_it_failed_and_the_dashboard_shows_it()
    {
        // Review 39a N1: once attempt 2 succeeded, the record said nothing of attempt 1: not that it failed, when, or why.
        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/flaky", typeof(Flaky))), environment: "Development");

        var id = (await server.Client.PostAsync("/api/flaky?fail=1", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        var waiting = await server.WaitForExecutionAsync(r => r.Id == id && r is { Status: ExecutionStatus.Queued, Attempt: 2 });
        server.FakeTime.Advance(TimeSpan.FromSeconds(90));
        var done = await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Succeeded);
        var detail = await server.Client.GetFromJsonAsync<JsonElement>($"/_apiroutes/api/executions/{id}");

        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var first = Assert.Single(done.EarlierAttempts);
        Assert.Equal((1, start, start), (first.Attempt, first.StartedAt, first.FinishedAt));
        Assert.StartsWith("System.InvalidOperationException: attempt 1 failed", first.Error, StringComparison.Ordinal);
        Assert.Equal(waiting.EarlierAttempts, done.EarlierAttempts);
        Assert.Equal((2, start.AddSeconds(90), (string?)null), (done.Attempt, done.StartedAt, done.Error));
        var shown = Assert.Single(detail.GetProperty("earlierAttempts").EnumerateArray());
        Assert.Equal((1, "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00", first.Error),
            (shown.GetProperty("attempt").GetInt32(), shown.GetProperty("startedAt").GetString(), shown.GetProperty("finishedAt").GetString(), shown.GetProperty("error").GetString()));
    }

    [Fact]
    public async Task Retries_follow_the_configured_delays()
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/flaky", typeof(Flaky))),
            options: o => o.Background.RetryDelays = []);

        var id = (await server.Client.PostAsync("/api/flaky", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();

        var failed = await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Failed);
        Assert.Equal(1, failed.Attempt);
    }
}
