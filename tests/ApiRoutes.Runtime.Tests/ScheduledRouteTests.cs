using System.Globalization;
using System.Net;
using System.Text.Json;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>The scheduler on a fake clock that starts at 2026-01-01T00:00:00Z.</summary>
public class ScheduledRouteTests
{
    [Fact]
    public async Task In_production_a_schedule_fires_at_its_occurrence_with_a_post_and_next_run()
    {
        await using var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/tick", typeof(Tick), "@hourly")),
            now: new DateTimeOffset(2026, 1, 1, 0, 59, 30, TimeSpan.Zero));
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T01:00:00");

        server.FakeTime.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(0, server.Probe.Count(nameof(Tick)));
        server.FakeTime.Advance(TimeSpan.FromSeconds(1));

        var run = await server.Probe.NextAsync();
        Assert.Equal(("POST", "/api/tick"), (run.Method, run.Path));
        Assert.Equal("application/json", run.Headers["Content-Type"]);
        Assert.Equal("2026-01-01T02:00:00.000Z", JsonDocument.Parse(run.Body).RootElement.GetProperty("next_run").GetString());
        var record = await server.WaitForExecutionAsync(r => r.Status == ExecutionStatus.Succeeded);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 1, 0, 0, TimeSpan.Zero), record.Occurrence);
        Assert.Contains(server.Logs, line => line.StartsWith("ApiRoutes[3000] Information: Schedule /api/tick registered (@hourly, UTC); next run at 2026-01-01T01:00:00", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_schedule_in_a_time_zone_fires_at_that_zones_wall_clock_time_across_the_spring_change()
    {
        // 02:30 in Berlin does not exist on 29 March 2026: crontab runs a fixed-time job at the change, 03:00 CEST (01:00 UTC).
        await using var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/tick", typeof(Tick), "30 2 * * *", timeZone: "Europe/Berlin")),
            now: new DateTimeOffset(2026, 3, 28, 12, 0, 0, TimeSpan.Zero));
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-03-29T01:00:00");
        Assert.Contains(server.Logs, line => line.StartsWith("ApiRoutes[3000] Information: Schedule /api/tick registered (30 2 * * *, Europe/Berlin); next run at 2026-03-29T01:00:00", StringComparison.Ordinal));

        server.FakeTime.Advance(TimeSpan.FromHours(13));

        var run = await server.Probe.NextAsync();
        Assert.Equal("2026-03-30T00:30:00.000Z", JsonDocument.Parse(run.Body).RootElement.GetProperty("next_run").GetString());   // 02:30 CEST
        var record = await server.WaitForExecutionAsync(r => r.Status == ExecutionStatus.Succeeded);
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero), record.Occurrence);
    }

    [Fact]
    public async Task In_production_a_scheduled_path_answers_404()
    {
        await using var server = await TestServer.StartAsync(Create(ScheduledRoute("/api/tick", typeof(Tick), "@hourly")));

        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.PostAsync("/api/tick", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync("/api/tick")).StatusCode);
        Assert.Equal(0, server.Probe.Count(nameof(Tick)));
    }

    [Fact]
    public async Task Runs_of_one_schedule_never_overlap_an_occurrence_during_a_run_is_skipped()
    {
        await using var server = await TestServer.StartAsync(Create(ScheduledRoute("/api/tick", typeof(Tick), "* * * * *", timeLimitSeconds: 900)));
        server.Services.GetRequiredService<TickOptions>().Block = true;
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T00:01:00");

        server.FakeTime.Advance(TimeSpan.FromMinutes(1));
        await server.Probe.NextAsync();
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T00:02:00");
        server.FakeTime.Advance(TimeSpan.FromMinutes(1));
        await server.WaitForLogAsync("ApiRoutes[3002] Warning: Schedule /api/tick skipped the run at 2026-01-01T00:02:00");

        server.Probe.Open("tick");
        await server.WaitForExecutionAsync(r => r.Status == ExecutionStatus.Succeeded);
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T00:03:00");
        server.FakeTime.Advance(TimeSpan.FromMinutes(1));
        await server.Probe.NextAsync();

        Assert.Equal(2, server.Probe.Count(nameof(Tick)));
    }

    [Fact]
    public async Task A_clock_jump_gives_one_run_not_a_burst_of_catch_up_runs()
    {
        await using var server = await TestServer.StartAsync(Create(ScheduledRoute("/api/tick", typeof(Tick), "* * * * *")));
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T00:01:00");

        server.FakeTime.Advance(TimeSpan.FromHours(5));

        // As crontab after a jump of hours: the occurrence of the new time runs (not 00:01's, five hours late, whose
        // next_run would be long past); the 299 passed over are counted, and the latest 100 recorded, as missed.
        var run = await server.Probe.NextAsync();
        Assert.Equal("2026-01-01T05:01:00.000Z", JsonDocument.Parse(run.Body).RootElement.GetProperty("next_run").GetString());
        var record = await server.WaitForExecutionAsync(r => r.Status == ExecutionStatus.Succeeded);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 5, 0, 0, TimeSpan.Zero), record.Occurrence);
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T05:01:00");
        Assert.Contains(server.Logs, line => line.StartsWith("ApiRoutes[3026] Warning: Schedule /api/tick was late by more than 3 hours (a clock that jumped ahead, a machine that slept, a process stopped): 299 occurrence(s) from 2026-01-01T00:01:00.0000000+00:00 to 2026-01-01T04:59:00.0000000+00:00", StringComparison.Ordinal));
        var missed = await server.Services.GetRequiredService<IExecutionStore>().GetOccurrencesAsync(new OccurrenceQuery("/api/tick", Limit: 1000), default);
        Assert.Equal(100, missed.Count(r => r.Outcome == OccurrenceOutcome.Missed));

        Assert.Equal(1, server.Probe.Count(nameof(Tick)));
        server.FakeTime.Advance(TimeSpan.FromMinutes(1));
        await server.Probe.NextAsync();
        Assert.Equal(2, server.Probe.Count(nameof(Tick)));
    }

    [Theory]
    [InlineData("0 * * * *", "2026-01-01T00:59:30Z", 270, "5 occurrence(s) from 2026-01-01T01:00:00.0000000+00:00 to 2026-01-01T05:00:00.0000000+00:00", "2026-01-01T06:00:00")]
    [InlineData("0 3 * * *", "2026-01-01T02:00:00Z", 360, "1 occurrence(s) from 2026-01-01T03:00:00.0000000+00:00 to 2026-01-01T03:00:00.0000000+00:00", "2026-01-02T03:00:00")]
    public async Task After_a_jump_of_more_than_3_hours_only_an_occurrence_of_the_minute_it_lands_on_runs_as_crontab(string schedule, string start, int minutes, string missed, string next)
    {
        // Review 32a F3: the latest occurrence passed over was taken up however old: a daily 03:00 ran at 08:00 after the
        // machine slept from 02:00, an hourly 05:00 at 05:29:30. cron.c, late by more than 3 hours, takes the clock as
        // jumped and runs only the jobs of the minute it finds.
        await using var server = await TestServer.StartAsync(Create(ScheduledRoute("/api/tick", typeof(Tick), schedule)), now: DateTimeOffset.Parse(start, CultureInfo.InvariantCulture));
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for ");

        server.FakeTime.Advance(TimeSpan.FromMinutes(minutes));

        await server.WaitForLogAsync($"ApiRoutes[3006] Debug: Schedule /api/tick waiting for {next}");
        Assert.Equal(0, server.Probe.Count(nameof(Tick)));
        Assert.Contains(server.Logs, line => line.StartsWith($"ApiRoutes[3026] Warning: Schedule /api/tick was late by more than 3 hours (a clock that jumped ahead, a machine that slept, a process stopped): {missed}", StringComparison.Ordinal));
        Assert.DoesNotContain(server.Logs, line => line.StartsWith("ApiRoutes[3020]", StringComparison.Ordinal));
        var records = await server.Services.GetRequiredService<IExecutionStore>().GetOccurrencesAsync(new OccurrenceQuery("/api/tick"), default);
        Assert.All(records, record => Assert.Equal(OccurrenceOutcome.Missed, record.Outcome));
        Assert.Equal(int.Parse(missed.Split(' ')[0], CultureInfo.InvariantCulture), records.Count);

        // The next occurrence runs at its time, as any.
        server.FakeTime.Advance(DateTimeOffset.Parse(next + "Z", CultureInfo.InvariantCulture) - server.FakeTime.GetUtcNow());
        await server.Probe.NextAsync();
        Assert.Equal(DateTimeOffset.Parse(next + "Z", CultureInfo.InvariantCulture), (await server.WaitForExecutionAsync(r => r.Status == ExecutionStatus.Succeeded)).Occurrence);
    }

    [Fact]
    public async Task After_a_late_wake_of_under_3_hours_the_latest_occurrence_passed_over_is_taken_up()
    {
        // A deliberate departure from cron.c (README): one run, never a burst, rather than each fixed time passed over.
        await using var server = await TestServer.StartAsync(Create(ScheduledRoute("/api/tick", typeof(Tick), "0 * * * *")), now: new DateTimeOffset(2026, 1, 1, 0, 59, 30, TimeSpan.Zero));
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T01:00:00");

        server.FakeTime.Advance(TimeSpan.FromMinutes(150));   // 03:29:30

        await server.Probe.NextAsync();
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 3, 0, 0, TimeSpan.Zero), (await server.WaitForExecutionAsync(r => r.Status == ExecutionStatus.Succeeded)).Occurrence);
        Assert.Contains(server.Logs, line => line.StartsWith("ApiRoutes[3020] Warning: Schedule /api/tick was late: 2 occurrence(s) from 2026-01-01T01:00:00", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_clock_that_jumps_years_ahead_costs_a_late_wake_a_bounded_count_and_runs_the_new_times_occurrence()
    {
        // Review 14, F4: a VM whose clock starts at 1970 and is then set right walked a million occurrences (0.35-1.1 s of
        // CPU per schedule) in the late path.
        await using var server = await TestServer.StartAsync(Create(ScheduledRoute("/api/tick", typeof(Tick), "* * * * *")));
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T00:01:00");

        server.FakeTime.Advance(new DateTimeOffset(2056, 1, 1, 0, 0, 0, TimeSpan.Zero) - server.FakeTime.GetUtcNow());

        var run = await server.Probe.NextAsync();
        Assert.Equal("2056-01-01T00:01:00.000Z", JsonDocument.Parse(run.Body).RootElement.GetProperty("next_run").GetString());
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2056-01-01T00:01:00");
        Assert.Contains(server.Logs, line => line.StartsWith("ApiRoutes[3026] Warning: Schedule /api/tick was late by more than 3 hours (a clock that jumped ahead, a machine that slept, a process stopped): 10000 occurrence(s)", StringComparison.Ordinal));
    }

    // The endpoint cancels the run at its time limit through a token of its own: the middleware after it got that token,
    // of a source disposed by then, not the request's (StandardRouteEndpoint gives it back; this did not).
    [Fact]
    public async Task A_run_by_hand_gives_the_request_its_own_cancellation_token_back()
    {
        var restored = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/tick", typeof(Tick), "0 3 * * *")),
            environment: "Development",
            middleware: app => app.Use(async (context, next) =>
            {
                var own = context.RequestAborted;
                await next(context);
                restored.TrySetResult(context.RequestAborted == own);
            }));

        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/api/tick")).StatusCode);

        Assert.True(await restored.Task.WaitAsync(Probe.Patience));
    }

    [Fact]
    public async Task In_development_requesting_the_path_runs_the_route_at_once_as_the_scheduler_would()
    {
        await using var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/tick", typeof(Tick), "0 3 * * *")),
            environment: "Development",
            now: new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));

        var response = await server.Client.GetAsync("/api/tick?ignored=1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ticked", await response.Content.ReadAsStringAsync());
        var run = await server.Probe.NextAsync();
        Assert.Equal(("POST", ""), (run.Method, run.Query));
        Assert.Equal("""{"next_run":"2026-01-02T03:00:00.000Z"}""", run.Body);
        Assert.Contains(server.Logs, line => line.StartsWith("ApiRoutes[3003] Warning: Scheduled route /api/tick run on demand: in development only", StringComparison.Ordinal));
        var id = response.Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        Assert.Equal((ExecutionStatus.Succeeded, "scheduled"), (server.Executions.Find(id)!.Status, server.Executions.Find(id)!.Kind));

        // The scheduler itself is off in development unless asked for.
        server.FakeTime.Advance(TimeSpan.FromDays(1));
        await Task.Delay(100);
        Assert.Equal(1, server.Probe.Count(nameof(Tick)));
    }

    [Fact]
    public async Task In_development_with_a_dashboard_token_running_a_schedule_by_hand_needs_it_and_the_handler_never_sees_it()
    {
        const string token = "0123456789abcdef0123456789abcdef-dashboard";
        await using var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/tick", typeof(Tick), "0 3 * * *")),
            environment: "Development",
            options: o => o.Dashboard.Token = token);

        // Behind a local proxy that sends no forwarding header, this is all a request from elsewhere looks like.
        var refused = await server.Client.PostAsync("/api/tick", null);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("Bearer realm=\"ApiRoutes dashboard\"", refused.Headers.WwwAuthenticate.ToString());
        Assert.Contains("APIROUTES_DASHBOARD_TOKEN", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var wrong = new HttpRequestMessage(HttpMethod.Post, "/api/tick") { Headers = { { "Authorization", "Bearer " + token[..^1] + "X" } } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Client.SendAsync(wrong)).StatusCode);
        Assert.Equal(0, server.Probe.Count(nameof(Tick)));
        Assert.Empty(server.Executions.Snapshot());

        await server.WaitForLogAsync("ApiRoutes[1003] Warning: POST /api/tick refused with 401: running a scheduled route by hand needs");   // said, as the dashboard's refusals are

        // The dashboard's session cookie is not the token (browsers send it only under /_apiroutes).
        var session = await server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/_apiroutes/api/session")
        {
            Headers = { { "X-ApiRoutes-Dashboard", "1" } },
            Content = new StringContent($$"""{"token":"{{token}}"}""", System.Text.Encoding.UTF8, "application/json"),
        });
        var cookie = session.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
        using var withCookie = new HttpRequestMessage(HttpMethod.Post, "/api/tick") { Headers = { { "Cookie", cookie } } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Client.SendAsync(withCookie)).StatusCode);

        // The token (the scheme in any case): the handler gets neither it nor the session, and keeps its own cookies.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/tick") { Headers = { { "Authorization", "bearer " + token }, { "Cookie", $"theme=dark; {cookie}; lang=en" } } };
        var response = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var run = await server.Probe.NextAsync();
        Assert.DoesNotContain("Authorization", run.Headers.Keys);
        Assert.Equal("theme=dark; lang=en", run.Headers["Cookie"]);
        Assert.Equal(1, server.Probe.Count(nameof(Tick)));
    }

    [Fact]
    public async Task In_development_a_run_whose_client_disconnects_is_recorded_as_ended_not_running()
    {
        await using var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/wait", typeof(HonorsCancellation), "0 3 * * *")),
            environment: "Development");
        using var disconnect = new CancellationTokenSource();

        var request = server.Client.GetAsync("/api/wait", disconnect.Token);
        await server.Probe.NextAsync();
        await disconnect.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);

        var run = await server.WaitForExecutionAsync(r => r.Route == "/api/wait" && r.Status != ExecutionStatus.Running);
        Assert.Equal(ExecutionStatus.Failed, run.Status);
        Assert.StartsWith("The client disconnected", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_development_schedules_can_be_switched_on()
    {
        await using var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/tick", typeof(Tick), "* * * * *")),
            environment: "Development",
            options: o => o.Scheduling.Enabled = true);
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T00:01:00");

        server.FakeTime.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal("POST", (await server.Probe.NextAsync()).Method);
    }

    // Review 24b F1: the line said "scheduled routes run when their path is requested" in production too, where the
    // path is not served: how they run depends on where.
    [Theory]
    [InlineData("Production", false, "ApiRoutes[3024] Warning: Schedules are not run in this process, and no scheduled route runs here: outside Development their paths are not served, and no external trigger is set (ApiRoutes:Scheduling:ExternalTriggerSecret)")]
    [InlineData("Production", true, "ApiRoutes[3004] Information: Schedules are not run in this process: scheduled routes run when the hosting platform's signed trigger asks for an occurrence (POST /_apiroutes/scheduled-runs)")]
    [InlineData("Development", false, "ApiRoutes[3004] Information: Schedules are not run in this process: scheduled routes run when their path is requested (development)")]
    public async Task The_scheduler_can_be_switched_off_and_the_log_says_how_scheduled_routes_run_then(string environment, bool trigger, string line)
    {
        await using var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/tick", typeof(Tick), "* * * * *")),
            environment: environment,
            options: o => (o.Scheduling.Enabled, o.Scheduling.ExternalTriggerSecret) = (false, trigger ? "0123456789abcdef0123456789abcdef-test-secret" : null));
        await server.WaitForLogAsync(line);

        server.FakeTime.Advance(TimeSpan.FromMinutes(3));
        await Task.Delay(100);

        Assert.Equal(0, server.Probe.Count(nameof(Tick)));
    }
}
