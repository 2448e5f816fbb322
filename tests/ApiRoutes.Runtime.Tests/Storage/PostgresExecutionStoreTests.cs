using ApiRoutes.Execution;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using ApiRoutes.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>
/// What only the PostgreSQL store does, against a real server (each test has a database of its own; stores play
/// replicas): take-over, leases, claims of waiting work, one claim of an occurrence across replicas, its schema.
/// </summary>
public sealed class PostgresExecutionStoreTests : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    private readonly List<PostgresExecutionStore> _stores = [];
    private string _database = null!;

    public async Task InitializeAsync() => _database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_execution_of_a_stopped_replica_comes_back_with_its_request_to_another()
    {
        var first = Open();
        await first.AddAsync(Record("one", ExecutionStatus.Queued), SampleRequests.Full(), default);
        var second = Open();
        Assert.Empty(await second.Coordination.ClaimUnfinishedAsync(100, Served, default));   // its replica is alive: not for the taking

        await Stop(first);
        var (record, copy) = Assert.Single(await second.Coordination.ClaimUnfinishedAsync(100, Served, default));

        Assert.Equal(Record("one", ExecutionStatus.Queued), record);
        SampleRequests.AssertIsFull(copy);
        Assert.Empty(await second.Coordination.ClaimUnfinishedAsync(100, Served, default));   // claimed once
    }

    [Fact]
    public async Task A_replica_that_stops_renewing_its_lease_has_its_work_taken_over_once_it_lapses()
    {
        // Its renewal timer never fires (the fake clock stands still), and its lease is made to lapse once its execution
        // has started: a lease that lapsed in real time (one second) could lapse before the start on a busy machine,
        // which then refused the start.
        var dying = Open();
        await dying.AddAsync(Record("one", ExecutionStatus.Queued), Request(), default);
        await dying.UpdateAsync(Record("one", ExecutionStatus.Running), default);
        Assert.Equal(1, await PostgresServer.ScalarAsync<int>(_database, """
            WITH lapsed AS (UPDATE apiroutes_replicas SET lease_until = now() - interval '1 second' RETURNING 1)
            SELECT count(*)::int FROM lapsed
            """));
        var survivor = Open();

        var taken = await PollAsync(() => survivor.Coordination.ClaimUnfinishedAsync(100, Served, default));

        Assert.Equal(("one", ExecutionStatus.Running), (taken.Record.Id, taken.Record.Status));
        var lost = await Assert.ThrowsAsync<ExecutionStoreUnavailableException>(() => dying.UpdateAsync(Record("one", ExecutionStatus.Succeeded), default));
        Assert.Contains("held by another replica now", lost.Message, StringComparison.Ordinal);
        await survivor.UpdateAsync(Record("one", ExecutionStatus.Succeeded) with { FinishedAt = At(1) }, default);
        Assert.Equal(ExecutionStatus.Succeeded, Assert.Single(await survivor.QueryAsync(new ExecutionQuery { Limit = 10 }, default)).Status);
    }

    // Review 47C F1: a replica's claim that met a run of the schedule going on another was recorded skipped, apart and not
    // awaited, and left the occurrence unclaimed: a trigger of it on any replica once that run had ended, before the
    // record landed, claimed it and ran it late. The claim takes the occurrence as skipped in the same statement.
    [Fact]
    public async Task A_claim_that_meets_a_run_going_on_another_replica_takes_the_occurrence_as_skipped_for_good()
    {
        var running = Open();
        var other = Open();
        var tick = new ExecutionRecord { Id = "tick-0", Route = "/api/tick", Kind = "scheduled", Status = ExecutionStatus.Queued, Attempt = 1, AcceptedAt = At(0), Occurrence = At(0) };
        Assert.True((await running.ClaimOccurrenceAsync("/api/tick", At(0), "tick-0", default)).Claimed);
        await running.AddAsync(tick, null, default);

        var met = await other.ClaimOccurrenceAsync("/api/tick", At(1), "tick-1", default);
        await running.UpdateAsync(tick with { Status = ExecutionStatus.Succeeded, FinishedAt = At(2) }, default);
        var late = await other.ClaimOccurrenceAsync("/api/tick", At(1), "trigger", default);
        var lateHere = await running.ClaimOccurrenceAsync("/api/tick", At(1), "trigger-here", default);

        Assert.Equal(new OccurrenceClaim(false, RunningElsewhere: "tick-0"), met);
        Assert.Equal(new OccurrenceClaim(false, SkippedFor: "tick-0"), late);
        Assert.Equal(new OccurrenceClaim(false, SkippedFor: "tick-0"), lateHere);
        Assert.True((await other.ClaimOccurrenceAsync("/api/tick", At(2), "tick-2", default)).Claimed);   // the next runs
    }

    [Fact]
    public async Task An_idle_replica_takes_only_first_attempts_that_waited_long_enough_at_a_busy_one_which_then_cannot_start_them()
    {
        var busy = Open();
        await busy.AddAsync(Record("old", ExecutionStatus.Queued), Request(), default);
        await busy.AddAsync(Record("new", ExecutionStatus.Queued) with { AcceptedAt = At(10) }, Request(), default);
        await busy.AddAsync(Record("retry", ExecutionStatus.Queued) with { Attempt = 2 }, Request(), default);
        await busy.AddAsync(Record("started", ExecutionStatus.Queued), Request(), default);
        Assert.True(await busy.Coordination.TryStartAsync(Record("started", ExecutionStatus.Running), default));
        var idle = Open();
        await idle.AddAsync(Record("own", ExecutionStatus.Queued), Request(), default);

        var taken = await idle.Coordination.ClaimWaitingAsync(100, At(5), Served, default);

        Assert.Equal(["old"], taken.Select(e => e.Record.Id));
        Assert.NotNull(taken[0].Request);
        Assert.False(await busy.Coordination.TryStartAsync(Record("old", ExecutionStatus.Running), default));   // its turn came too late
        Assert.True(await idle.Coordination.TryStartAsync(Record("old", ExecutionStatus.Running), default));
        Assert.True(await busy.Coordination.TryStartAsync(Record("new", ExecutionStatus.Running), default));
        Assert.Empty(await idle.Coordination.ClaimWaitingAsync(100, At(5), Served, default));
    }

    // Review 38a F3: a replica's own first attempts that landed although their accepts were answered 503 are held
    // nowhere in memory; it takes those, waiting long enough, and none it holds, nor another replica's. Review 45a F1:
    // also its other unfinished rows it does not hold (a take-over's claim whose answer was lost: a retry, a running one).
    [Fact]
    public async Task A_replica_takes_its_own_unfinished_rows_that_it_does_not_hold_and_nothing_else()
    {
        var own = Open();
        await own.AddAsync(Record("landed", ExecutionStatus.Queued), Request(), default);
        await own.AddAsync(Record("held", ExecutionStatus.Queued), Request(), default);
        await own.AddAsync(Record("new", ExecutionStatus.Queued) with { AcceptedAt = At(10) }, Request(), default);
        await own.AddAsync(Record("retry", ExecutionStatus.Queued) with { Attempt = 2 }, Request(), default);
        await own.AddAsync(Record("started", ExecutionStatus.Queued), Request(), default);
        Assert.True(await own.Coordination.TryStartAsync(Record("started", ExecutionStatus.Running), default));
        var other = Open();
        await other.AddAsync(Record("other's", ExecutionStatus.Queued), Request(), default);

        var taken = await own.Coordination.ClaimLandedAsync(100, At(5), ["held"], Served, default);

        Assert.Equal(["landed", "retry", "started"], taken.Select(e => e.Record.Id).Order());
        Assert.All(taken, execution => Assert.NotNull(execution.Request));
        Assert.True(await own.Coordination.TryStartAsync(Record("landed", ExecutionStatus.Running), default));
        Assert.Empty(await own.Coordination.ClaimLandedAsync(100, At(5), ["held", "landed", "retry", "started"], Served, default));   // held once taken
        Assert.Equal(["other's"], (await other.Coordination.ClaimLandedAsync(100, At(5), [], Served, default)).Select(e => e.Record.Id));   // its own alone
    }

    // Review 25b F4: a replica of the other version, without the route, took the waiting work of a live replica that has
    // it and recorded it failed ("its route no longer exists in this deploy").
    [Fact]
    public async Task In_a_rolling_deploy_a_replica_leaves_the_work_of_a_route_it_lacks_to_a_live_replica_that_has_it()
    {
        var busy = Open();
        await busy.AddAsync(Record("waiting", ExecutionStatus.Queued), Request(), default);
        Assert.Empty(await busy.Coordination.ClaimUnfinishedAsync(100, Served, default));   // a claim names the routes it serves
        var stopped = Open();
        await stopped.AddAsync(Record("orphan", ExecutionStatus.Queued) with { AcceptedAt = At(1) }, Request(), default);
        await Stop(stopped);
        var earlier = Open();   // never claims: as a replica of an earlier release, it names no routes
        var without = Open();   // its deploy removed /api/job, and has a scheduled route of that path
        string[] others = ["background /api/other", "scheduled /api/job"];

        Assert.Empty(await without.Coordination.ClaimWaitingAsync(100, At(5), others, default));
        Assert.Empty(await without.Coordination.ClaimUnfinishedAsync(100, others, default));
        await Stop(earlier);
        Assert.Empty(await without.Coordination.ClaimUnfinishedAsync(100, others, default));   // busy serves it

        await Stop(busy);   // no live replica serves it now: nobody could run it, so it is taken (to be recorded failed)
        Assert.Equal(["waiting", "orphan"], (await without.Coordination.ClaimUnfinishedAsync(100, others, default)).Select(e => e.Record.Id));
    }

    [Fact]
    public async Task Replicas_claiming_at_once_split_the_work_and_never_take_a_row_twice()
    {
        var stopped = Open();
        await Task.WhenAll(Enumerable.Range(0, 600).Select(i => stopped.AddAsync(Record($"e{i:D4}", ExecutionStatus.Queued), Request(), default)));
        await Stop(stopped);
        var replicas = Enumerable.Range(0, 3).Select(_ => Open()).ToList();

        var claims = await Task.WhenAll(replicas.Select(async replica =>
        {
            var mine = new List<string>();
            for (var round = 0; round < 100; round++)
            {
                var batch = await replica.Coordination.ClaimUnfinishedAsync(50, Served, default);
                if (batch.Count == 0)
                {
                    break;
                }

                mine.AddRange(batch.Select(e => e.Record.Id));
            }

            return mine;
        }));

        var all = claims.SelectMany(ids => ids).ToList();
        Assert.Equal(600, all.Count);
        Assert.Equal(600, all.Distinct().Count());
    }

    [Fact]
    public async Task An_occurrence_is_claimed_by_exactly_one_of_the_replicas_that_try()
    {
        var replicas = Enumerable.Range(0, 3).Select(_ => Open()).ToList();
        var occurrences = Enumerable.Range(0, 20).Select(At).ToList();

        // Each occurrence in its turn, all three at once, as replicas' schedulers meet it; the winner then runs it, as the
        // scheduler does: until its run's row, its claim is a run going for the others (review 43a F4), and the
        // occurrences of one schedule are claimed one after another.
        var wins = new List<OccurrenceClaim>();
        foreach (var occurrence in occurrences)
        {
            var ids = replicas.Select(_ => Guid.NewGuid().ToString("N")).ToList();
            var round = await Task.WhenAll(replicas.Select((replica, i) => replica.ClaimOccurrenceAsync("/api/tick", occurrence, ids[i], default)));
            wins.AddRange(round);
            if (Array.FindIndex(round, claim => claim.Claimed) is var winner and >= 0)
            {
                var run = Record(ids[winner], ExecutionStatus.Queued) with { Route = "/api/tick", Kind = "scheduled", Occurrence = occurrence };
                await replicas[winner].AddAsync(run, null, default);
                await replicas[winner].UpdateAsync(run with { Status = ExecutionStatus.Succeeded, FinishedAt = occurrence }, default);
            }
        }

        Assert.Equal(occurrences.Count, wins.Count(claim => claim.Claimed));
        Assert.Equal(At(19), (await replicas[0].GetLastOccurrenceAsync("/api/tick", DateTimeOffset.MaxValue, default)).Latest);
        Assert.Null((await replicas[0].GetLastOccurrenceAsync("/api/other", DateTimeOffset.MaxValue, default)).Latest);
    }

    [Fact]
    public async Task Replicas_adding_one_idempotency_key_at_once_store_one_execution_and_all_answer_with_it()
    {
        var replicas = Enumerable.Range(0, 3).Select(_ => Open()).ToList();

        var adds = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => Task.Run(() =>
            replicas[i % 3].AddOnceAsync(Record($"e{i:D2}", ExecutionStatus.Queued), Request(), new IdempotencyKey("one-key", "same"), default))));

        var stored = Assert.Single(await ((IExecutionStore)replicas[0]).GetRecentAsync(100, default)).Id;
        Assert.Single(adds, add => add == KeyedAdd.Stored);
        Assert.All(adds.Where(add => add != KeyedAdd.Stored), add => Assert.Equal(new KeyedAdd(stored, SameRequest: true), add));
    }

    [Fact]
    public async Task A_claimer_frozen_inside_its_claim_cannot_hold_the_turn_or_the_rows_past_a_lease()
    {
        // Review 24d F4: a replica frozen inside its take-over's transaction (SIGSTOP, a VM paused, a network cut) held
        // the claimers' turn and the rows it had updated until it came back: every take-over, and the writes of those
        // rows, waited. The claim's transaction is one the server ends once it sits idle for a lease.
        var first = Open();
        await first.AddAsync(Record("one", ExecutionStatus.Queued), Request(), default);
        await Stop(first);
        await PostgresServer.ScalarAsync<int>(_database, """
            CREATE TABLE claim_settings (idle text, waits text);
            CREATE FUNCTION note_settings() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO claim_settings VALUES (current_setting('idle_in_transaction_session_timeout'), current_setting('lock_timeout'));
                RETURN NEW;
            END $$;
            CREATE TRIGGER note_settings BEFORE UPDATE OF owner ON apiroutes_executions FOR EACH ROW EXECUTE FUNCTION note_settings();
            SELECT 1
            """);

        var second = Open();
        Assert.Single(await second.Coordination.ClaimUnfinishedAsync(100, Served, default));

        // The lease is 30 s; outside the claim, the server's defaults (no limit) are untouched.
        Assert.Equal("30s,30s", await PostgresServer.ScalarAsync<string>(_database, "SELECT string_agg(idle || ',' || waits, ';') FROM claim_settings"));
        Assert.Equal("0", await PostgresServer.ScalarAsync<string>(_database, "SELECT current_setting('idle_in_transaction_session_timeout')"));
    }

    [Fact]
    public async Task An_occurrence_is_not_claimed_while_a_run_of_the_schedule_goes_on_another_live_replica()
    {
        var first = Open();
        var second = Open();
        Assert.True((await first.ClaimOccurrenceAsync("/api/tick", At(1), "run1", default)).Claimed);
        var run = Record("run1", ExecutionStatus.Running) with { Route = "/api/tick", Kind = "scheduled", Occurrence = At(1) };
        Assert.True(await first.Coordination.TryStartAsync(run, default));

        var whileGoing = await second.ClaimOccurrenceAsync("/api/tick", At(2), "run2", default);

        // A replica a moment late for the occurrence that run is for: claimed elsewhere, not skipped for an overlap with
        // itself (review 24d F3: it was recorded skipped, "the previous run was still going", naming that run).
        var late = await second.ClaimOccurrenceAsync("/api/tick", At(1), "run1b", default);
        var ownOverlap = await first.ClaimOccurrenceAsync("/api/tick", At(3), "run3", default);   // its own runs: its own guard's call
        await first.UpdateAsync(run with { Status = ExecutionStatus.Succeeded, FinishedAt = At(1) }, default);
        var third = Record("run3", ExecutionStatus.Queued) with { Route = "/api/tick", Kind = "scheduled", Occurrence = At(3) };
        await first.AddAsync(third, null, default);   // its run of its own claim, ended: until then a run going (review 43a F4)
        await first.UpdateAsync(third with { Status = ExecutionStatus.Succeeded, FinishedAt = At(3) }, default);
        var afterwards = await second.ClaimOccurrenceAsync("/api/tick", At(4), "run4", default);

        Assert.Equal(new OccurrenceClaim(false, "run1"), whileGoing);
        Assert.Equal(new OccurrenceClaim(false), late);
        Assert.True(ownOverlap.Claimed);
        Assert.True(afterwards.Claimed);
    }

    // Review 43a F4: between a replica's claim of an occurrence and its run's first row (written after the claim lands; or
    // asked again while the claim's answer was lost), another replica's claim of the next occurrence saw no run going, and
    // the two ran at once. A claim of another live replica without its row yet is a run going, for a while.
    [Fact]
    public async Task A_claim_of_another_live_replica_whose_run_is_not_written_yet_is_a_run_going()
    {
        var first = Open();
        var second = Open();
        Assert.True((await first.ClaimOccurrenceAsync("/api/tick", At(1), "run1", default)).Claimed);

        var beforeItsRow = await second.ClaimOccurrenceAsync("/api/tick", At(2), "run2", default);
        var byHand = await second.Coordination.StartByHandAsync(ByHand("hand2"), default);

        var run = Record("run1", ExecutionStatus.Queued) with { Route = "/api/tick", Kind = "scheduled", Occurrence = At(1) };
        await first.AddAsync(run, null, default);
        await first.UpdateAsync(run with { Status = ExecutionStatus.Succeeded, FinishedAt = At(1) }, default);
        var afterItsEnd = await second.ClaimOccurrenceAsync("/api/tick", At(4), "run4", default);

        Assert.Equal(new OccurrenceClaim(false, "run1"), beforeItsRow);
        Assert.Equal("run1", byHand);
        Assert.Equal(0, await RowsAsync("hand2"));   // not written
        Assert.True(afterItsEnd.Claimed);
    }

    // Review 43a F4, the rest: two claims of different occurrences of a schedule sent at the same moment each took its
    // snapshot before the other's claim committed, saw no run going, and both ran at once. A transaction of the test is
    // the first replica's claim of 00:01 under way (its turn taken, its row written, not committed yet).
    // Review 44c F3: under a database whose default isolation is repeatable read, the claim's snapshot was the turn's,
    // taken before the wait, and it missed the claim committed meanwhile.
    [Theory]
    [InlineData("read committed")]
    [InlineData("repeatable read")]
    public async Task A_claim_waits_for_another_replicas_claim_of_the_schedule_under_way_and_sees_its_run_going(string isolation)
    {
        await PostgresServer.ScalarAsync<int>(_database, $"SELECT 1; ALTER DATABASE \"{new NpgsqlConnectionStringBuilder(_database).Database}\" SET default_transaction_isolation = '{isolation}'");
        var first = Open();
        var second = Open();
        await using var holder = await ClaimUnderWayAsync(first);

        var next = second.ClaimOccurrenceAsync("/api/tick", At(2), "run2", default);
        await WaitingForLocksAsync(1);
        var otherSchedule = await second.ClaimOccurrenceAsync("/api/other", At(2), "other2", default);   // its own turn
        await holder.CommitAsync();

        Assert.Equal(new OccurrenceClaim(false, "run1"), await next.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(otherSchedule.Claimed);
        // The occurrence met the run going: taken as skipped for it, so that no claim of it after that run runs it (review 47C F1).
        Assert.Equal(
            "run1 false, run1 true",
            await PostgresServer.ScalarAsync<string>(_database, "SELECT string_agg(execution_id || ' ' || skipped, ', ' ORDER BY occurrence) FROM apiroutes_schedule_runs WHERE route = '/api/tick'"));
    }

    [Fact]
    public async Task A_run_started_by_hand_learns_of_a_run_of_the_schedule_going_on_another_live_replica()
    {
        // The review's case: Run now (or a replay) on one replica while the scheduled run goes on another.
        var first = Open();
        var second = Open();
        var run = Record("run1", ExecutionStatus.Queued) with { Route = "/api/tick", Kind = "scheduled", Occurrence = At(1) };
        await first.AddAsync(run, null, default);
        Assert.True(await first.Coordination.TryStartAsync(run with { Status = ExecutionStatus.Running }, default));

        var elsewhere = await second.Coordination.StartByHandAsync(ByHand("hand-b"), default);
        var otherRoute = await second.Coordination.StartByHandAsync(ByHand("hand-other") with { Route = "/api/other" }, default);
        var own = await first.Coordination.StartByHandAsync(ByHand("hand-a"), default);   // its own runs: its own guard's call
        await first.UpdateAsync(run with { Status = ExecutionStatus.Succeeded, FinishedAt = At(1) }, default);
        await first.UpdateAsync(ByHand("hand-a") with { Status = ExecutionStatus.Succeeded, FinishedAt = At(1) }, default);
        var afterwards = await second.Coordination.StartByHandAsync(ByHand("hand-b2"), default);

        Assert.Equal("run1", elsewhere);
        Assert.Equal(0, await RowsAsync("hand-b"));
        Assert.Null(own);
        Assert.Null(otherRoute);
        Assert.Null(afterwards);
        Assert.Equal(
            [("hand-a", "Succeeded", first.Coordination.Replica), ("hand-b2", "Queued", second.Coordination.Replica), ("hand-other", "Queued", second.Coordination.Replica)],
            await RowsLikeAsync("hand"));
    }

    // Note 44's leftover: a run by hand looked for a run going elsewhere with a read, outside the schedule's turn. A
    // replica starting by hand as another claimed an occurrence (or two starting by hand at once) both passed, and both
    // ran. A transaction of the test holds the turn: the first replica's claim of 00:01 under way.
    [Theory]
    [InlineData("read committed")]
    [InlineData("repeatable read")]
    public async Task A_run_by_hand_waits_for_a_claim_under_way_and_a_claim_after_it_sees_it_going(string isolation)
    {
        await PostgresServer.ScalarAsync<int>(_database, $"SELECT 1; ALTER DATABASE \"{new NpgsqlConnectionStringBuilder(_database).Database}\" SET default_transaction_isolation = '{isolation}'");
        var first = Open();
        var second = Open();
        await using (var holder = await ClaimUnderWayAsync(first))
        {
            var byHand = second.Coordination.StartByHandAsync(ByHand("hand2"), default);
            await WaitingForLocksAsync(1);
            await holder.CommitAsync();

            Assert.Equal("run1", await byHand.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal(0, await RowsAsync("hand2"));
        }

        // The claim's run ends; then a run by hand goes, and the next claim of another replica sees it going.
        var run = Record("run1", ExecutionStatus.Queued) with { Route = "/api/tick", Kind = "scheduled", Occurrence = At(1) };
        await first.AddAsync(run, null, default);
        await first.UpdateAsync(run with { Status = ExecutionStatus.Succeeded, FinishedAt = At(1) }, default);
        Assert.Null(await second.Coordination.StartByHandAsync(ByHand("hand3"), default));
        Assert.Equal(new OccurrenceClaim(false, "hand3"), await first.ClaimOccurrenceAsync("/api/tick", At(4), "run4", default));
    }

    // A run by hand that meets the store away says whether its row was sent: after it, the row may have landed with its
    // answer lost (the caller records the run failed); before it (the turn and the look), nothing was written, and a
    // failed record would be a record of nothing.
    [Fact]
    public async Task A_run_by_hand_that_meets_the_store_away_says_whether_its_row_may_have_landed()
    {
        var server = await PostgresServer.SharedAsync();
        await using var proxy = new TcpProxy(server.Port);
        var store = Open(new NpgsqlConnectionStringBuilder(_database) { Port = proxy.Port }.ConnectionString);

        proxy.DropRequestWith("apiroutes_occurrence_claim"u8.ToArray());   // the turn and the look
        var before = await Assert.ThrowsAsync<ExecutionStoreUnavailableException>(() => store.Coordination.StartByHandAsync(ByHand("hand-1"), default));
        proxy.DropReplyTo("INSERT INTO apiroutes_executions"u8.ToArray());   // the row, sent
        var after = await Assert.ThrowsAsync<ExecutionStoreUnavailableException>(() => store.Coordination.StartByHandAsync(ByHand("hand-2"), default));

        Assert.False(before.MayHaveLanded);
        Assert.True(after.MayHaveLanded);
        Assert.Equal(0, await RowsAsync("hand-1"));
        Assert.Null(await store.Coordination.StartByHandAsync(ByHand("hand-3"), default));   // and the next one goes
    }

    [Fact]
    public async Task Of_two_runs_by_hand_on_two_replicas_at_one_moment_one_starts_and_the_other_sees_it_going()
    {
        var first = Open();
        var second = Open();
        Task<string?> one, other;
        await using (var holder = await TurnHeldAsync("/api/tick"))
        {
            one = first.Coordination.StartByHandAsync(ByHand("hand-a"), default);
            other = second.Coordination.StartByHandAsync(ByHand("hand-b"), default);
            await WaitingForLocksAsync(2);
            await holder.CommitAsync();
        }

        var answers = await Task.WhenAll(one, other).WaitAsync(TimeSpan.FromSeconds(10));

        var started = Assert.Single(new[] { ("hand-a", answers[0]), ("hand-b", answers[1]) }, answer => answer.Item2 is null).Item1;
        Assert.Equal(started, answers.Single(answer => answer is not null));
        Assert.Equal(1, await RowsAsync("hand-a") + await RowsAsync("hand-b"));
    }

    [Fact]
    public async Task A_batch_that_holds_an_execution_twice_lands_in_order_and_skips_rows_of_other_replicas()
    {
        var other = Open();
        await other.AddAsync(Record("theirs", ExecutionStatus.Queued), Request(), default);
        await using var database = PostgresDatabase.Open(_database, Lease);
        await using var writer = new PostgresWriter(database, TimeProvider.System, NullLogger.Instance);
        var json = StoredRequest.ToJson(SampleRequests.Full());

        var applied = await writer.CommitAsync(
        [
            new(Record("one", ExecutionStatus.Queued), json, SampleRequests.Full().BodyArray()),
            new(Record("two", ExecutionStatus.Queued), json, SampleRequests.Full().BodyArray()),
            new(Record("one", ExecutionStatus.Running) with { StartedAt = At(1) }, null, null),
            new(Record("theirs", ExecutionStatus.Running), null, null),
            new(Record("one", ExecutionStatus.Failed) with { StartedAt = At(1), FinishedAt = At(2), Error = "boom" }, null, null),
        ]);

        Assert.Equal([true, true, true, false, true], applied);
        var one = (await other.FindAsync("one", default))!;
        Assert.Equal((ExecutionStatus.Failed, At(1), At(2)), (one.Status, one.StartedAt, one.FinishedAt));
        SampleRequests.AssertIsFull(await other.GetRequestAsync("one", default));   // a change keeps the request written first
        Assert.Equal(ExecutionStatus.Queued, (await other.FindAsync("theirs", default))!.Status);
        Assert.Equal(ExecutionStatus.Queued, (await other.FindAsync("two", default))!.Status);
    }

    [Fact]
    public async Task A_batch_of_several_statements_lands_all_or_nothing()
    {
        var store = Open();
        await using var database = PostgresDatabase.Open(_database, Lease);
        await using var writer = new PostgresWriter(database, TimeProvider.System, NullLogger.Instance);

        // Two statements (the execution comes twice); the second breaks a NOT NULL constraint.
        await Assert.ThrowsAsync<PostgresException>(() => writer.CommitAsync(
        [
            new(Record("one", ExecutionStatus.Queued), null, null),
            new(Record("one", ExecutionStatus.Running), null, null),
            new(Record("broken", ExecutionStatus.Queued) with { Route = null! }, null, null),
        ]));

        Assert.Null(await store.FindAsync("one", default));
    }

    [Fact]
    public async Task A_replica_whose_writes_the_server_refuses_for_its_own_sake_is_not_ready_until_one_lands()
    {
        var store = Open();
        await store.AddAsync(Record("before", ExecutionStatus.Queued), Request(), default);
        await store.ProbeAsync(default);

        // The server answers reads, but refuses every new row as a full disk would (SQLSTATE 53100, class 53).
        await PostgresServer.ScalarAsync<int>(_database, """
            CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'could not extend file' USING ERRCODE = 'disk_full'; END $$;
            CREATE TRIGGER refuse BEFORE INSERT ON apiroutes_executions FOR EACH ROW EXECUTE FUNCTION refuse();
            SELECT 1;
            """);
        await Assert.ThrowsAsync<ExecutionStoreUnavailableException>(() => store.AddAsync(Record("refused", ExecutionStatus.Queued), Request(), default));
        var notReady = await Assert.ThrowsAsync<ExecutionStoreUnavailableException>(() => store.ProbeAsync(default));
        await PostgresServer.ScalarAsync<int>(_database, "DROP TRIGGER refuse ON apiroutes_executions; SELECT 1");
        await store.AddAsync(Record("after", ExecutionStatus.Queued), Request(), default);
        await store.ProbeAsync(default);

        Assert.Contains("cannot be written: its last write failed 0 s ago (53100: could not extend file", notReady.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replicas_starting_together_create_the_schema_once()
    {
        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Open())));

        Assert.Equal(1, await PostgresServer.ScalarAsync<int>(_database, "SELECT count(*)::int FROM apiroutes_schema"));
        Assert.Equal(4, await PostgresServer.ScalarAsync<int>(_database, "SELECT count(*)::int FROM apiroutes_replicas"));
        Assert.Equal(4, stores.Select(s => s.Replica).Distinct().Count());
    }

    [Fact]
    public async Task A_database_of_schema_version_1_is_migrated_to_occurrence_records_replays_trace_context_pauses_retry_times_idempotency_keys_served_routes_schedules_ended_pauses_earlier_attempts_and_the_claims_index()
    {
        await using (var first = Open())
        {
            await first.UpdateAsync(Record("old", ExecutionStatus.Failed) with { FinishedAt = At(1), Error = "boom" }, default);
        }

        // Back to what version 1 left: no replay_of, no occurrence records, no trace context, no retry times.
        await PostgresServer.ScalarAsync<int>(_database, """
            ALTER TABLE apiroutes_executions DROP COLUMN replay_of, DROP COLUMN trace_parent, DROP COLUMN trace_state, DROP COLUMN retry_at,
                DROP COLUMN idempotency_key, DROP COLUMN request_hash, DROP COLUMN earlier_attempts;
            ALTER TABLE apiroutes_replicas DROP COLUMN routes;
            DROP TABLE apiroutes_schedule_occurrences; DROP INDEX apiroutes_executions_route; DROP TABLE apiroutes_schedule_pauses;
            DROP TABLE apiroutes_schedules_served; DROP TABLE apiroutes_schedule_pauses_ended; DROP INDEX apiroutes_schedule_runs_claimed;
            ALTER TABLE apiroutes_schedule_runs DROP COLUMN skipped;
            UPDATE apiroutes_schema SET version = 1 RETURNING version
            """);
        await using var store = Open();
        await store.RecordOccurrenceAsync(new OccurrenceRecord { Route = "/api/tick", Occurrence = At(0), Outcome = OccurrenceOutcome.Missed, RecordedAt = At(1) }, default);

        await store.SetPauseAsync(new SchedulePause("/api/tick", null, At(1)), default);
        await store.SetPauseAsync(new SchedulePause("/api/tick", null, At(3)), default);   // version 9's: the first kept, ended

        var earlier = new EarlierAttempt { Attempt = 1, StartedAt = At(7), FinishedAt = At(8), Error = "boom" };
        await store.UpdateAsync(Record("new", ExecutionStatus.Queued) with { Attempt = 2, RetryAt = At(9), EarlierAttempts = [earlier] }, default);   // versions 5's and 10's columns

        await store.AddOnceAsync(Record("keyed", ExecutionStatus.Queued), Request(), new IdempotencyKey("k", "f"), default);   // version 6's
        Assert.Empty(await store.Coordination.ClaimUnfinishedAsync(10, Served, default));   // version 7's: the routes a replica serves
        await store.ServeScheduleAsync("/api/tick", "0 * * * *", At(1), default);   // version 8's
        Assert.Equal(new ServedSchedule("0 * * * *", At(1)), await store.ServeScheduleAsync("/api/tick", "0 * * * *", At(2), default));
        Assert.Equal(new KeyedAdd("keyed", SameRequest: true), await store.AddOnceAsync(Record("again", ExecutionStatus.Queued), Request(), new IdempotencyKey("k", "f"), default));

        Assert.True((await store.SkipOccurrenceAsync("/api/tick", At(5), "running", default)).Claimed);   // version 12's
        Assert.Equal(new OccurrenceClaim(false, SkippedFor: "running"), await store.ClaimOccurrenceAsync("/api/tick", At(5), "trigger", default));

        Assert.Equal(12, await PostgresServer.ScalarAsync<int>(_database, "SELECT version FROM apiroutes_schema"));
        Assert.Equal(
            "CREATE INDEX apiroutes_schedule_runs_claimed ON public.apiroutes_schedule_runs USING btree (route, claimed_at)",
            await PostgresServer.ScalarAsync<string>(_database, "SELECT indexdef FROM pg_indexes WHERE indexname = 'apiroutes_schedule_runs_claimed'"));   // version 11's
        Assert.Equal([(At(1), At(3)), (At(3), null)], (await store.GetPausesAsync(default)).Select(pause => (pause.PausedAt.ToUniversalTime(), pause.Until?.ToUniversalTime())).Order());
        var old = (await store.FindAsync("old", default))!;
        Assert.Equal(("boom", null, null, null), (old.Error, old.ReplayOf, old.TraceParent, old.RetryAt));
        Assert.Equal(At(9), (await store.FindAsync("new", default))!.RetryAt);
        Assert.Equal([earlier], (await store.FindAsync("new", default))!.EarlierAttempts);
        Assert.Empty(old.EarlierAttempts);
        Assert.Equal(OccurrenceOutcome.Missed, Assert.Single(await store.GetOccurrencesAsync(new OccurrenceQuery("/api/tick"), default)).Outcome);
    }

    [Fact]
    public async Task A_database_migrated_by_a_newer_release_is_refused_with_what_to_do()
    {
        Open();
        await PostgresServer.ScalarAsync<int>(_database, "UPDATE apiroutes_schema SET version = 99 RETURNING version");

        var error = Assert.Throws<ExecutionStoreUnavailableException>(() => Open());

        Assert.Contains("has schema version 99, newer than this version of ApiRoutes knows (12)", error.Message, StringComparison.Ordinal);
        Assert.Contains("Update the ApiRoutes package", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_server_that_cannot_be_reached_is_named_in_the_error_without_the_password()
    {
        var closed = PostgresServer.FreePort();

        var error = Assert.Throws<ExecutionStoreUnavailableException>(() =>
            PostgresExecutionStore.Open($"Host=127.0.0.1;Port={closed};Database=orders;Username=app;Password=s3cret", Lease, new FakeTimeProvider(), NullLogger.Instance));

        Assert.StartsWith($"The PostgreSQL execution store 127.0.0.1:{closed}/orders cannot be reached:", error.Message, StringComparison.Ordinal);
        Assert.Contains("ApiRoutes:Store:ConnectionString", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    // What a handler's exception says: int.Parse("\0") quotes its input. PostgreSQL's text cannot hold U+0000.
    [InlineData("System.FormatException: The input string '\0' was not in a correct format.", "System.FormatException: The input string '\uFFFD' was not in a correct format.")]
    // Half of a surrogate pair, which Npgsql's UTF-8 encoder refuses ({high} and {low}: attributes cannot hold one).
    [InlineData("cut here: {high}", "cut here: \uFFFD")]
    [InlineData("{low} and a whole one: \U0001F600", "\uFFFD and a whole one: \U0001F600")]
    public async Task An_error_text_postgres_cannot_hold_is_stored_with_replacement_characters_and_later_writes_land(string error, string stored)
    {
        var store = Open();
        var queued = Record("one", ExecutionStatus.Queued) with { TraceState = "vendor=\0" };
        await store.AddAsync(queued, Request(), default);
        var failed = queued with { Status = ExecutionStatus.Failed, FinishedAt = At(1), Error = ErrorTextTests.WithHalves(error) };

        await store.UpdateAsync(failed, default);
        await store.AddAsync(Record("two", ExecutionStatus.Queued), Request(), default);   // a later 202's write

        Assert.Equal(failed with { Error = stored, TraceState = "vendor=\uFFFD" }, await store.FindAsync("one", default));
        Assert.Equal(ExecutionStatus.Queued, (await store.FindAsync("two", default))!.Status);
    }

    [Fact]
    public void A_connection_string_that_is_not_one_says_how_to_write_it()
    {
        var error = Assert.Throws<ExecutionStoreUnavailableException>(() =>
            PostgresExecutionStore.Open("Hots=db;Port=5432", Lease, new FakeTimeProvider(), NullLogger.Instance));

        Assert.Contains("is not a valid PostgreSQL connection string", error.Message, StringComparison.Ordinal);
        Assert.Contains("Host=", error.Message, StringComparison.Ordinal);
    }

    // Review 4, finding 12: leases and claims are on the database's clock, so retention judges them by it too.
    [Fact]
    public async Task A_replica_whose_clock_runs_a_month_ahead_prunes_neither_live_replicas_nor_their_recent_claims()
    {
        var live = Open();
        await live.AddAsync(Record("one", ExecutionStatus.Queued), Request(), default);
        await live.ClaimOccurrenceAsync("/api/tick", At(0), "a", default);
        await live.ClaimOccurrenceAsync("/api/tick", At(60), "b", default);
        var ahead = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(30));   // a VM restored from a snapshot, a container without NTP
        var skewed = PostgresExecutionStore.Open(_database, Lease, ahead, NullLogger.Instance);
        lock (_stores)
        {
            _stores.Add(skewed);
        }

        await skewed.PruneAsync(ahead.GetUtcNow() - TimeSpan.FromDays(7), default);   // as RetentionService asks, with a week's retention

        Assert.Equal(2, await PostgresServer.ScalarAsync<int>(_database, "SELECT count(*)::int FROM apiroutes_replicas"));
        Assert.Empty(await skewed.Coordination.ClaimUnfinishedAsync(100, Served, default));          // the live replica's work stays its own
        Assert.False((await skewed.ClaimOccurrenceAsync("/api/tick", At(0), "c", default)).Claimed);   // a replay is still refused
    }

    // Note 32: two replicas pausing one schedule in the same moment each read the same latest pause; the second upsert
    // replaced the first one's pause without keeping it as ended, so what came while it held was told as never paused.
    // A transaction of the test holds the latest pause's row, so that both pauses below come before either can write.
    [Fact]
    public async Task Two_pauses_of_a_schedule_in_the_same_moment_each_keep_the_one_before_as_ended()
    {
        var store = Open();
        await store.SetPauseAsync(new SchedulePause("/api/tick", null, At(1)), default);
        await using var holder = new NpgsqlConnection(_database);
        await holder.OpenAsync();
        await using var transaction = await holder.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand("SELECT 1 FROM apiroutes_schedule_pauses WHERE route = '/api/tick' FOR UPDATE", holder, transaction))
        {
            await hold.ExecuteNonQueryAsync();
        }

        var first = store.SetPauseAsync(new SchedulePause("/api/tick", null, At(2)), default);
        await WaitingForLocksAsync(1);
        var second = store.SetPauseAsync(new SchedulePause("/api/tick", null, At(3)), default);
        await WaitingForLocksAsync(2);
        await transaction.CommitAsync();
        await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(
            [(At(1), At(2)), (At(2), At(3)), (At(3), null)],
            (await store.GetPausesAsync(default)).Select(pause => (pause.PausedAt.ToUniversalTime(), pause.Until?.ToUniversalTime())).Order());
    }

    // A run by hand of /api/tick, queued.
    private static ExecutionRecord ByHand(string id) =>
        Record(id, ExecutionStatus.Queued) with { Route = "/api/tick", Kind = "scheduled", Occurrence = At(2) };

    private Task<int> RowsAsync(string id) =>
        PostgresServer.ScalarAsync<int>(_database, $"SELECT count(*)::int FROM apiroutes_executions WHERE id = '{id}'");

    // Each execution whose id starts with the prefix: (id, status, owner), by id.
    private async Task<List<(string, string, string)>> RowsLikeAsync(string prefix)
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id, status, owner FROM apiroutes_executions WHERE starts_with(id, $1) ORDER BY id", connection) { Parameters = { new NpgsqlParameter<string>(null!, prefix) } };
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, string, string)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }

        return rows;
    }

    // A transaction of the test that holds the schedule's claim turn until it ends.
    private async Task<HeldTurn> TurnHeldAsync(string route)
    {
        var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using var turn = new NpgsqlCommand(PostgresExecutionStore.ClaimTurn, connection, transaction) { Parameters = { new NpgsqlParameter<string>(null!, route) } };
        await turn.ExecuteNonQueryAsync();
        return new HeldTurn(connection, transaction);
    }

    // A transaction of the test that is the first replica's claim of 00:01 of /api/tick under way: its turn taken, its
    // row written, not committed yet.
    private async Task<HeldTurn> ClaimUnderWayAsync(PostgresExecutionStore first)
    {
        var holder = await TurnHeldAsync("/api/tick");
        await using var claim = new NpgsqlCommand("INSERT INTO apiroutes_schedule_runs (route, occurrence, execution_id, replica) VALUES ('/api/tick', $1, 'run1', $2)", holder.Connection, holder.Transaction);
        claim.Parameters.Add(new NpgsqlParameter<DateTimeOffset>(null!, At(1)));
        claim.Parameters.Add(new NpgsqlParameter<string>(null!, first.Coordination.Replica));
        await claim.ExecuteNonQueryAsync();
        return holder;
    }

    private sealed class HeldTurn(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        public NpgsqlConnection Connection => connection;

        public NpgsqlTransaction Transaction => transaction;

        public Task CommitAsync() => transaction.CommitAsync();

        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }

    // Until that many statements of this database wait for a lock (at most 10 s).
    private Task WaitingForLocksAsync(int count) => PostgresServer.WaitingForLocksAsync(_database, count);

    private PostgresExecutionStore Open(string? connectionString = null)
    {
        var store = PostgresExecutionStore.Open(connectionString ?? _database, Lease, new FakeTimeProvider(), NullLogger.Instance);
        lock (_stores)
        {
            _stores.Add(store);
        }

        return store;
    }

    private async Task Stop(PostgresExecutionStore store)
    {
        lock (_stores)
        {
            _stores.Remove(store);
        }

        await store.DisposeAsync();
    }

    private static async Task<StoredExecution> PollAsync(Func<Task<IReadOnlyList<StoredExecution>>> claim)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(15); DateTime.UtcNow < deadline; await Task.Delay(100))
        {
            if (await claim() is [var one])
            {
                return one;
            }
        }

        throw new TimeoutException("Nothing was taken over within 15 s.");
    }

    private static DateTimeOffset At(int minutes) => new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(minutes);

    // The routes the replicas of these tests serve, as their claims name them.
    private static readonly string[] Served = ["background /api/job"];

    private static ExecutionRecord Record(string id, ExecutionStatus status) =>
        new() { Id = id, Route = "/api/job", Kind = "background", Status = status, AcceptedAt = At(0) };

    private static RequestSnapshot Request() => RequestSnapshot.Synthetic("/api/job", "{}"u8.ToArray());
}
