using System.Diagnostics;
using System.Net;
using ApiRoutes.Testing.Tests.Handlers;
using ApiRoutes.Testing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Testing.Tests;

/// <summary>RunBackgroundAsync: a background request to its outcome, through its retries, on the test clock.</summary>
public sealed class BackgroundRunTests
{
    private static readonly DateTimeOffset Start = ApiRoutesTestOptions.DefaultStart;

    [Fact]
    public async Task A_background_run_ends_when_its_handler_has_waited_its_three_seconds_on_the_clock()
    {
        await using var app = await AppUnderTest.StartAsync(Create(BackgroundRoute("/api/steps", typeof(Steps))));

        var run = await app.Test.RunBackgroundAsync("/api/steps?name=weekly");

        Assert.Equal((ExecutionStatus.Succeeded, 1, "/api/steps"), (run.Status, run.Attempts, run.Route));
        Assert.Equal([Start], run.AttemptStarts);
        Assert.Empty(run.RetryDelays);
        Assert.Null(run.Error);
        Assert.Equal(Start.AddSeconds(3), app.Test.Clock.GetUtcNow());   // exactly the handler's waits, no more
        Assert.Equal(3, run.LogLines.Count(line => line.Contains("Report weekly: step", StringComparison.Ordinal)));
        Assert.Contains(run.LogLines, line => line.StartsWith("00:00:03.000 Information", StringComparison.Ordinal) && line.EndsWith("step 3 of 3 done", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_handler_that_always_throws_is_retried_after_1_then_2_minutes_and_ends_failed_with_its_exception()
    {
        await using var app = await AppUnderTest.StartAsync(Create(BackgroundRoute("/api/flaky", typeof(Flaky))));

        var run = await app.Test.RunBackgroundAsync("/api/flaky");

        Assert.Equal((ExecutionStatus.Failed, 3), (run.Status, run.Attempts));
        Assert.Equal([TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2)], run.RetryDelays);
        Assert.Equal([Start, Start.AddMinutes(1), Start.AddMinutes(3)], run.AttemptStarts);
        Assert.Contains("System.InvalidOperationException: The report store is away", run.Error, StringComparison.Ordinal);
        Assert.Equal([(1, Start), (2, Start.AddMinutes(1))], run.EarlierAttempts.Select(a => (a.Attempt, a.StartedAt!.Value)));
    }

    [Fact]
    public async Task A_handler_that_fails_once_succeeds_on_its_retry_a_minute_later()
    {
        await using var app = await AppUnderTest.StartAsync(Create(BackgroundRoute("/api/flaky", typeof(Flaky))));
        app.Test.Services.GetRequiredService<Failures>().Remaining = 1;

        var run = await app.Test.RunBackgroundAsync("/api/flaky");

        Assert.Equal((ExecutionStatus.Succeeded, 2), (run.Status, run.Attempts));
        Assert.Equal([Start, Start.AddMinutes(1)], run.AttemptStarts);
        Assert.Equal([TimeSpan.FromMinutes(1)], run.RetryDelays);
        var first = Assert.Single(run.EarlierAttempts);   // why the first attempt failed, kept after the retry succeeded
        Assert.Equal((1, Start, Start), (first.Attempt, first.StartedAt, first.FinishedAt));
        Assert.StartsWith("System.InvalidOperationException: The report store is away", first.Error, StringComparison.Ordinal);
        Assert.Null(run.Error);
    }

    [Fact]
    public async Task A_route_that_is_not_a_background_route_is_a_clear_error()
    {
        await using var app = await AppUnderTest.StartAsync(Create(StandardRoute("/api/steps", typeof(Steps))));

        var e = await Assert.ThrowsAsync<ApiRoutesTestException>(() => app.Test.RunBackgroundAsync("/api/nothing"));

        Assert.StartsWith("POST /api/nothing answered 404 NotFound, not 202 Accepted with an execution id: is it a background route of this app?", e.Message, StringComparison.Ordinal);
    }

    // Review 46g F3: an app of its own whose Program.cs never calls MapApiRoutes was asked "is it a background route of
    // this app?"; and one that never calls AddApiRoutes met "No service for type RouteTable".
    [Fact]
    public async Task An_app_that_maps_no_routes_or_registers_no_services_is_told_what_its_program_lacks()
    {
        await using (var app = await AppUnderTest.StartAsync(Create(BackgroundRoute("/api/steps", typeof(Steps))), mapRoutes: false))
        {
            var e = await Assert.ThrowsAsync<ApiRoutesTestException>(() => app.Test.RunBackgroundAsync("/api/steps"));

            Assert.Equal(
                "POST /api/steps answered 404 Not Found: the app maps none of its routes, as its Program.cs calls no app.MapApiRoutes(). Call it after builder.Build() (the entry point the package generates does).",
                e.Message);
        }

        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateBuilder();
        builder.Services.AddApiRoutesTesting(new ApiRoutesTestOptions());
        await using var bare = builder.Build();
        using var client = new HttpClient();
        var missing = Assert.Throws<ApiRoutesTestException>(() => ApiRoutesTestApp.Attach(bare.Services, client));
        Assert.StartsWith("The app registers no ApiRoutes services: its Program.cs calls no builder.Services.AddApiRoutes().", missing.Message, StringComparison.Ordinal);
    }

    // Review 46g F4: such an app ran its schedules (and the work left in the store) while it served none of its routes; a
    // test app that maps none runs none (it logs event 1007, as any app), and its clock still moves: nothing waits for a schedule.
    [Fact]
    public async Task An_app_that_maps_no_routes_runs_none_of_its_schedules_and_its_clock_still_moves()
    {
        await using var app = await AppUnderTest.StartAsync(Create(ScheduledRoute("/api/tick", typeof(Tick), "* * * * *")), mapRoutes: false);

        var timeline = await app.Test.AdvanceAsync(TimeSpan.FromMinutes(3));

        Assert.Empty(timeline.Ran("/api/tick"));
        Assert.Empty(timeline.Executions);
        Assert.Equal(Start.AddMinutes(3), app.Test.Clock.GetUtcNow());
        Assert.False(app.Services.GetRequiredService<ApiRoutes.Hosting.StartupWorkGate>().IsOpen);   // nor recovery, nor retention
    }

    // Review 11: the drain's grace after its cut was on the test clock, which nobody moves once the test is over: a run
    // whose handler ignores its token and waits on that clock held the app's stop for the host's whole time-out (30 s),
    // which then cancelled the stop before the run was recorded.
    [Fact]
    public async Task An_app_stopped_while_a_handler_that_ignores_its_token_waits_on_the_clock_stops_and_records_it_cut()
    {
        var app = await AppUnderTest.StartAsync(Create(BackgroundRoute("/api/stubborn", typeof(IgnoresItsToken))));
        var id = await app.PostAsync("/api/stubborn");
        await app.Test.AdvanceAsync(TimeSpan.FromSeconds(1));   // at rest: it runs, waiting on the clock
        Assert.Equal(ExecutionStatus.Running, app.Test.Executions.Find(id)!.Status);

        // Not a measure of speed: a stop that waits for the test clock ends only at the host's time-out, 30 s.
        var stopping = Stopwatch.StartNew();
        await app.DisposeAsync();
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(15), $"The app's stop took {stopping.Elapsed}: it waited for the test clock.");

        var record = app.Test.Executions.Find(id)!;
        Assert.Equal(ExecutionStatus.Failed, record.Status);
        Assert.StartsWith("Cut by shutdown", record.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_handler_that_waits_for_something_other_than_the_clock_fails_the_test_naming_it()
    {
        await using var app = await AppUnderTest.StartAsync(
            Create(BackgroundRoute("/api/forever", typeof(WaitsForever))),
            o => o.Patience = TimeSpan.FromMilliseconds(300));

        var id = await app.PostAsync("/api/forever");
        // Running first (a worker picks it up; under load that may take longer than the short patience of this test).
        for (var deadline = DateTime.UtcNow.AddSeconds(30); app.Test.Executions.Find(id)?.Status != ExecutionStatus.Running && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(10);
        }

        var e = await Assert.ThrowsAsync<ApiRoutesTestException>(() => app.Test.WaitForAsync(id));

        Assert.StartsWith($"The app did not come to rest at 2026-01-01T00:00:00.0000000+00:00 (test clock) within 00:00:00.3000000: execution {id} of /api/forever runs and waits for nothing on the app's clock.", e.Message, StringComparison.Ordinal);
    }

    // Review 36b F2: the limit's timer fired as the clock moved, but the runner records the end a moment later; the
    // driver took the handler's armed one-hour wait for rest meanwhile and moved the clock there: TimedOut "at 01:00"
    // (9 apps of 10 before).
    [Fact]
    public async Task A_run_timed_out_at_its_limit_ends_at_its_limit_and_the_clock_stays_there() =>
        Assert.Equal(Enumerable.Repeat("TimedOut at 00:01:00, clock 00:01:00", 5), await InFiveAppsAsync(typeof(WaitsAnHour), timeLimitSeconds: 60));

    // At one instant the runs' timers fire before the runtime's (note 36's leftover, review 36b F4): a handler whose wait
    // ends at its time limit's very instant has ended within it, every time; before, it succeeded or timed out from one
    // app to the next, as the two timers fired.
    [Fact]
    public async Task A_handler_whose_wait_ends_at_its_time_limits_instant_has_ended_within_it() =>
        Assert.Equal(Enumerable.Repeat("Succeeded at 00:01:00, clock 00:01:00", 5), await InFiveAppsAsync(typeof(TakesItsMinute), timeLimitSeconds: 60));

    // The other side of that rule: a handler whose wait ends at its time limit's instant, and that then waits for its
    // token, waits for the limit's callback held behind it. The runs' settle at that instant gives up after Patience, the
    // runtime's callbacks run, and the run is timed out at its limit, not failed as a handler that waits for nothing.
    [Fact]
    public async Task A_handler_that_after_its_wait_awaits_the_time_limit_due_at_the_same_instant_is_timed_out_there()
    {
        var (test, id) = await ThenTokenRunAsync(patience: TimeSpan.FromSeconds(3));
        await using var app = test;

        var run = await test.Test.WaitForAsync(id);

        Assert.Equal((ExecutionStatus.TimedOut, "00:01:00"), (run.Status, $"{run.Record.FinishedAt:HH:mm:ss}"));
    }

    // Helper 37d F1: a drive cancelled while the runtime's callbacks were held (the runs' settle at the instant) left
    // them held, and the next drive, which settles before it moves, waited Patience for the time limit that nothing
    // released, then failed the run as one that waits for nothing.
    [Fact]
    public async Task A_drive_cancelled_while_callbacks_are_held_lets_the_next_one_go_on_from_that_instant()
    {
        var (test, id) = await ThenTokenRunAsync(patience: TimeSpan.FromSeconds(5));
        await using var app = test;
        using var cancel = new CancellationTokenSource();
        var drive = test.Test.WaitForAsync(id, cancel.Token);
        for (var deadline = DateTime.UtcNow.AddSeconds(30); !test.Test.Clock.HoldsCallbacks; await Task.Delay(10))
        {
            Assert.True(DateTime.UtcNow < deadline, "the drive never held the time limit's callback at 00:01:00");
        }

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => drive);

        var run = await test.Test.WaitForAsync(id);

        Assert.Equal((ExecutionStatus.TimedOut, "00:01:00"), (run.Status, $"{run.Record.FinishedAt:HH:mm:ss}"));
        Assert.False(test.Test.Clock.HoldsCallbacks);
    }

    // Review 36b F3: the code after a handler's wait runs on the thread that moves the clock; one that then blocked on
    // what only a later instant brings blocked the move, and the test hung for ever, past Patience.
    [Fact]
    public async Task A_handler_that_blocks_its_thread_after_its_wait_on_the_clock_fails_the_test_naming_it_within_patience()
    {
        Gate? gate = null;
        await using var app = await AppUnderTest.StartAsync(
            Create(BackgroundRoute("/api/holds", typeof(HoldsTheGate)), BackgroundRoute("/api/waits", typeof(WaitsAtTheGate))),
            o => o.Patience = TimeSpan.FromSeconds(2),
            services: s => s.AddSingleton(_ => gate = new Gate()));
        var holds = await app.PostAsync("/api/holds");
        var waits = await app.PostAsync("/api/waits");
        await app.UntilWaitingOnTheClockAsync(holds, waits);   // the 2 s are for the move

        try
        {
            var wait = app.Test.WaitForAsync(holds);
            var first = await Task.WhenAny(wait, Task.Delay(TimeSpan.FromSeconds(60)));
            Assert.True(first == wait, "WaitForAsync neither ended nor failed within a minute");
            var error = await Assert.ThrowsAsync<ApiRoutesTestException>(() => wait);
            Assert.Contains($"did not end within 00:00:02: the code of execution {waits} of /api/waits after its wait on the clock blocks it", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            gate?.Semaphore.Release();   // lets the blocked handler go, so that the app stops
        }
    }

    // Review 36c R1: the driver counted executions recorded as running against MaxConcurrency; one abandoned at its limit
    // is recorded TimedOut but keeps the only worker until its handler returns (here at 00:05, on the clock), so the run
    // queued behind it was taken for about to start, the clock never moved, and the test failed after Patience.
    [Fact]
    public async Task A_run_queued_behind_a_handler_abandoned_at_its_limit_starts_when_that_handler_returns()
    {
        await using var app = await AppUnderTest.StartAsync(
            Create(BackgroundRoute("/api/ignores", typeof(IgnoresItsToken), timeLimitSeconds: 60), BackgroundRoute("/api/steps", typeof(Steps))),
            o => o.Patience = TimeSpan.FromSeconds(5),
            apiRoutes: o => o.Background.MaxConcurrency = 1);
        var first = await app.PostAsync("/api/ignores");
        var second = await app.PostAsync("/api/steps");
        await app.UntilWaitingOnTheClockAsync(first);

        var one = await app.Test.WaitForAsync(first);
        var two = await app.Test.WaitForAsync(second);

        Assert.Equal((ExecutionStatus.TimedOut, ExecutionStatus.Succeeded), (one.Status, two.Status));
        Assert.Equal([Start.AddMinutes(5)], two.AttemptStarts);
    }

    // Review 40a F2: a run that succeeded while its response's callbacks still ran (outcome first, as on Kestrel) held
    // the only worker; taken for held by a running handler, the clock moved on to that run's time limit, and the run
    // queued behind it started a time limit late. Its end is real work, not a wait on the clock: the driver waits for it.
    [Fact]
    public async Task A_run_queued_behind_one_whose_response_callbacks_still_run_starts_at_once_when_they_end()
    {
        await using var app = await AppUnderTest.StartAsync(
            Create(BackgroundRoute("/api/ends", typeof(EndsOverANetwork), timeLimitSeconds: 60), BackgroundRoute("/api/steps", typeof(Steps))),
            apiRoutes: o => o.Background.MaxConcurrency = 1);
        var first = await app.PostAsync("/api/ends");
        var second = await app.PostAsync("/api/steps");

        var one = await app.Test.WaitForAsync(first);
        var two = await app.Test.WaitForAsync(second);

        Assert.Equal((ExecutionStatus.Succeeded, ExecutionStatus.Succeeded), (one.Status, two.Status));
        Assert.Equal([Start], two.AttemptStarts);
        Assert.Equal(Start.AddSeconds(3), app.Test.Clock.GetUtcNow());   // the second's three seconds, not the first's time limit
    }

    // Review 40b A1: the same behind a failed attempt, recorded as waiting for its retry while its callbacks end: taken
    // for a worker held by a run still at it, the clock moved to the retry, and the run queued behind started a minute late.
    [Fact]
    public async Task A_run_queued_behind_a_failed_attempt_whose_response_callbacks_still_run_starts_at_once_when_they_end()
    {
        await using var app = await AppUnderTest.StartAsync(
            Create(BackgroundRoute("/api/fails", typeof(FailsThenEndsOverANetwork), timeLimitSeconds: 300), BackgroundRoute("/api/steps", typeof(Steps))),
            apiRoutes: o => o.Background.MaxConcurrency = 1);
        var first = await app.PostAsync("/api/fails");
        var second = await app.PostAsync("/api/steps");

        var two = await app.Test.WaitForAsync(second);
        var one = await app.Test.WaitForAsync(first);

        Assert.Equal((ExecutionStatus.Succeeded, ExecutionStatus.Succeeded), (one.Status, two.Status));
        Assert.Equal([Start], two.AttemptStarts);
        Assert.Equal([Start, Start.AddMinutes(1)], one.AttemptStarts);
    }

    // Review 40c R1: with nothing queued behind it, the clock moved on while a run's response callbacks still ran, to the
    // end's own time limit, and cancelled their RequestAborted (a spurious 2028).
    [Fact]
    public async Task The_clock_waits_for_a_runs_response_callbacks_with_nothing_queued_behind_it()
    {
        await using var app = await AppUnderTest.StartAsync(
            Create(BackgroundRoute("/api/ends", typeof(EndsOverANetworkOnItsToken), timeLimitSeconds: 30)),
            services: s => s.AddSingleton<CallbackEnds>());

        var run = await app.Test.RunBackgroundAsync("/api/ends");
        await app.Test.AdvanceAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(ExecutionStatus.Succeeded, run.Status);
        Assert.Equal(["ended"], app.Services.GetRequiredService<CallbackEnds>().Ends);
    }

    // Review 36c R6: a timer's callback ran in the execution context of the thread moving the clock: a timer armed in a
    // handler's timer callback was not the handler's ("runs and waits for nothing on the app's clock"), and what the
    // callback logged was not the run's.
    [Fact]
    public async Task A_timer_armed_in_a_handlers_timer_callback_is_that_handlers_wait_and_its_lines_are_the_runs()
    {
        await using var app = await AppUnderTest.StartAsync(Create(BackgroundRoute("/api/chain", typeof(TimerChain))), o => o.Patience = TimeSpan.FromSeconds(5));
        var id = await app.PostAsync("/api/chain");
        await app.UntilWaitingOnTheClockAsync(id);

        var run = await app.Test.WaitForAsync(id);

        Assert.Equal(ExecutionStatus.Succeeded, run.Status);
        Assert.Equal(Start.AddSeconds(3), app.Test.Clock.GetUtcNow());
        Assert.Equal(3, run.LogLines.Count(line => line.Contains("Tick", StringComparison.Ordinal)));
    }

    // An app whose run of WaitsAMinuteThenForItsToken (60 s limit) waits on the clock: at 00:01:00 its wait and its time
    // limit are due together.
    private static async Task<(AppUnderTest Test, string Id)> ThenTokenRunAsync(TimeSpan patience)
    {
        var test = await AppUnderTest.StartAsync(
            Create(BackgroundRoute("/api/then-token", typeof(WaitsAMinuteThenForItsToken), timeLimitSeconds: 60)),
            o => o.Patience = patience);
        try
        {
            var id = await test.PostAsync("/api/then-token");
            await test.UntilWaitingOnTheClockAsync(id);
            return (test, id);
        }
        catch
        {
            await test.DisposeAsync();
            throw;
        }
    }

    // One background run of the handler in each of five apps, each as "<status> at <finished>, clock <now>": a race between
    // timers shows as a difference from one app to the next.
    private static async Task<List<string>> InFiveAppsAsync(Type handler, int timeLimitSeconds)
    {
        var seen = new List<string>();
        for (var app = 0; app < 5; app++)
        {
            await using var test = await AppUnderTest.StartAsync(Create(BackgroundRoute("/api/run", handler, timeLimitSeconds: timeLimitSeconds)));

            var run = await test.Test.RunBackgroundAsync("/api/run");

            seen.Add($"{run.Status} at {run.Record.FinishedAt:HH:mm:ss}, clock {test.Test.Clock.GetUtcNow():HH:mm:ss}");
        }

        return seen;
    }
}
