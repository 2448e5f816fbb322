using ApiRoutes.Execution;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using ApiRoutes.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// The take-over's close of occurrences claimed and never run (event 3029), on a real PostgreSQL database with replicas
/// on fake clocks: not under a live claimant still asking its claim again after an outage, and within any retention.
/// </summary>
public sealed class PostgresClaimCloseTests : IAsyncLifetime
{
    private const string Occurrence = "2026-01-01T00:01:00.0000000+00:00";

    private string _database = null!;

    public async Task InitializeAsync() => _database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    // Review 38g F3: the database away longer than the lease, a claim that landed with its answer lost was closed as a
    // dead replica's (3029, missed) by the first take-over after it came back, before the claimant's renewal landed; the
    // claimant's claim asked again was then told "claimed elsewhere", and recorded that: the occurrence the retry was for
    // never ran, and both records were false.
    [Fact]
    public async Task A_claim_asked_again_after_an_outage_longer_than_the_lease_is_not_closed_under_its_live_claimant_and_runs_once()
    {
        var manifest = Create(ScheduledRoute("/api/tick", typeof(Tick), "* * * * *"));
        await using var survivor = await StartAsync(manifest, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var claimant = await StartAsync(manifest, new DateTimeOffset(2026, 1, 1, 0, 0, 35, TimeSpan.Zero), failing: 3);
        var claims = (ClaimLandsThenFails)claimant.Services.GetRequiredService<IExecutionStore>();
        var claimantReplica = await ClaimAnsweredLostAsync(survivor, claimant);
        Assert.Equal(claimantReplica, await PostgresServer.ScalarAsync<string>(_database, "SELECT replica FROM apiroutes_schedule_runs"));

        // The database away longer than the lease: the survivor's renewal fails (00:00:40), and every lease has lapsed
        // when it comes back. A claim 16 minutes old of a replica long gone shows when the survivor's take-over has run
        // (it is closed whatever the leases).
        var renewals = (WatchedCoordination)survivor.Services.GetRequiredService<IReplicaCoordination>();
        renewals.Away = true;
        survivor.FakeTime.Advance(TimeSpan.FromSeconds(10));
        await survivor.WaitForLogAsync("ApiRoutes[4001] Warning: Replica ");
        renewals.Away = false;
        await PostgresServer.ScalarAsync<int>(_database, "UPDATE apiroutes_replicas SET lease_until = now() - interval '1 second' RETURNING 1");
        await PostgresServer.ScalarAsync<int>(
            _database,
            "INSERT INTO apiroutes_schedule_runs (route, occurrence, execution_id, replica, claimed_at) VALUES ('/api/tick', '2025-12-31T00:00:00Z', 'gone-1', 'gone', now() - interval '16 minutes') RETURNING 1");

        // The database is back: the survivor's take-over runs (00:00:45) before the claimant's renewal (00:01:05).
        survivor.FakeTime.Advance(TimeSpan.FromSeconds(5));
        await survivor.WaitForLogAsync("ApiRoutes[3029] Warning: Schedule /api/tick: the occurrence 2025-12-31T00:00:00.0000000+00:00 was claimed by replica gone at ");
        Assert.DoesNotContain(survivor.Logs, line => line.StartsWith($"ApiRoutes[3029] Warning: Schedule /api/tick: the occurrence {Occurrence}", StringComparison.Ordinal));

        // The claimant: asked again at 00:01:01 and 00:01:03 (the database still away for it), renewed at 00:01:05 (its
        // lease found lapsed), asked again at 00:01:07: its own claim, which runs, once.
        await AskedAgainPastItsRenewalAsync(claimant, claimantReplica);
        claimant.FakeTime.Advance(TimeSpan.FromSeconds(2));
        await claimant.WaitForLogAsync($"ApiRoutes[3035] Information: Schedule /api/tick: the occurrence {Occurrence} is claimed at 2026-01-01T00:01:07");
        var run = await claimant.WaitForExecutionAsync(r => r.Occurrence == new DateTimeOffset(2026, 1, 1, 0, 1, 0, TimeSpan.Zero) && r.Status == ExecutionStatus.Succeeded);

        const string Outcomes = "SELECT string_agg(outcome || ' ' || coalesce(execution_id, ''), ', ') FROM apiroutes_schedule_occurrences WHERE occurrence = '2026-01-01T00:01:00Z'";
        await Poll.UntilAsync(async () => await PostgresServer.ScalarAsync<string?>(_database, Outcomes) is not null);
        Assert.Equal($"ran {run.Id}", await PostgresServer.ScalarAsync<string>(_database, Outcomes));
        Assert.Equal(1, claimant.Probe.Count(nameof(Tick)) + survivor.Probe.Count(nameof(Tick)));
        Assert.DoesNotContain(claimant.Logs, line => line.StartsWith("ApiRoutes[3010]", StringComparison.Ordinal));
        Assert.Equal(4, claims.Attempts);
    }

    // The survivor holds its lease for a whole one (its clock stays before the occurrence); at 00:01:00 on the claimant its
    // claim lands and its answer is lost, and it is asked again (00:01:01). The claimant's replica, once the take-overs the
    // clocks have passed (the survivor's at 00:00:15 and 00:00:30, the claimant's at 00:00:50) have looked at the claims
    // and the renewals they passed have landed:
    // one that ran late looked at what the test writes next (ci on 46e290a: the claimant's closed the test's old claim, and
    // told it in its own log; the survivor's of 00:00:30, its renewals unbroken then, would close the claimant's claim).
    private static async Task<string> ClaimAnsweredLostAsync(TestServer survivor, TestServer claimant)
    {
        await claimant.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T00:01:00");
        for (var renewal = 0; renewal < 3; renewal++)
        {
            await survivor.AdvanceToRenewalAsync(TimeSpan.FromSeconds(10));
        }

        // The claimant's clock stops at each of its renewals (00:00:45, 00:00:55) until it has landed, and at its take-over
        // (00:00:50) until it has looked (review 44a F1: a renewal run late, after the test lapsed its lease, registered it
        // anew, and the survivor's take-over then left its claim alone).
        await claimant.AdvanceToRenewalAsync(TimeSpan.FromSeconds(10));
        claimant.FakeTime.Advance(TimeSpan.FromSeconds(5));
        await Poll.UntilAsync(() => ClaimsLookedAt(claimant) == 1);
        await claimant.AdvanceToRenewalAsync(TimeSpan.FromSeconds(5));
        claimant.FakeTime.Advance(TimeSpan.FromSeconds(5));
        await claimant.WaitForLogAsync($"ApiRoutes[3034] Debug: Schedule /api/tick: the claim of the occurrence {Occurrence} is asked again at 2026-01-01T00:01:01");
        await Poll.UntilAsync(() => ClaimsLookedAt(survivor) == 2 && ClaimsLookedAt(claimant) == 1, () => $"{ClaimsLookedAt(survivor)} and {ClaimsLookedAt(claimant)}");
        return claimant.Services.GetRequiredService<IReplicaCoordination>().Replica;
    }

    private static int ClaimsLookedAt(TestServer server) => ((WatchedCoordination)server.Services.GetRequiredService<IReplicaCoordination>()).ClaimsLookedAt;

    // The claimant asks again at 00:01:03 (the database still away for it) and 00:01:07, and between them renews at
    // 00:01:05, finding its lease lapsed.
    private static async Task AskedAgainPastItsRenewalAsync(TestServer claimant, string claimantReplica)
    {
        claimant.FakeTime.Advance(TimeSpan.FromSeconds(1));
        await claimant.WaitForLogAsync($"ApiRoutes[3034] Debug: Schedule /api/tick: the claim of the occurrence {Occurrence} is asked again at 2026-01-01T00:01:03");
        claimant.FakeTime.Advance(TimeSpan.FromSeconds(2));
        await claimant.WaitForLogAsync($"ApiRoutes[3034] Debug: Schedule /api/tick: the claim of the occurrence {Occurrence} is asked again at 2026-01-01T00:01:07");
        claimant.FakeTime.Advance(TimeSpan.FromSeconds(2));
        await claimant.WaitForLogAsync($"ApiRoutes[4003] Warning: Replica {claimantReplica} let its lease");
    }

    // Review 38g F3: a replica cut off from the database alone, past its lease, is a dead one to the others, and its claim
    // is closed as missed (rightly); asked again then, its claim was answered "claimed elsewhere", and recorded so.
    [Fact]
    public async Task A_claim_asked_again_after_another_replica_closed_it_as_missed_is_told_so_and_not_recorded_claimed_elsewhere()
    {
        var manifest = Create(ScheduledRoute("/api/tick", typeof(Tick), "* * * * *"));
        await using var survivor = await StartAsync(manifest, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var claimant = await StartAsync(manifest, new DateTimeOffset(2026, 1, 1, 0, 0, 35, TimeSpan.Zero), failing: 3);
        var claimantReplica = await ClaimAnsweredLostAsync(survivor, claimant);

        // Only the claimant's lease lapses; the survivor's renewals held all along: its take-over closes the claim.
        await PostgresServer.ScalarAsync<int>(_database, $"UPDATE apiroutes_replicas SET lease_until = now() - interval '1 second' WHERE id = '{claimantReplica}' RETURNING 1");
        await survivor.AdvanceToRenewalAsync(TimeSpan.FromSeconds(10));
        survivor.FakeTime.Advance(TimeSpan.FromSeconds(5));
        await survivor.WaitForLogAsync($"ApiRoutes[3029] Warning: Schedule /api/tick: the occurrence {Occurrence} was claimed by replica {claimantReplica} at ");

        // The claimant asks again at 00:01:01 and 00:01:03 (still cut off), renews at 00:01:05, and asks again at 00:01:07.
        await AskedAgainPastItsRenewalAsync(claimant, claimantReplica);
        claimant.FakeTime.Advance(TimeSpan.FromSeconds(2));
        await claimant.WaitForLogAsync(
            $"ApiRoutes[3036] Warning: Schedule /api/tick: this replica's claim of the occurrence {Occurrence}, asked again, was closed as missed by another replica while this replica's lease had lapsed; it is not run");

        Assert.DoesNotContain(claimant.Logs, line => line.StartsWith("ApiRoutes[3010]", StringComparison.Ordinal) || line.StartsWith("ApiRoutes[3035]", StringComparison.Ordinal));
        Assert.Equal(0, claimant.Probe.Count(nameof(Tick)) + survivor.Probe.Count(nameof(Tick)));
        const string Outcomes = "SELECT string_agg(outcome, ', ') FROM apiroutes_schedule_occurrences WHERE occurrence = '2026-01-01T00:01:00Z'";
        await Poll.UntilAsync(async () => await PostgresServer.ScalarAsync<string?>(_database, Outcomes) is not null);
        Assert.Equal("missed", await PostgresServer.ScalarAsync<string>(_database, Outcomes));
        Assert.Equal(4, ((ClaimLandsThenFails)claimant.Services.GetRequiredService<IExecutionStore>()).Attempts);
    }

    // Review 38g F3: a replica that truly died is still closed after an outage, once the survivor's renewals have held a
    // whole lease again (it cannot tell a dead replica from one whose renewal is still on its way before that).
    [Fact]
    public async Task After_an_outage_a_dead_replicas_claim_is_closed_once_the_survivors_renewals_held_a_whole_lease()
    {
        var manifest = Create(ScheduledRoute("/api/tick", typeof(Tick), "0 0 1 1 *"));
        await using var survivor = await StartAsync(manifest, new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));
        await PostgresServer.ScalarAsync<int>(_database, "INSERT INTO apiroutes_replicas (id, lease_until) VALUES ('dead', now()) RETURNING 1");
        await PostgresServer.ScalarAsync<int>(
            _database,
            "INSERT INTO apiroutes_schedule_runs (route, occurrence, execution_id, replica, claimed_at) VALUES ('/api/tick', '2026-02-01T00:00:00Z', 'dead-1', 'dead', now()) RETURNING 1");
        await PostgresServer.ScalarAsync<int>(_database, "UPDATE apiroutes_replicas SET lease_until = now() - interval '1 second' RETURNING 1");

        // 00:00:10 its renewal finds its lease lapsed; its take-overs at 00:00:15 and 00:00:30 leave the claim; renewed at
        // 00:00:20, 00:00:30 and 00:00:40, its take-over at 00:00:45 closes it.
        await survivor.AdvanceToRenewalAsync(TimeSpan.FromSeconds(10));
        await survivor.WaitForLogAsync("ApiRoutes[4003] Warning: Replica ");
        for (var renewal = 0; renewal < 3; renewal++)
        {
            await survivor.AdvanceToRenewalAsync(TimeSpan.FromSeconds(10));
        }

        survivor.FakeTime.Advance(TimeSpan.FromSeconds(5));
        await survivor.WaitForLogAsync("ApiRoutes[3029] Warning: Schedule /api/tick: the occurrence 2026-02-01T00:00:00.0000000+00:00 was claimed by replica dead at ");
        Assert.Contains(
            "which stopped (or let its lease lapse) before it wrote a run of it",
            survivor.Logs.Single(line => line.StartsWith("ApiRoutes[3029]", StringComparison.Ordinal)),
            StringComparison.Ordinal);
        Assert.Equal("Failed", await PostgresServer.ScalarAsync<string>(_database, "SELECT status FROM apiroutes_executions WHERE id = 'dead-1'"));
    }

    // Review 38g F6: the take-over looked at claims of the last half of Store:Retention only, and a live claimant's claim
    // is closed once 15 minutes old: under a retention of 30 minutes, never. It looks at least 15 minutes and two leases
    // back now, and the store keeps the claims, and their runs, it looks at: one whose run was pruned is not closed.
    [Fact]
    public async Task Under_a_short_retention_a_live_claimants_claim_with_no_run_is_closed_after_15_minutes_and_one_that_ran_is_not()
    {
        var manifest = Create(ScheduledRoute("/api/tick", typeof(Tick), "0 0 1 1 *"));
        var now = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        await using var survivor = await StartAsync(manifest, now, configure: options => options.Store.Retention = TimeSpan.FromMinutes(10));
        await PostgresServer.ScalarAsync<int>(_database, "INSERT INTO apiroutes_replicas (id, lease_until) VALUES ('alive', now() + interval '1 hour') RETURNING 1");
        await PostgresServer.ScalarAsync<int>(
            _database,
            "INSERT INTO apiroutes_schedule_runs (route, occurrence, execution_id, replica, claimed_at) VALUES "
            + "('/api/tick', '2026-02-01T00:00:00Z', 'orphan-short', 'alive', now() - interval '15 minutes 30 seconds'), "
            + "('/api/tick', '2026-02-02T00:00:00Z', 'ran-short', 'alive', now() - interval '15 minutes 30 seconds') RETURNING 1");
        await PostgresServer.ScalarAsync<int>(
            _database,
            "INSERT INTO apiroutes_executions (id, route, kind, status, attempt, accepted_at, finished_at, occurrence, owner) VALUES "
            + "('ran-short', '/api/tick', 'scheduled', 'Succeeded', 1, '2026-02-28T23:44:30Z', '2026-02-28T23:45:00Z', '2026-02-02T00:00:00Z', 'alive') RETURNING 1");

        // The hourly prune, 15 minutes after the run finished by the app's clock: the run of a claim the take-overs still
        // look at is kept.
        await survivor.Services.GetRequiredService<IExecutionStore>().PruneAsync(now - TimeSpan.FromMinutes(10), CancellationToken.None);
        Assert.Equal("Succeeded", await PostgresServer.ScalarAsync<string>(_database, "SELECT status FROM apiroutes_executions WHERE id = 'ran-short'"));

        await survivor.AdvanceToRenewalAsync(TimeSpan.FromSeconds(10));
        survivor.FakeTime.Advance(TimeSpan.FromSeconds(5));   // its take-over
        await survivor.WaitForLogAsync("ApiRoutes[3029] Warning: Schedule /api/tick: the occurrence 2026-02-01T00:00:00.0000000+00:00 was claimed by replica alive at ");
        Assert.Contains(
            "which lives on and wrote no run of it within 15 minutes",
            survivor.Logs.Single(line => line.StartsWith("ApiRoutes[3029]", StringComparison.Ordinal)),
            StringComparison.Ordinal);
        Assert.Equal("Failed", await PostgresServer.ScalarAsync<string>(_database, "SELECT status FROM apiroutes_executions WHERE id = 'orphan-short'"));
        Assert.Equal("Succeeded", await PostgresServer.ScalarAsync<string>(_database, "SELECT status FROM apiroutes_executions WHERE id = 'ran-short'"));
    }

    // Review 44b F2: a replica killed between its run's row and the occurrence's record (written apart) left the occurrence
    // claimed and run, and no record said anything of it. The take-over records it ran, with its run, as it closes the
    // claims never run: one of a replica gone (its lease lapsed, the survivor's renewals unbroken), and one 16 minutes old.
    [Fact]
    public async Task A_take_over_records_ran_an_occurrence_whose_run_was_written_and_whose_record_was_not()
    {
        var manifest = Create(ScheduledRoute("/api/tick", typeof(Tick), "0 0 1 1 *"));
        await using var survivor = await StartAsync(manifest, new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));
        await PostgresServer.ScalarAsync<int>(
            _database,
            "INSERT INTO apiroutes_replicas (id, lease_until) VALUES ('dead', now() - interval '1 second'), ('alive', now() + interval '1 hour') RETURNING 1");
        // And one of the survivor's own, whose record it dropped (review 48D F7: said to be another replica's, which stopped).
        var self = survivor.Services.GetRequiredService<IReplicaCoordination>().Replica;
        await PostgresServer.ScalarAsync<int>(
            _database,
            "INSERT INTO apiroutes_schedule_runs (route, occurrence, execution_id, replica, claimed_at) VALUES "
            + $"('/api/tick', '2026-02-23T00:00:00Z', 'own-ran', '{self}', now() - interval '16 minutes'), "
            + "('/api/tick', '2026-02-25T00:00:00Z', 'dead-ran', 'dead', now() - interval '1 minute'), "
            + "('/api/tick', '2026-02-26T00:00:00Z', 'old-ran', 'alive', now() - interval '16 minutes'), "
            + "('/api/tick', '2026-02-27T00:00:00Z', 'young-ran', 'alive', now() - interval '1 minute'), "
            + "('/api/tick', '2026-02-28T00:00:00Z', 'seen-ran', 'dead', now() - interval '1 minute'), "
            + "('/api/tick', '2025-01-01T00:00:00Z', 'caught-up', 'alive', now() - interval '16 minutes') RETURNING 1");
        await PostgresServer.ScalarAsync<int>(   // review 44c F5: what another replica recorded says nothing of the run
            _database,
            "INSERT INTO apiroutes_schedule_occurrences (route, occurrence, outcome, recorded_at) VALUES ('/api/tick', '2026-02-28T00:00:00Z', 'claimed_elsewhere', now()) RETURNING 1");
        await PostgresServer.ScalarAsync<int>(
            _database,
            "INSERT INTO apiroutes_executions (id, route, kind, status, attempt, accepted_at, finished_at, occurrence, owner) VALUES "
            + $"('own-ran', '/api/tick', 'scheduled', 'Succeeded', 1, '2026-02-28T23:44:00Z', '2026-02-28T23:44:01Z', '2026-02-23T00:00:00Z', '{self}'), "
            + "('dead-ran', '/api/tick', 'scheduled', 'Succeeded', 1, '2026-02-28T23:59:00Z', '2026-02-28T23:59:01Z', '2026-02-25T00:00:00Z', 'dead'), "
            + "('old-ran', '/api/tick', 'scheduled', 'Failed', 1, '2026-02-28T23:44:00Z', '2026-02-28T23:44:01Z', '2026-02-26T00:00:00Z', 'alive'), "
            + "('young-ran', '/api/tick', 'scheduled', 'Succeeded', 1, '2026-02-28T23:59:00Z', '2026-02-28T23:59:01Z', '2026-02-27T00:00:00Z', 'alive'), "
            + "('seen-ran', '/api/tick', 'scheduled', 'Succeeded', 1, '2026-02-28T23:59:00Z', '2026-02-28T23:59:01Z', '2026-02-28T00:00:00Z', 'dead'), "
            // Review 44c F4: a catch-up claimed long after its occurrence, whose record the prune removed (by the occurrence)
            + "('caught-up', '/api/tick', 'scheduled', 'Succeeded', 1, '2026-02-28T23:44:00Z', '2026-02-28T23:44:01Z', '2025-01-01T00:00:00Z', 'alive') RETURNING 1");

        // Its take-overs at 00:00:15, 00:00:30 and 00:00:45, renewed at 00:00:10 to 00:00:40: the old claim is looked at
        // whatever the leases, the lapsed replica's once the survivor's renewals have held for a whole lease (00:00:30).
        // Each take-over is waited for before the clock passes the next (a run still going meets one tick, not two).
        var coordination = (WatchedCoordination)survivor.Services.GetRequiredService<IReplicaCoordination>();
        await survivor.AdvanceToRenewalAsync(TimeSpan.FromSeconds(10));
        survivor.FakeTime.Advance(TimeSpan.FromSeconds(5));
        await Poll.UntilAsync(() => coordination.RunsLookedAt == 1);
        await survivor.AdvanceToRenewalAsync(TimeSpan.FromSeconds(5));
        await survivor.AdvanceToRenewalAsync(TimeSpan.FromSeconds(10));
        await Poll.UntilAsync(() => coordination.RunsLookedAt == 2);
        await survivor.AdvanceToRenewalAsync(TimeSpan.FromSeconds(10));
        survivor.FakeTime.Advance(TimeSpan.FromSeconds(5));
        await Poll.UntilAsync(() => coordination.RunsLookedAt == 3);
        const string Recorded = "SELECT string_agg(to_char(occurrence AT TIME ZONE 'UTC', 'YY-MM-DD') || ' ' || outcome || ' ' || coalesce(execution_id, '-'), ', ' ORDER BY occurrence, outcome) FROM apiroutes_schedule_occurrences";
        await Poll.UntilAsync(async () => await PostgresServer.ScalarAsync<string?>(_database, Recorded) is { } records
            && records.Contains("02-23 ran", StringComparison.Ordinal) && records.Contains("02-25 ran", StringComparison.Ordinal) && records.Contains("02-26 ran", StringComparison.Ordinal) && records.Contains("02-28 ran", StringComparison.Ordinal),
            () => string.Join("\n", survivor.Logs.Where(line => line.StartsWith("ApiRoutes[", StringComparison.Ordinal))));

        // Not the live claimant's young one, nor the catch-up of an occurrence older than the records kept.
        Assert.Equal(
            "26-02-23 ran own-ran, 26-02-25 ran dead-ran, 26-02-26 ran old-ran, 26-02-28 claimed_elsewhere -, 26-02-28 ran seen-ran",
            await PostgresServer.ScalarAsync<string>(_database, Recorded));
        var occurrences = await survivor.Services.GetRequiredService<IExecutionStore>().GetOccurrencesAsync(new OccurrenceQuery("/api/tick"), default);
        var ran = occurrences.Single(r => r.ExecutionId == "old-ran");
        Assert.Equal((OccurrenceOutcome.Ran, ExecutionStatus.Failed), (ran.Outcome, ran.ExecutionStatus));
        Assert.Equal("Recorded by another replica: replica alive, which claimed it and wrote its run, wrote no record of it in 15 minutes (dropped: its event 3031 says why; or kept while the store could not be written, its event 3013, and written after this one).", ran.Detail);
        Assert.Equal("Recorded by another replica: replica dead, which claimed it and wrote its run, wrote no record of it (it stopped, or let its lease lapse, before it wrote one).", occurrences.Single(r => r.ExecutionId == "dead-ran").Detail);
        Assert.Equal($"Recorded later by replica {self} itself, which claimed it and wrote its run: its first record of it was dropped (its event 3031 says why).", occurrences.Single(r => r.ExecutionId == "own-ran").Detail);
        Assert.Equal(0, survivor.Probe.Count(nameof(Tick)));
    }

    // Review 48A F1: a replica killed between a skip's claim and its record left the occurrence claimed as skipped (refused
    // to every later claim) and no record of it: the take-overs read only claims that are not skips. The take-over records
    // it skipped, with the run the skip names, whether that run's row landed or not; once, however many take-overs.
    [Fact]
    public async Task A_take_over_records_skipped_an_occurrence_whose_skip_was_claimed_and_whose_record_was_not()
    {
        var manifest = Create(ScheduledRoute("/api/tick", typeof(Tick), "0 0 1 1 *"));
        await using var survivor = await StartAsync(manifest, new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));
        await PostgresServer.ScalarAsync<int>(
            _database,
            "INSERT INTO apiroutes_schedule_runs (route, occurrence, execution_id, replica, claimed_at, skipped) VALUES "
            + "('/api/tick', '2026-02-24T00:00:00Z', 'long', 'gone', now() - interval '20 minutes', false), "
            + "('/api/tick', '2026-02-25T00:00:00Z', 'long', 'gone', now() - interval '16 minutes', true), "
            + "('/api/tick', '2026-02-26T00:00:00Z', 'unwritten', 'gone', now() - interval '16 minutes', true), "
            + "('/api/tick', '2026-02-27T00:00:00Z', 'long', 'gone', now() - interval '16 minutes', true) RETURNING 1");
        await PostgresServer.ScalarAsync<int>(
            _database,
            "INSERT INTO apiroutes_executions (id, route, kind, status, attempt, accepted_at, finished_at, occurrence, owner) VALUES "
            + "('long', '/api/tick', 'scheduled', 'Succeeded', 1, '2026-02-28T23:40:00Z', '2026-02-28T23:45:00Z', '2026-02-24T00:00:00Z', 'gone') RETURNING 1");
        await PostgresServer.ScalarAsync<int>(
            _database,
            "INSERT INTO apiroutes_schedule_occurrences (route, occurrence, outcome, execution_id, recorded_at) VALUES "
            + "('/api/tick', '2026-02-24T00:00:00Z', 'ran', 'long', now()), ('/api/tick', '2026-02-27T00:00:00Z', 'skipped', 'long', now()) RETURNING 1");

        // Its take-overs at 00:00:15 and 00:00:30 (renewed at 00:00:10 and 00:00:20): the claims are older than 15 minutes.
        var coordination = (WatchedCoordination)survivor.Services.GetRequiredService<IReplicaCoordination>();
        const string Recorded = "SELECT string_agg(to_char(occurrence AT TIME ZONE 'UTC', 'MM-DD') || ' ' || outcome || ' ' || coalesce(execution_id, '-'), ', ' ORDER BY occurrence, outcome) FROM apiroutes_schedule_occurrences";
        const string Expected = "02-24 ran long, 02-25 skipped long, 02-26 skipped unwritten, 02-27 skipped long";
        await survivor.AdvanceToRenewalAsync(TimeSpan.FromSeconds(10));
        survivor.FakeTime.Advance(TimeSpan.FromSeconds(5));
        await Poll.UntilAsync(() => coordination.RunsLookedAt == 1);
        await Poll.UntilAsync(async () => await PostgresServer.ScalarAsync<string?>(_database, Recorded) == Expected, () => string.Join("\n", survivor.Logs.Where(line => line.StartsWith("ApiRoutes[", StringComparison.Ordinal))));
        await survivor.AdvanceToRenewalAsync(TimeSpan.FromSeconds(5));
        await survivor.AdvanceToRenewalAsync(TimeSpan.FromSeconds(10));
        await Poll.UntilAsync(() => coordination.RunsLookedAt == 2);

        Assert.Equal(Expected, await PostgresServer.ScalarAsync<string>(_database, Recorded));   // the second take-over found none
        var skipped = (await survivor.Services.GetRequiredService<IExecutionStore>().GetOccurrencesAsync(new OccurrenceQuery("/api/tick"), default)).Single(r => r.ExecutionId == "unwritten");
        Assert.Equal(
            "The previous run was still going. Recorded by another replica: replica gone, which skipped it, wrote no record of it (it stopped, or let its lease lapse, before it wrote one).",
            skipped.Detail);
        Assert.Equal(0, await PostgresServer.ScalarAsync<long>(_database, "SELECT count(*) FROM apiroutes_executions WHERE id = 'unwritten'"));   // not closed as a claim never run
        Assert.DoesNotContain(survivor.Logs, line => line.StartsWith("ApiRoutes[3029]", StringComparison.Ordinal));
        Assert.Equal(0, survivor.Probe.Count(nameof(Tick)));
    }

    private Task<TestServer> StartAsync(ApiRoutes.Manifest.RouteManifest manifest, DateTimeOffset now, int failing = 0, Action<ApiRoutesOptions>? configure = null) =>
        TestServer.StartAsync(
            manifest,
            now: now,
            options: options =>
            {
                options.Background.MaxConcurrency = 1;
                configure?.Invoke(options);
            },
            services: services =>
            {
                services.AddApiRoutesPostgreSql(_database);
                if (failing > 0)
                {
                    // Over the PostgreSQL store the provider opens, its coordination kept.
                    services.AddSingleton<IExecutionStore>(sp => new ClaimLandsThenFails(
                        sp.GetServices<IExecutionStoreProvider>().Single().Open(sp, sp.GetRequiredService<IOptions<ApiRoutesOptions>>().Value.Store)) { Failing = failing });
                }

                services.AddSingleton<IReplicaCoordination>(sp => new WatchedCoordination(((ICoordinatingStore)sp.GetRequiredService<IExecutionStore>()).Coordination));
            });

    // The PostgreSQL store whose first Failing claims fail for the store's sake, the first of them after it landed (the
    // statement committed, its answer lost: review 38a F2).
    private sealed class ClaimLandsThenFails(IExecutionStore store) : ForwardingStore(store), ICoordinatingStore, IAsyncDisposable
    {
        private int _attempts;

        public int Failing { get; init; }

        public int Attempts => Volatile.Read(ref _attempts);

        public IReplicaCoordination Coordination => ((ICoordinatingStore)Inner).Coordination;

        public override async Task<OccurrenceClaim> ClaimOccurrenceAsync(string route, DateTimeOffset occurrence, string executionId, CancellationToken cancellationToken)
        {
            var attempt = Interlocked.Increment(ref _attempts);
            if (attempt > Failing)
            {
                return await Inner.ClaimOccurrenceAsync(route, occurrence, executionId, cancellationToken);
            }

            if (attempt == 1)
            {
                await Inner.ClaimOccurrenceAsync(route, occurrence, executionId, cancellationToken);
            }

            throw new ExecutionStoreUnavailableException("The test's database is away.");
        }

        public ValueTask DisposeAsync() => ((IAsyncDisposable)Inner).DisposeAsync();
    }
}
