using System.Text;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using ApiRoutes.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// Review 45a F2: a take-over closes a claim never run; its statement commits and its answer is lost. The missed record is
/// written from the answer, so the occurrence had no record at all, and later take-overs never found the claim again (its
/// closing row is a row). A take-over now records missed such a closed claim that still has no record a while later.
/// </summary>
public sealed class PostgresLostCloseAnswerTests
{
    [Fact]
    public async Task A_claim_closed_with_its_answer_lost_is_recorded_missed_by_a_later_take_over()
    {
        var server = await PostgresServer.SharedAsync();
        var db = await server.CreateDatabaseAsync();
        await using var proxy = new TcpProxy(server.Port);
        var through = new NpgsqlConnectionStringBuilder(db) { Port = proxy.Port }.ConnectionString;
        var manifest = Create(ScheduledRoute("/api/tick", typeof(Tick), "0 0 1 1 *"));
        var now = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        await using var survivor = await StartAsync(manifest, through, now);
        await using var frozen = await StartAsync(manifest, db, now);
        var claimant = frozen.Services.GetRequiredService<IReplicaCoordination>();
        await PostgresServer.ScalarAsync<int>(
            db,
            $"INSERT INTO apiroutes_schedule_runs (route, occurrence, execution_id, replica, claimed_at) VALUES ('/api/tick', '2026-02-28T00:00:00Z', 'orphan-1', '{claimant.Replica}', now()) RETURNING 1");
        await PostgresServer.ScalarAsync<int>(db, $"UPDATE apiroutes_replicas SET lease_until = now() - interval '1 second' WHERE id = '{claimant.Replica}' RETURNING 1");

        // 00:00:15's take-over looks (its renewals have not held for a lease yet: it closes nothing) before the drop is set,
        // whose bytes its statement holds too.
        var watched = (WatchedCoordination)survivor.Services.GetRequiredService<IReplicaCoordination>();
        await survivor.AdvanceToRenewalAsync(TimeSpan.FromSeconds(10));
        await survivor.AdvanceToRenewalAsync(TimeSpan.FromSeconds(10));
        await Poll.UntilAsync(() => watched.ClaimsLookedAt == 1);
        proxy.DropReplyTo(Encoding.UTF8.GetBytes("'Not run: replica '"));   // the close's statement: it commits, its answer is lost
        await survivor.AdvanceToRenewalAsync(TimeSpan.FromSeconds(10));   // 00:00:30: the take-over closes lapsed replicas' claims
        await Poll.UntilAsync(() => proxy.DroppedReply);
        await Poll.UntilAsync(async () => await PostgresServer.ScalarAsync<long>(db, "SELECT count(*) FROM apiroutes_executions WHERE id = 'orphan-1' AND status = 'Failed'") == 1);

        // The closer's record, if it was ever to come, came long ago (ClaimWithoutRunLimit, by the database's clock).
        await PostgresServer.ScalarAsync<int>(db, "UPDATE apiroutes_executions SET finished_at = finished_at - interval '16 minutes' WHERE id = 'orphan-1' RETURNING 1");
        // Take-overs, each given the time to write what it found (a record is written after its event is logged).
        var records = "no record";
        for (var step = 0; step < 60 && records == "no record"; step++)
        {
            survivor.AdvanceWithinLease(TimeSpan.FromSeconds(10));
            for (var until = DateTime.UtcNow.AddSeconds(2); records == "no record" && DateTime.UtcNow < until; await Task.Delay(50))
            {
                records = await PostgresServer.ScalarAsync<string>(db, "SELECT coalesce(string_agg(outcome || ': ' || detail, '; '), 'no record') FROM apiroutes_schedule_occurrences WHERE route = '/api/tick' AND occurrence = '2026-02-28T00:00:00Z'");
            }
        }

        Assert.StartsWith($"missed: Claimed at ", records, StringComparison.Ordinal);
        Assert.Contains($"by replica {claimant.Replica}, which stopped (or let its lease lapse) before it wrote a run of it. Not run late.", records, StringComparison.Ordinal);
        Assert.Single(survivor.Logs, line => line.StartsWith("ApiRoutes[3029]", StringComparison.Ordinal));   // its close's own came to nothing
    }

    private static Task<TestServer> StartAsync(ApiRoutes.Manifest.RouteManifest manifest, string connectionString, DateTimeOffset now) =>
        TestServer.StartAsync(manifest, "Production", now: now, services: services =>
        {
            services.AddApiRoutesPostgreSql(connectionString);
            services.AddSingleton<IReplicaCoordination>(sp => new WatchedCoordination(((ICoordinatingStore)sp.GetRequiredService<IExecutionStore>()).Coordination));
        });
}
