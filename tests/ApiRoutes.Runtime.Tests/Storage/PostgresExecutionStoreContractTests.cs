using ApiRoutes.Manifest;
using ApiRoutes.Storage;
using ApiRoutes.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>The PostgreSQL store passes the durable contract, against a real server, on a database of its own per test.</summary>
public sealed class PostgresExecutionStoreContractTests : DurableExecutionStoreContract
{
    private string _database = null!;

    public override async Task InitializeAsync()
    {
        _database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        await base.InitializeAsync();
    }

    private protected override Task<IExecutionStore> OpenAsync() =>
        Task.FromResult<IExecutionStore>(PostgresExecutionStore.Open(_database, TimeSpan.FromSeconds(30), Time, NullLogger.Instance));

    // Past what the take-overs look at (IReplicaCoordination.ClaimsExamined, 16 minutes with this lease) and a lease.
    private protected override Task AgeClaimsAsync() =>
        PostgresServer.ScalarAsync<long>(_database, "WITH aged AS (UPDATE apiroutes_schedule_runs SET claimed_at = claimed_at - interval '1 hour' RETURNING 1) SELECT count(*) FROM aged");

    // Review 47C F1: a skip's claim names the run that still went. A take-over never takes it for a claim never run (closed
    // by a failed row, recorded missed) nor for the occurrence's run unrecorded (recorded ran, with that run), whether that
    // run's row is there or not; the real claims beside them are. Review 48A F1: one whose skip's record was never written
    // (its replica stopped between the two) is found as a skip unrecorded, to be recorded skipped, until that record is there.
    [Fact]
    public async Task A_take_over_never_takes_a_skips_claim_for_a_claim_never_run_or_a_run_and_finds_it_unrecorded()
    {
        Assert.True((await Store.ClaimOccurrenceAsync("/api/tick", At(0), "orphan", default)).Claimed);
        Assert.True((await Store.SkipOccurrenceAsync("/api/tick", At(1), "orphan", default)).Claimed);
        Assert.True((await Store.ClaimOccurrenceAsync("/api/tick", At(2), "ran", default)).Claimed);
        Assert.True((await Store.SkipOccurrenceAsync("/api/tick", At(3), "ran", default)).Claimed);
        await Store.AddAsync(Record("ran", ExecutionStatus.Succeeded) with { StartedAt = At(2), FinishedAt = At(3) }, null, default);
        await AgeClaimsAsync();   // an hour old: past the 15 minutes a live claimant has
        var coordination = ((ICoordinatingStore)Store).Coordination;
        string[] routes = [IReplicaCoordination.RouteKey(RouteKind.Scheduled.Name(), "/api/tick")];

        var unrecorded = await coordination.GetClaimsRunUnrecordedAsync(100, TimeSpan.FromHours(2), lapsed: false, Start.AddYears(-1), routes, default);
        var closed = await coordination.CloseClaimsNeverRunAsync(100, TimeSpan.FromHours(2), lapsed: false, routes, default);

        Assert.Equal(
            [(At(1), "orphan", true), (At(2), "ran", false), (At(3), "ran", true)],
            unrecorded.Select(claim => (claim.Occurrence.ToUniversalTime(), claim.ExecutionId, claim.Skipped)).Order());
        Assert.Equal([At(0)], closed.Select(claim => claim.Occurrence.ToUniversalTime()));
        Assert.Equal(new OccurrenceClaim(false, SkippedFor: "orphan"), await Store.ClaimOccurrenceAsync("/api/tick", At(1), "trigger", default));

        // The skip's record, as the take-over's caller writes it. Review 48A F3: the claim this replica closed, its own, is
        // not read as run by the row that closed it, also before the closer's missed record (written apart) has landed.
        await Store.RecordOccurrenceAsync(new OccurrenceRecord { Route = "/api/tick", Occurrence = At(1), Outcome = OccurrenceOutcome.Skipped, ExecutionId = "orphan", RecordedAt = At(4) }, default);
        Assert.Equal(
            [At(2), At(3)],
            (await coordination.GetClaimsRunUnrecordedAsync(100, TimeSpan.FromHours(2), lapsed: false, Start.AddYears(-1), routes, default)).Select(claim => claim.Occurrence.ToUniversalTime()).Order());
    }

    // Review 24d F2: a pause whose time PostgreSQL holds and .NET cannot (beyond year 9999, infinity) stopped its schedule
    // on every replica, every occurrence, with no record of it, and failed every read of the pauses (SQLite's store reads
    // such a row as no pause).
    [Theory]
    [InlineData("until", "'10000-01-01 00:00:00+00'")]
    [InlineData("until", "'infinity'")]
    [InlineData("paused_at", "'10000-01-01 00:00:00+00'")]
    [InlineData("paused_at", "'-infinity'")]
    public async Task A_pause_whose_time_dotnet_cannot_hold_is_no_pause_and_the_others_are_read(string column, string value)
    {
        await Store.SetPauseAsync(new SchedulePause("/api/tick", At(60), At(0)), default);
        await Store.SetPauseAsync(new SchedulePause("/api/tock", null, At(0)), default);
        Assert.Equal(1, await PostgresServer.ScalarAsync<int>(_database, $"WITH changed AS (UPDATE apiroutes_schedule_pauses SET {column} = {value} WHERE route = '/api/tick' RETURNING 1) SELECT count(*)::int FROM changed"));

        Assert.Equal(["/api/tock"], (await Store.GetPausesAsync(default)).Select(p => p.Route));
        var claim = await Store.ClaimOccurrenceAsync("/api/tick", At(1), "a", default);
        Assert.True(claim.Claimed);
        Assert.Null(claim.Paused);
        Assert.NotNull((await Store.ClaimOccurrenceAsync("/api/tock", At(1), "b", default)).Paused);
    }

    // Review 35b F2: a replica releases only its own claims; another replica's (its clock right) still stops a second run.
    [Fact]
    public async Task A_replica_releases_only_its_own_claims()
    {
        await using var other = PostgresExecutionStore.Open(_database, TimeSpan.FromSeconds(30), Time, NullLogger.Instance);
        Assert.True((await other.ClaimOccurrenceAsync("/api/tick", At(60), "x", default)).Claimed);

        await Store.ReleaseClaimsAsync("/api/tick", [new OccurrenceClaimed(At(60), "x")], default);
        Assert.False((await Store.ClaimOccurrenceAsync("/api/tick", At(60), "y", default)).Claimed);

        await other.ReleaseClaimsAsync("/api/tick", [new OccurrenceClaimed(At(60), "x")], default);
        Assert.True((await Store.ClaimOccurrenceAsync("/api/tick", At(60), "y", default)).Claimed);
    }

    // Review 38a F2: a claim asked again by the execution that holds it is its claim, until a row of that execution exists
    // (a take-over closed the claim, with a failed row of its own): then it is claimed, and not run again.
    [Fact]
    public async Task A_claim_asked_again_by_its_execution_is_claimed_until_a_row_of_that_execution_exists()
    {
        Assert.True((await Store.ClaimOccurrenceAsync("/api/tick", At(60), "a", default)).Claimed);
        Assert.True((await Store.ClaimOccurrenceAsync("/api/tick", At(60), "a", default)).Claimed);

        await PostgresServer.ScalarAsync<int>(
            _database,
            "INSERT INTO apiroutes_executions (id, route, kind, status, attempt, accepted_at, finished_at, occurrence, error, owner) "
            + "VALUES ('a', '/api/tick', 'scheduled', 'Failed', 1, now(), now(), now(), 'Not run: closed', 'another') RETURNING 1");
        Assert.False((await Store.ClaimOccurrenceAsync("/api/tick", At(60), "a", default)).Claimed);
    }

    // An attempt below 1, which the store never writes: the row's record cannot be read.
    private protected override async Task WriteEarlierAttemptsAsync(string id, string text) =>
        Assert.Equal(1, await PostgresServer.ScalarAsync<int>(_database,
            $"WITH changed AS (UPDATE apiroutes_executions SET earlier_attempts = '{text.Replace("'", "''", StringComparison.Ordinal)}' WHERE id = '{id}' RETURNING 1) SELECT count(*)::int FROM changed"));

    private protected override async Task CorruptAsync(string id) =>
        Assert.Equal(1, await PostgresServer.ScalarAsync<int>(_database, $"WITH changed AS (UPDATE apiroutes_executions SET attempt = 0 WHERE id = '{id}' RETURNING 1) SELECT count(*)::int FROM changed"));
}
