using ApiRoutes.Execution;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.Extensions.Time.Testing;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>
/// What every execution store promises, whatever keeps the rows (as Wolverine's compliance tests do for its message
/// stores): a subclass per store runs all of it. Durable stores pass <see cref="DurableExecutionStoreContract"/> too.
/// </summary>
public abstract partial class ExecutionStoreContract : IAsyncLifetime
{
    private protected static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The store's clock (when it claims occurrences); PostgreSQL's claims use the server's.</summary>
    private protected FakeTimeProvider Time { get; } = new(Start);

    private protected IExecutionStore Store { get; set; } = null!;

    public virtual async Task InitializeAsync() => Store = await OpenAsync();

    public virtual async Task DisposeAsync() => await CloseAsync(Store);

    [Fact]
    public async Task An_added_execution_is_found_as_it_was_added()
    {
        await Store.AddAsync(Record("one", ExecutionStatus.Queued), Request(), default);

        Assert.Equal(Record("one", ExecutionStatus.Queued), await Store.FindAsync("one", default));
        Assert.Null(await Store.FindAsync("unknown", default));
    }

    [Fact]
    public async Task The_trace_context_is_kept_through_every_change_of_state_and_comes_back_with_unfinished_work()
    {
        var traced = Record("one", ExecutionStatus.Queued) with { TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", TraceState = "congo=t61rcWkgMzE" };
        await Store.AddAsync(traced, Request(), default);
        await Store.UpdateAsync(traced with { Status = ExecutionStatus.Running, StartedAt = At(1) }, default);

        var (record, _) = Assert.Single(await Store.GetUnfinishedAsync(10, default));

        Assert.Equal((traced.TraceParent, traced.TraceState), (record.TraceParent, record.TraceState));
        Assert.Equal(traced.TraceParent, (await Store.FindAsync("one", default))!.TraceParent);
    }

    [Fact]
    public async Task Each_change_of_state_is_kept_and_the_last_one_wins_also_when_written_without_waiting()
    {
        var running = Record("one", ExecutionStatus.Running) with { StartedAt = At(1) };
        var failed = running with { Status = ExecutionStatus.Failed, Attempt = 3, FinishedAt = At(2), Error = "boom" };

        // Written back to back, as the runtime does: the add, then each change, none awaited before the next.
        await Task.WhenAll(Store.AddAsync(Record("one", ExecutionStatus.Queued), Request(), default), Store.UpdateAsync(running, default), Store.UpdateAsync(failed, default));

        Assert.Equal(failed, await Store.FindAsync("one", default));
        Assert.Equal(failed, Assert.Single(await Store.GetRecentAsync(10, default)));
        Assert.Empty(await Store.GetUnfinishedAsync(10, default));
    }

    [Fact]
    public async Task A_retrys_due_time_is_kept_with_its_queued_row_comes_back_with_unfinished_work_and_is_cleared_by_its_start()
    {
        // Review 16b F5: the delay was the process's memory only; after a restart the retry ran at once.
        var running = Record("one", ExecutionStatus.Running) with { StartedAt = At(1) };
        var waiting = running with { Status = ExecutionStatus.Queued, Attempt = 2, StartedAt = null, Error = "boom", RetryAt = At(11) };
        await Store.AddAsync(Record("one", ExecutionStatus.Queued), Request(), default);
        await Store.UpdateAsync(running, default);
        await Store.UpdateAsync(waiting, default);

        Assert.Equal(waiting, await Store.FindAsync("one", default));
        Assert.Equal(waiting, Assert.Single(await Store.GetUnfinishedAsync(10, default)).Record);

        var retried = waiting with { Status = ExecutionStatus.Running, StartedAt = At(11), RetryAt = null };
        await Store.UpdateAsync(retried, default);
        Assert.Equal(retried, await Store.FindAsync("one", default));

        // A change that reaches the store before its execution's row (the whole row is written) keeps it too.
        await Store.UpdateAsync(waiting with { Id = "two" }, default);
        Assert.Equal(At(11), (await Store.FindAsync("two", default))!.RetryAt);
    }

    [Fact]
    public async Task A_retrys_earlier_attempts_are_kept_with_its_queued_row_and_after_it_succeeds()
    {
        // Review 39a N1: once attempt 2 succeeded, nothing said attempt 1 had failed, when, or why.
        var running = Record("one", ExecutionStatus.Running) with { StartedAt = At(1) };
        var error = "System.InvalidOperationException: the mail server said \"ü\"\n   at Shop.Api.SendMail.HandleAsync()";
        var waiting = running with { Status = ExecutionStatus.Queued, Attempt = 2, StartedAt = null, Error = error, RetryAt = At(11), EarlierAttempts = running.WithCurrentFailed(At(2), error) };
        var stopped = waiting with { Status = ExecutionStatus.Queued, Attempt = 3, EarlierAttempts = (waiting with { StartedAt = At(11) }).WithCurrentFailed(null, "its process stopped") };
        await Store.AddAsync(Record("one", ExecutionStatus.Queued), Request(), default);
        await Store.UpdateAsync(running, default);
        await Store.UpdateAsync(waiting, default);

        Assert.Equal(waiting, await Store.FindAsync("one", default));
        Assert.Equal(waiting, Assert.Single(await Store.GetUnfinishedAsync(10, default)).Record);

        await Store.UpdateAsync(stopped, default);
        var succeeded = stopped with { Status = ExecutionStatus.Succeeded, StartedAt = At(20), FinishedAt = At(21), Error = null, RetryAt = null };
        await Store.UpdateAsync(succeeded, default);

        var found = (await Store.FindAsync("one", default))!;
        Assert.Equal(succeeded, found);
        Assert.Equal(
            [new EarlierAttempt { Attempt = 1, StartedAt = At(1), FinishedAt = At(2), Error = error }, new EarlierAttempt { Attempt = 2, StartedAt = At(11), Error = "its process stopped" }],
            found.EarlierAttempts);
        Assert.Equal(succeeded with { EarlierAttempts = [] }, Assert.Single(await Store.GetRecentAsync(10, default)) with { EarlierAttempts = [] });   // a list may leave them out
    }

    [Fact]
    public async Task Recent_executions_come_newest_first_then_by_id_up_to_the_limit()
    {
        foreach (var (id, minute) in new[] { ("b", 5), ("old", 1), ("a", 5), ("newest", 9), ("c", 3) })
        {
            await Store.AddAsync(Record(id, ExecutionStatus.Queued, minute), Request(), default);
        }

        Assert.Equal(["newest", "a", "b", "c"], (await Store.GetRecentAsync(4, default)).Select(r => r.Id));
        Assert.Equal(5, (await Store.GetRecentAsync(100, default)).Count);
    }

    [Fact]
    public async Task Unfinished_executions_come_back_oldest_first_with_their_requests_and_finished_ones_do_not()
    {
        await Store.AddAsync(Record("running", ExecutionStatus.Queued, 2), Request(), default);
        await Store.UpdateAsync(Record("running", ExecutionStatus.Running, 2) with { StartedAt = At(3) }, default);
        await Store.AddAsync(Record("queued", ExecutionStatus.Queued, 1), SampleRequests.Full(), default);
        await Store.AddAsync(Record("done", ExecutionStatus.Queued, 0), Request(), default);
        await Store.UpdateAsync(Record("done", ExecutionStatus.Succeeded, 0) with { FinishedAt = At(1) }, default);
        var scheduled = Record("tick", ExecutionStatus.Queued, 4) with { Route = "/api/tick", Kind = "scheduled", Occurrence = At(4) };
        await Store.AddAsync(scheduled, null, default);   // a scheduled run keeps no request: it is not repeated

        var unfinished = await Store.GetUnfinishedAsync(10, default);

        Assert.Equal(["queued", "running", "tick"], unfinished.Select(e => e.Record.Id));
        Assert.All(unfinished, e => Assert.Null(e.Unreadable));
        SampleRequests.AssertIsFull(unfinished[0].Request);
        Assert.Equal((ExecutionStatus.Running, At(3)), (unfinished[1].Record.Status, unfinished[1].Record.StartedAt));
        Assert.Equal((scheduled, null), (unfinished[2].Record, unfinished[2].Request));
        Assert.Equal(["queued", "running"], (await Store.GetUnfinishedAsync(2, default)).Select(e => e.Record.Id));
    }

    // Review 41c R3: start-up recovery's page was filled by retries still waiting (oldest first), past their room, while
    // rows that could run now, accepted after them, were not read. Review 42b: the retry due first comes first among them
    // (F2), and a running row runs again at once whatever due time it holds (F3).
    [Fact]
    public async Task Unfinished_executions_that_can_run_now_come_back_before_retries_still_waiting_soonest_due_first()
    {
        await Store.AddAsync(Record("waiting", ExecutionStatus.Queued, 0) with { Attempt = 2, RetryAt = At(60) }, Request(), default);
        await Store.AddAsync(Record("due", ExecutionStatus.Queued, 1) with { Attempt = 2, RetryAt = At(10) }, Request(), default);
        await Store.AddAsync(Record("running", ExecutionStatus.Queued, 2), Request(), default);
        await Store.UpdateAsync(Record("running", ExecutionStatus.Running, 2) with { StartedAt = At(3), RetryAt = At(90) }, default);
        await Store.AddAsync(Record("later", ExecutionStatus.Queued, 3) with { Attempt = 2, RetryAt = At(30) }, Request(), default);
        await Store.AddAsync(Record("queued", ExecutionStatus.Queued, 4), SampleRequests.Full(), default);

        var unfinished = await Store.GetUnfinishedAsync(10, At(10), default);

        Assert.Equal(["due", "running", "queued", "later", "waiting"], unfinished.Select(e => e.Record.Id));
        SampleRequests.AssertIsFull(unfinished[2].Request);
        Assert.Equal(["due", "running", "queued", "later"], (await Store.GetUnfinishedAsync(4, At(10), default)).Select(e => e.Record.Id));
        Assert.Equal(["due", "running"], (await Store.GetUnfinishedAsync(2, At(10), default)).Select(e => e.Record.Id));
        Assert.Equal(["waiting", "due", "running", "later", "queued"], (await Store.GetUnfinishedAsync(10, default)).Select(e => e.Record.Id));
        Assert.Equal(["waiting", "due", "running", "later", "queued"], (await Store.GetUnfinishedAsync(10, At(60), default)).Select(e => e.Record.Id));
        Assert.Empty(await Store.GetUnfinishedAsync(0, At(10), default));
    }

    [Fact]
    public async Task Pruning_deletes_only_executions_that_finished_before_the_cutoff()
    {
        await Store.UpdateAsync(Record("old", ExecutionStatus.Succeeded) with { FinishedAt = At(1) }, default);
        await Store.UpdateAsync(Record("failed", ExecutionStatus.Failed) with { FinishedAt = At(2), Error = "boom" }, default);
        await Store.UpdateAsync(Record("new", ExecutionStatus.Succeeded) with { FinishedAt = At(100) }, default);
        await Store.AddAsync(Record("waiting", ExecutionStatus.Queued), Request(), default);
        await Store.AddAsync(Record("running", ExecutionStatus.Queued), Request(), default);
        await Store.UpdateAsync(Record("running", ExecutionStatus.Running) with { StartedAt = At(1) }, default);

        Assert.Equal(2, await Store.PruneAsync(At(50), default));

        Assert.Equal(["new", "running", "waiting"], (await Store.GetRecentAsync(10, default)).Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.Null(await Store.FindAsync("old", default));
        Assert.Equal(2, (await Store.GetUnfinishedAsync(10, default)).Count);
    }

    [Fact]
    public async Task A_released_claim_can_be_claimed_again_and_only_the_claim_of_the_execution_named_is_released()
    {
        // Review 35b F2: the claims a clock ahead by hours made are released once it is put right, and those occurrences
        // run when they come; a claim of the occurrence by another execution (a trigger's) keeps its meaning.
        await Store.ClaimOccurrenceAsync("/api/tick", At(0), "a", default);
        await Store.ClaimOccurrenceAsync("/api/tick", At(60), "b", default);
        await Store.ClaimOccurrenceAsync("/api/tick", At(120), "c", default);
        await Store.ClaimOccurrenceAsync("/api/tock", At(60), "d", default);

        await Store.ReleaseClaimsAsync("/api/tick", [new OccurrenceClaimed(At(60), "b"), new OccurrenceClaimed(At(120), "not c")], default);
        await Store.ReleaseClaimsAsync("/api/tick", [], default);

        Assert.Equal(At(120), (await Store.GetLastOccurrenceAsync("/api/tick", DateTimeOffset.MaxValue, default)).Latest);
        var released = await Store.ClaimOccurrenceAsync("/api/tick", At(60), "b2", default);
        var kept = await Store.ClaimOccurrenceAsync("/api/tick", At(120), "c2", default);
        var before = await Store.ClaimOccurrenceAsync("/api/tick", At(0), "a2", default);
        var otherRoute = await Store.ClaimOccurrenceAsync("/api/tock", At(60), "d2", default);
        Assert.Equal((true, false, false, false), (released.Claimed, kept.Claimed, before.Claimed, otherRoute.Claimed));

        await Store.ReleaseClaimsAsync("/api/tick", [new OccurrenceClaimed(At(120), "c")], default);
        Assert.Equal(At(60), (await Store.GetLastOccurrenceAsync("/api/tick", DateTimeOffset.MaxValue, default)).Latest);
    }

    [Fact]
    public async Task An_occurrence_is_claimed_once_and_the_latest_claimed_is_the_schedules_last_run()
    {
        var first = await Store.ClaimOccurrenceAsync("/api/tick", At(0), "a", default);
        var again = await Store.ClaimOccurrenceAsync("/api/tick", At(0), "b", default);
        var next = await Store.ClaimOccurrenceAsync("/api/tick", At(60), "c", default);
        var other = await Store.ClaimOccurrenceAsync("/api/tock", At(0), "d", default);

        Assert.Equal((true, false, true, true), (first.Claimed, again.Claimed, next.Claimed, other.Claimed));
        Assert.Equal(At(60), (await Store.GetLastOccurrenceAsync("/api/tick", DateTimeOffset.MaxValue, default)).Latest);
        Assert.Null((await Store.GetLastOccurrenceAsync("/api/never", DateTimeOffset.MaxValue, default)).Latest);
    }

    [Fact]
    public async Task A_claim_asked_again_by_the_execution_that_holds_it_is_claimed_and_by_another_it_is_not()
    {
        // Review 38a F2: a claim whose answer was lost (it landed, the link broke) is asked again with the same execution
        // id; that it is this execution's claim is the answer, not "claimed elsewhere".
        var first = await Store.ClaimOccurrenceAsync("/api/tick", At(0), "a", default);
        var again = await Store.ClaimOccurrenceAsync("/api/tick", At(0), "a", default);
        var other = await Store.ClaimOccurrenceAsync("/api/tick", At(0), "b", default);
        var stillMine = await Store.ClaimOccurrenceAsync("/api/tick", At(0), "a", default);

        Assert.Equal((true, true, false, true), (first.Claimed, again.Claimed, other.Claimed, stillMine.Claimed));
        Assert.Equal(At(0), (await Store.GetLastOccurrenceAsync("/api/tick", DateTimeOffset.MaxValue, default)).Latest);
    }

    [Fact]
    public async Task Of_many_concurrent_claims_of_one_occurrence_exactly_one_wins()
    {
        var claims = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Store.ClaimOccurrenceAsync("/api/tick", At(i % 4), $"e{i}", default)));

        Assert.Equal(4, claims.Count(claim => claim.Claimed));
    }

    [Fact]
    public async Task An_occurrence_is_not_claimed_while_its_schedule_is_paused_on_the_stores_clock_and_is_once_the_pause_ends()
    {
        await Store.SetPauseAsync(new SchedulePause("/api/tick", null, At(0)), default);
        await Store.SetPauseAsync(new SchedulePause("/api/tock", At(5), At(0)), default);

        var untilResumed = await Store.ClaimOccurrenceAsync("/api/tick", At(1), "a", default);
        var timed = await Store.ClaimOccurrenceAsync("/api/tock", At(1), "b", default);
        var other = await Store.ClaimOccurrenceAsync("/api/other", At(1), "c", default);

        Assert.Equal((false, false, true), (untilResumed.Claimed, timed.Claimed, other.Claimed));
        Assert.Equal(("/api/tick", (DateTimeOffset?)null), (untilResumed.Paused!.Route, untilResumed.Paused.Until));
        Assert.Equal(At(5), timed.Paused!.Until!.Value.ToUniversalTime());
        Assert.Null(other.Paused);
        Assert.Null((await Store.GetLastOccurrenceAsync("/api/tick", DateTimeOffset.MaxValue, default)).Latest);   // a refused claim is no run

        // The timed pause ends on the store's clock: the occurrence at its end is claimed (the one inside it stays
        // skipped). The other is resumed: the occurrence that came while it held stays skipped, the next is claimed.
        Time.Advance(TimeSpan.FromMinutes(5));
        await Store.EndPausesAsync("/api/tick", At(5), default);
        var pausedThen = await Store.ClaimOccurrenceAsync("/api/tick", At(1), "d", default);
        var resumed = await Store.ClaimOccurrenceAsync("/api/tick", At(5), "d2", default);
        var ended = await Store.ClaimOccurrenceAsync("/api/tock", At(5), "e", default);

        Assert.Equal((false, true, true), (pausedThen.Claimed, resumed.Claimed, ended.Claimed));
        Assert.Equal((At(5), null, null), (pausedThen.Paused!.Until!.Value.ToUniversalTime(), resumed.Paused, ended.Paused));

        // Claimed before, then paused: asked again (a replayed trigger), it is "claimed before", not "paused".
        await Store.SetPauseAsync(new SchedulePause("/api/tick", null, At(5)), default);
        Assert.Equal(new OccurrenceClaim(false), await Store.ClaimOccurrenceAsync("/api/tick", At(5), "f", default));
    }

    [Fact]
    public async Task An_occurrence_that_came_while_a_timed_pause_held_is_not_claimed_once_the_pause_has_ended()
    {
        // Review 30d F5: the claim judged the pause at the claim's time only, so a catch-up or a late trigger ran an
        // occurrence the operator had paused, once the pause had ended.
        await Store.SetPauseAsync(new SchedulePause("/api/tick", At(120), At(30)), default);
        Time.Advance(TimeSpan.FromHours(3));

        var before = await Store.ClaimOccurrenceAsync("/api/tick", At(0), "a", default);
        var inside = await Store.ClaimOccurrenceAsync("/api/tick", At(60), "b", default);
        var after = await Store.ClaimOccurrenceAsync("/api/tick", At(120), "c", default);

        Assert.Equal((true, false, true), (before.Claimed, inside.Claimed, after.Claimed));
        Assert.Equal(At(120), inside.Paused!.Until);
    }

    [Fact]
    public async Task The_latest_claim_at_or_before_an_instant_is_told_beside_the_latest_and_pruning_keeps_both()
    {
        Time.Advance(TimeSpan.FromHours(2));
        foreach (var (at, id) in new[] { (At(0), "a"), (At(60), "b"), (Start.AddDays(2), "ahead") })
        {
            await Store.ClaimOccurrenceAsync("/api/tick", at, id, default);
        }

        Assert.Equal(new LastClaims(Start.AddDays(2), At(60)), await Store.GetLastOccurrenceAsync("/api/tick", At(100), default));
        Assert.Equal(new LastClaims(Start.AddDays(2), null), await Store.GetLastOccurrenceAsync("/api/tick", At(-1), default));
        Assert.Equal(default, await Store.GetLastOccurrenceAsync("/api/never", At(100), default));

        // A claim written while a clock was ahead is not the one the start-up counts from: both stay.
        await AgeClaimsAsync();
        await Store.PruneAsync(DateTimeOffset.UtcNow.AddDays(1), default);
        Assert.True((await Store.ClaimOccurrenceAsync("/api/tick", At(0), "again", default)).Claimed);
        Assert.Equal(new LastClaims(Start.AddDays(2), At(60)), await Store.GetLastOccurrenceAsync("/api/tick", At(100), default));
    }

    [Fact]
    public async Task The_schedule_a_route_is_served_with_is_kept_from_the_start_that_first_served_it_and_replaced_by_a_different_one()
    {
        Assert.Equal(default, await Store.GetServedScheduleAsync("/api/tick", default));
        Assert.Equal(default, await Store.ServeScheduleAsync("/api/tick", "0 * * * *", At(0), default));   // nothing known before
        Assert.Equal(new ServedSchedule("0 * * * *", At(0)), await Store.GetServedScheduleAsync("/api/tick", default));
        Assert.Equal(new ServedSchedule("0 * * * *", At(0)), await Store.ServeScheduleAsync("/api/tick", "0 * * * *", At(60), default));
        Assert.Equal(new ServedSchedule("0 * * * *", At(0)), await Store.ServeScheduleAsync("/api/tick", "*/5 * * * * Europe/Berlin", At(120), default));
        Assert.Equal(new ServedSchedule("*/5 * * * * Europe/Berlin", At(120)), await Store.ServeScheduleAsync("/api/tick", "*/5 * * * * Europe/Berlin", At(180), default));
        Assert.Equal(default, await Store.ServeScheduleAsync("/api/tock", "0 * * * *", At(180), default));

        // A since later than the start that says it (written while a clock was ahead) is told, and replaced.
        Assert.Equal(new ServedSchedule("0 * * * *", At(180)), await Store.ServeScheduleAsync("/api/tock", "0 * * * *", At(100), default));
        Assert.Equal(new ServedSchedule("0 * * * *", At(100)), await Store.ServeScheduleAsync("/api/tock", "0 * * * *", At(200), default));
    }

    [Fact]
    public async Task A_pause_is_kept_replaced_and_removed_and_pruning_forgets_only_timed_pauses_that_ended()
    {
        Assert.Empty(await Store.GetPausesAsync(default));

        await Store.SetPauseAsync(new SchedulePause("/api/tick", null, At(0)), default);
        await Store.SetPauseAsync(new SchedulePause("/api/tock", At(3600), At(0)), default);
        await Store.SetPauseAsync(new SchedulePause("/api/tick", At(7200), At(0)), default);   // the same pause, until another time
        await Store.SetPauseAsync(new SchedulePause("/api/tick", At(7200), At(60)), default);  // another (two replicas at once): the first kept, ended then

        Assert.Equal(
            [new SchedulePause("/api/tick", At(60), At(0), Superseded: true), new SchedulePause("/api/tick", At(7200), At(60)), new SchedulePause("/api/tock", At(3600), At(0))],
            await PausesAsync());

        await Store.SetPauseAsync(new SchedulePause("/api/tick", null, At(120)), default);   // until resumed
        await Store.SetPauseAsync(new SchedulePause("/api/tack", At(600), At(0)), default);   // ended, and nothing since
        Time.Advance(TimeSpan.FromMinutes(3600));
        Assert.True((await Store.ClaimOccurrenceAsync("/api/tock", At(3600), "after-the-pause", default)).Claimed);
        await Store.PruneAsync(At(5000), default);

        // Review 31c F6: an ended pause the schedule has not gone on past is what the next start reads to tell what came
        // while it held: kept. One the schedule went on past (a claim at or after its end) is forgotten.
        Assert.Equal(
            [new SchedulePause("/api/tack", At(600), At(0)), new SchedulePause("/api/tick", At(60), At(0), Superseded: true), new SchedulePause("/api/tick", At(120), At(60), Superseded: true), new SchedulePause("/api/tick", null, At(120))],
            await PausesAsync());
        await Store.ServeScheduleAsync("/api/tack", "0 * * * *", At(700), default);
        await Store.ServeScheduleAsync("/api/tick", "0 * * * *", At(90), default);
        await Store.PruneAsync(At(5000), default);
        Assert.Equal([new SchedulePause("/api/tick", At(120), At(60), Superseded: true), new SchedulePause("/api/tick", null, At(120))], await PausesAsync());

        // Resumed: every pause of it ends then at the latest, and stays as the record of what came before.
        await Store.EndPausesAsync("/api/tick", At(4000), default);
        await Store.EndPausesAsync("/api/never-paused", At(4000), default);
        Assert.Equal([new SchedulePause("/api/tick", At(120), At(60), Superseded: true), new SchedulePause("/api/tick", At(4000), At(120))], await PausesAsync());
    }

    [Fact]
    public async Task A_resume_ends_the_records_of_pauses_stamped_ahead_of_its_clock_too()
    {
        // Review 32c F3: a replica whose clock was a day ahead paused, resumed and paused again; with the clocks right, the
        // superseded record (its end a day ahead) held the schedule paused past any resume, and refused the next day's runs.
        var ahead = At(0).AddDays(1);
        await Store.SetPauseAsync(new SchedulePause("/api/tick", ahead.AddMinutes(5), ahead), default);
        await Store.SetPauseAsync(new SchedulePause("/api/tick", ahead.AddMinutes(15), ahead.AddMinutes(10)), default);

        Time.Advance(TimeSpan.FromMinutes(1));
        await Store.EndPausesAsync("/api/tick", At(1), default);

        Assert.True((await Store.ClaimOccurrenceAsync("/api/tick", ahead.AddMinutes(2), "next-day", default)).Claimed);
        Assert.True((await Store.ClaimOccurrenceAsync("/api/tick", ahead.AddMinutes(12), "next-day-later", default)).Claimed);
        Assert.All(await PausesAsync(), pause => Assert.Equal(At(1), pause.Until));
    }

    [Fact]
    public async Task A_pause_after_one_that_ended_keeps_the_ended_ones_span_for_the_claims_and_the_reads()
    {
        // Review 31c F1: paused, resumed, paused again while no instance scheduled: the second pause replaced the record
        // of the first, and what came while the first held was then counted missed at the next start, one caught up.
        await Store.SetPauseAsync(new SchedulePause("/api/tick", null, At(30)), default);
        await Store.SetPauseAsync(new SchedulePause("/api/tick", At(200), At(30)), default);   // resumed at 200
        await Store.SetPauseAsync(new SchedulePause("/api/tick", null, At(210)), default);     // paused again
        Time.Advance(TimeSpan.FromMinutes(300));
        await Store.SetPauseAsync(new SchedulePause("/api/tick", At(300), At(210)), default);   // and resumed

        Assert.Equal([new SchedulePause("/api/tick", At(200), At(30), Superseded: true), new SchedulePause("/api/tick", At(300), At(210))], await PausesAsync());
        var claims = new List<OccurrenceClaim>();
        foreach (var minute in new[] { 0, 60, 205, 240, 300 })
        {
            claims.Add(await Store.ClaimOccurrenceAsync("/api/tick", At(minute), $"m{minute}", default));
        }

        Assert.Equal([true, false, true, false, true], claims.Select(claim => claim.Claimed));
        Assert.Equal(At(200), claims[1].Paused!.Until!.Value.ToUniversalTime());
        Assert.Equal(At(300), claims[3].Paused!.Until!.Value.ToUniversalTime());
    }

    private async Task<List<SchedulePause>> PausesAsync() =>
        [.. (await Store.GetPausesAsync(default))
            .Select(pause => pause with { Until = pause.Until?.ToUniversalTime(), PausedAt = pause.PausedAt.ToUniversalTime() })
            .OrderBy(pause => pause.Route, StringComparer.Ordinal).ThenBy(pause => pause.PausedAt)];

    [Fact]
    public async Task Pruning_forgets_claims_made_before_the_cutoff_but_each_schedules_latest()
    {
        Time.Advance(TimeSpan.FromHours(2));
        await Store.ClaimOccurrenceAsync("/api/tick", At(0), "a", default);
        await Store.ClaimOccurrenceAsync("/api/tick", At(60), "b", default);
        await Store.ClaimOccurrenceAsync("/api/tock", At(0), "c", default);

        // A cutoff before the claims keeps them all; one after (by the store's clock or the server's) forgets the old.
        await Store.PruneAsync(Start.AddYears(-1), default);
        Assert.False((await Store.ClaimOccurrenceAsync("/api/tick", At(0), "d", default)).Claimed);
        await AgeClaimsAsync();
        await Store.PruneAsync(DateTimeOffset.UtcNow.AddDays(1), default);

        Assert.True((await Store.ClaimOccurrenceAsync("/api/tick", At(0), "e", default)).Claimed);
        Assert.False((await Store.ClaimOccurrenceAsync("/api/tick", At(60), "f", default)).Claimed);
        Assert.False((await Store.ClaimOccurrenceAsync("/api/tock", At(0), "g", default)).Claimed);
        Assert.Equal(At(60), (await Store.GetLastOccurrenceAsync("/api/tick", DateTimeOffset.MaxValue, default)).Latest);
    }

    [Fact]
    public async Task Thousands_of_concurrent_writers_all_complete_and_every_execution_is_kept()
    {
        var ids = Enumerable.Range(0, 3000).Select(i => $"e{i:D4}").ToList();

        // One bound on the whole, a guard against a writer that hangs, not a deadline of the work (review 37a Finding A:
        // 60 s, and 18.6 s on PostgreSQL on a busy machine, the 4,000 continuations on a shared pool).
        await Task.WhenAll(ids.Select(id => Store.AddAsync(Record(id, ExecutionStatus.Queued), Request(), default))
            .Concat(ids.Take(1000).Select(id => Store.UpdateAsync(Record(id, ExecutionStatus.Succeeded) with { FinishedAt = At(1) }, default))))
            .WaitAsync(HangGuard);

        Assert.Equal(ids.Skip(1000), (await Store.GetUnfinishedAsync(int.MaxValue, default)).Select(e => e.Record.Id).Order(StringComparer.Ordinal));
        Assert.Equal(ExecutionStatus.Succeeded, (await Store.FindAsync("e0999", default))!.Status);
    }

    [Fact]
    public async Task A_closed_store_refuses_writes_at_once_and_never_leaves_a_writer_waiting()
    {
        await CloseAsync(Store);

        await Assert.ThrowsAsync<ExecutionStoreUnavailableException>(() => Store.AddAsync(Record("late", ExecutionStatus.Queued), Request(), default).WaitAsync(TimeSpan.FromSeconds(10)));
        await Assert.ThrowsAsync<ExecutionStoreUnavailableException>(() => Store.UpdateAsync(Record("late", ExecutionStatus.Running), default).WaitAsync(TimeSpan.FromSeconds(10)));
        await Assert.ThrowsAsync<ExecutionStoreUnavailableException>(() => Store.ClaimOccurrenceAsync("/api/tick", At(0), "late", default).WaitAsync(TimeSpan.FromSeconds(10)));
        await Assert.ThrowsAsync<ExecutionStoreUnavailableException>(() => Store.PruneAsync(At(0), default).WaitAsync(TimeSpan.FromSeconds(10)));
        Store = await OpenAsync();
    }

    /// <summary>
    /// How long a test of thousands of writes waits for them all: a guard against a writer that hangs (one never told),
    /// minutes, since the work is CPU-bound and takes as long as the machine is busy (review 37a Finding A).
    /// </summary>
    private protected static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(5);

    private protected static DateTimeOffset At(int minutes) => Start.AddMinutes(minutes);

    private protected static ExecutionRecord Record(string id, ExecutionStatus status, int acceptedMinute = 0) =>
        new() { Id = id, Route = "/api/job", Kind = "background", Status = status, AcceptedAt = At(acceptedMinute) };

    private protected static RequestSnapshot Request() => RequestSnapshot.Synthetic("/api/job", "{}"u8.ToArray());

    /// <summary>
    /// Makes the claims written so far older, by the store's clock, than any it keeps whatever the retention (PostgreSQL
    /// keeps those its take-overs still look at: review 38g F6); a store without such a bound has nothing to do.
    /// </summary>
    private protected virtual Task AgeClaimsAsync() => Task.CompletedTask;

    /// <summary>Opens the store: a new one, or for a durable store, the one the test has been writing to.</summary>
    private protected abstract Task<IExecutionStore> OpenAsync();

    private protected static async Task CloseAsync(IExecutionStore store) => await ((IAsyncDisposable)store).DisposeAsync();
}
