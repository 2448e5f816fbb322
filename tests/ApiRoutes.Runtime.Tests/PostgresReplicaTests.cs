using System.Net;
using System.Text.Json;
using ApiRoutes.Execution;
using ApiRoutes.Hosting;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using ApiRoutes.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// Replicas of one app on Kestrel, sharing a real PostgreSQL database, each on its own fake clock: schedules, the
/// takeover of a stopped replica's work, and a database that goes away and comes back.
/// </summary>
public sealed class PostgresReplicaTests : IAsyncLifetime
{
    // For replicas whose fake clock jumps a minute at a time, or races ahead faster than renewals land: past three
    // quarters of the lease without a renewal, a replica cancels its running handlers and starts nothing (LeaseFence),
    // as it should when its own clock says its lease is in doubt.
    private static readonly TimeSpan ClockJumps = TimeSpan.FromMinutes(10);

    private string _database = null!;

    public async Task InitializeAsync() => _database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Two_replicas_run_each_occurrence_of_a_schedule_once_between_them()
    {
        var manifest = Create(ScheduledRoute("/api/tick", typeof(Tick), "* * * * *"));
        await using var first = await StartAsync(manifest, _database, lease: ClockJumps);
        await using var second = await StartAsync(manifest, _database, lease: ClockJumps);
        TestServer[] replicas = [first, second];

        for (var minute = 1; minute <= 6; minute++)
        {
            var due = $"ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T00:{minute:D2}:00";
            await Task.WhenAll(replicas.Select(replica => replica.WaitForLogAsync(due)));

            // Both clocks reach the occurrence; which replica asks first alternates.
            foreach (var replica in minute % 2 == 0 ? replicas : replicas.Reverse())
            {
                replica.FakeTime.Advance(TimeSpan.FromMinutes(1));
            }

            await Poll.UntilAsync(
                () => replicas.Sum(r => r.Probe.Count(nameof(Tick))) >= minute,
                () => string.Join("\n", replicas.SelectMany(r => r.Logs.Where(line => line.Contains("/api/tick", StringComparison.Ordinal) || line.Contains("Error", StringComparison.Ordinal)))));

            // And its row finished: a run whose handler returned but whose row still says running is a run still going to
            // the other replica's claim of the next occurrence, which it skips for good (review 47C F1). ci130, a busy
            // machine: the clocks moved on before the row was written, and the next occurrence was never run.
            await Poll.UntilAsync(async () => await PostgresServer.ScalarAsync<long>(_database, "SELECT count(*) FROM apiroutes_executions WHERE kind = 'scheduled' AND status = 'Succeeded'") >= minute);
        }

        // Both have dealt with the last occurrence: one ran it, the other found it claimed (or its own run still going).
        await Task.WhenAll(replicas.Select(replica => replica.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T00:07:00")));
        Assert.Equal(6, replicas.Sum(r => r.Logs.Count(line => line.StartsWith("ApiRoutes[3001] Information: Schedule /api/tick fired", StringComparison.Ordinal))));
        Assert.Contains(replicas.SelectMany(r => r.Logs), line => line.StartsWith("ApiRoutes[3010] Debug: Schedule /api/tick at 2026-01-01T00:0", StringComparison.Ordinal));
        Assert.Equal(6, replicas.Sum(r => r.Probe.Count(nameof(Tick))));
        Assert.Equal(6L, await PostgresServer.ScalarAsync<long>(_database, "SELECT count(DISTINCT occurrence) FROM apiroutes_schedule_runs"));
        Assert.Equal(6L, await PostgresServer.ScalarAsync<long>(_database, "SELECT count(*) FROM apiroutes_executions WHERE kind = 'scheduled'"));
    }

    [Fact]
    public async Task Runs_of_a_schedule_never_overlap_across_replicas()
    {
        var manifest = Create(ScheduledRoute("/api/tick", typeof(Tick), "* * * * *", timeLimitSeconds: 900));
        await using var first = await StartAsync(manifest, _database, lease: ClockJumps);
        await using var second = await StartAsync(manifest, _database, lease: ClockJumps);
        TestServer[] replicas = [first, second];
        foreach (var replica in replicas)
        {
            replica.Services.GetRequiredService<TickOptions>().Block = true;
        }

        await AdvanceBothToAsync(replicas, 1);
        await Poll.UntilAsync(() => replicas.Sum(r => r.Probe.Count(nameof(Tick))) == 1);
        var winner = replicas.Single(r => r.Probe.Count(nameof(Tick)) == 1);
        var other = replicas.Single(r => r != winner);
        var running = winner.Executions.Active.Single().Id;

        // 00:02 comes while the 00:01 run still goes: skipped on both replicas, run by neither; its claim is the skip's, naming
        // that run, so that nothing claims it after that run ends (review 47C F1).
        await AdvanceBothToAsync(replicas, 2);
        await other.WaitForLogAsync($"ApiRoutes[3002] Warning: Schedule /api/tick skipped the run at 2026-01-01T00:02:00.0000000+00:00: the previous run {running} is still going");
        await winner.WaitForLogAsync("ApiRoutes[3002] Warning: Schedule /api/tick skipped the run at 2026-01-01T00:02:00");

        foreach (var replica in replicas)
        {
            replica.Probe.Open("tick");
        }

        await winner.WaitForExecutionAsync(r => r.Id == running && r.Status == ExecutionStatus.Succeeded);
        await Poll.UntilAsync(async () => await Count("status = 'Succeeded'") == 1);
        await AdvanceBothToAsync(replicas, 3);
        await Poll.UntilAsync(() => replicas.Sum(r => r.Probe.Count(nameof(Tick))) == 2);

        Assert.Equal($"{running} true", await PostgresServer.ScalarAsync<string>(_database, "SELECT string_agg(execution_id || ' ' || skipped, ', ') FROM apiroutes_schedule_runs WHERE occurrence = '2026-01-01T00:02:00Z'"));
    }

    // Both replicas' clocks reach minute M, once both wait for it.
    private static async Task AdvanceBothToAsync(TestServer[] replicas, int minute)
    {
        await Task.WhenAll(replicas.Select(r => r.WaitForLogAsync($"ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T00:{minute:D2}:00")));
        foreach (var replica in replicas)
        {
            replica.FakeTime.Advance(TimeSpan.FromMinutes(1));
        }
    }

    [Fact]
    public async Task Replicas_starting_after_downtime_run_one_catch_up_between_them()
    {
        var manifest = Create(ScheduledRoute("/api/tick", typeof(Tick), "@hourly")) is var m
            ? m with { Routes = [m.Routes[0] with { CatchUp = true }] }
            : null!;
        await using (var earlier = PostgresExecutionStore.Open(_database, TimeSpan.FromSeconds(30), TimeProvider.System, NullLogger.Instance))
        {
            Assert.True((await earlier.ClaimOccurrenceAsync("/api/tick", new DateTimeOffset(2026, 1, 1, 1, 0, 0, TimeSpan.Zero), "before", default)).Claimed);
        }

        // Down from 01:00 to 05:30; both come back at once.
        var now = new DateTimeOffset(2026, 1, 1, 5, 30, 0, TimeSpan.Zero);
        TestServer[] replicas = await Task.WhenAll(StartAsync(manifest, _database, now: now), StartAsync(manifest, _database, now: now));
        try
        {
            await Task.WhenAll(replicas.Select(r => r.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T06:00:00")));
            await Poll.UntilAsync(() => replicas.Sum(r => r.Probe.Count(nameof(Tick))) == 1);

            var run = Assert.Single(replicas.SelectMany(r => r.Probe.All));
            Assert.Equal("""{"next_run":"2026-01-01T06:00:00.000Z","missed":true}""", run.Body);
            // The other found the 05:00 run claimed, or (if it looked after the claim) nothing missed at all.
            Assert.Contains(replicas.SelectMany(r => r.Logs), line => line.StartsWith("ApiRoutes[3008] Information: Schedule /api/tick missed 4 occurrence(s)", StringComparison.Ordinal));
            Assert.Equal(1L, await PostgresServer.ScalarAsync<long>(_database, "SELECT count(*) FROM apiroutes_schedule_runs WHERE occurrence = '2026-01-01T05:00:00Z'"));
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task The_unfinished_work_of_a_replica_that_stops_is_taken_over_by_another()
    {
        var manifest = Create(BackgroundRoute("/api/slow", typeof(Slow)));
        await using var survivor = await StartAsync(manifest, _database);

        // Its start-up recovery has looked (250 ms after it listens, with no request): the stopped replica's work is then
        // taken over (2014). Had the other come and gone before, recovery took the work up as unfinished at the start
        // (2009 "Recovered 2 unfinished execution(s)"), which is right too, but not what this test is about (CI).
        await survivor.Services.GetServices<IHostedService>().OfType<StartupRecoveryService>().Single().Recovered.WaitAsync(Probe.Patience);
        string running, queued;
        await using (var stopping = await StartAsync(manifest, _database, lease: ClockJumps))   // its clock jumps through the drain
        {
            running = await PostAsync(stopping);
            await stopping.Probe.NextAsync();
            queued = await PostAsync(stopping);

            var stop = stopping.StopAsync();
            await stopping.WaitForLogAsync("ApiRoutes[2008]");
            stopping.FakeTime.Advance(TimeSpan.FromSeconds(35));   // the drain period ends, the running one is cut, and it ignores the cut through the grace
            await stop.WaitAsync(Probe.Patience);
        }

        // The stopped replica unregistered: its work is free to take at once, not only when its lease would lapse.
        Assert.Equal(1L, await PostgresServer.ScalarAsync<long>(_database, "SELECT count(*) FROM apiroutes_replicas"));
        survivor.Probe.Open("slow");
        survivor.FakeTime.Advance(TimeSpan.FromSeconds(15));      // half a lease: the survivor looks for orphaned work

        var again = await survivor.WaitForExecutionAsync(r => r.Id == running && r.Status == ExecutionStatus.Succeeded);
        var later = await survivor.WaitForExecutionAsync(r => r.Id == queued && r.Status == ExecutionStatus.Succeeded);
        Assert.Equal((2, 1), (again.Attempt, later.Attempt));   // with replicas the take-over counts the cut run as an attempt (review 16d F1)
        await survivor.WaitForLogAsync("ApiRoutes[2014] Information: Took over 2 unfinished execution(s) of stopped replicas; 0 recorded as failed");
        await Poll.UntilAsync(async () => await Count("status = 'Succeeded'") == 2);
    }

    // Review 48A F2: with replicas a running attempt cut by the stop is left running, and the take-over counts it as an
    // attempt (review 16d F1): on its last attempt, the other replica records it failed. The stop's 2007 line said "it runs
    // again", and 2011 counted it among what runs again; it is counted apart (2054), as scheduled runs cut are (2053).
    [Fact]
    public async Task A_background_last_attempt_cut_at_a_replicas_stop_is_not_counted_as_running_again_and_another_replica_records_it_failed()
    {
        var manifest = Create(BackgroundRoute("/api/slow", typeof(Slow)));
        static void OneAttempt(ApiRoutesOptions options) => options.Background.RetryDelays = [];
        await using var survivor = await StartAsync(manifest, _database, configure: OneAttempt);
        await survivor.Services.GetServices<IHostedService>().OfType<StartupRecoveryService>().Single().Recovered.WaitAsync(Probe.Patience);
        string running, queued;
        await using (var stopping = await StartAsync(manifest, _database, lease: ClockJumps, configure: OneAttempt))
        {
            running = await PostAsync(stopping);
            await stopping.Probe.NextAsync();
            queued = await PostAsync(stopping);

            var stop = stopping.StopAsync();
            await stopping.WaitForLogAsync("ApiRoutes[2008]");
            stopping.FakeTime.Advance(TimeSpan.FromSeconds(35));   // the drain period ends, the running one is cut, and it ignores the cut through the grace
            await stop.WaitAsync(Probe.Patience);

            // Cut by the drain's end ("still running") or by its runner as the cut came ("running when the drain period ended").
            Assert.EndsWith(
                "running; as its last attempt (1 of 1), it is not run again: with replicas the cut attempt counts as an attempt, and another replica, or the next start, records it failed",
                Assert.Single(stopping.Logs, line => line.StartsWith($"ApiRoutes[2007] Error: Execution {running} of /api/slow was cut by shutdown: ", StringComparison.Ordinal)).Replace("running when the drain period ended", "running", StringComparison.Ordinal),
                StringComparison.Ordinal);
            Assert.Contains(
                "ApiRoutes[2011] Information: Shutting down: 1 unfinished execution(s) stay in the store and run at the next start, or on another replica",
                stopping.Logs);
            Assert.Contains(
                "ApiRoutes[2054] Warning: Shutting down: 1 background execution(s) cut during their last attempt stay in the store but are not run again (with replicas a cut attempt counts as an attempt): another replica, or the next start, records them failed",
                stopping.Logs);
        }

        survivor.Probe.Open("slow");
        survivor.FakeTime.Advance(TimeSpan.FromSeconds(15));      // half a lease: the survivor looks for orphaned work

        var failed = await survivor.WaitForExecutionAsync(r => r.Id == running && r.Status == ExecutionStatus.Failed);
        await survivor.WaitForExecutionAsync(r => r.Id == queued && r.Status == ExecutionStatus.Succeeded);
        Assert.Equal("Not finished: the process stopped during its last attempt (1 of 1).", failed.Error);
    }

    [Fact]
    public async Task A_retry_waiting_on_a_replica_that_stops_waits_out_the_rest_of_its_delay_on_the_one_that_takes_it_over()
    {
        // Review 16b F5: the delay was the stopped replica's memory only, so the take-over ran the retry at once.
        var manifest = Create(BackgroundRoute("/api/flaky", typeof(Flaky)));
        static void TenMinutes(ApiRoutesOptions options) => options.Background.RetryDelays = [TimeSpan.FromMinutes(10)];
        await using var survivor = await StartAsync(manifest, _database, lease: ClockJumps, configure: TenMinutes);
        await survivor.Services.GetServices<IHostedService>().OfType<StartupRecoveryService>().Single().Recovered.WaitAsync(Probe.Patience);
        string id;
        await using (var stopping = await StartAsync(manifest, _database, configure: TenMinutes))
        {
            id = (await stopping.Client.PostAsync("/api/flaky", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
            await stopping.WaitForExecutionAsync(r => r.Id == id && r is { Status: ExecutionStatus.Queued, Attempt: 2 });
            await Poll.UntilAsync(async () => await Count("attempt = 2 AND retry_at IS NOT NULL") == 1);
            await stopping.StopAsync();
        }

        survivor.FakeTime.Advance(TimeSpan.FromMinutes(5));   // half its lease: it looks for a stopped replica's work
        await survivor.WaitForLogAsync("ApiRoutes[2014] Information: Took over 1 unfinished execution(s) of stopped replicas; 0 recorded as failed");
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 10, 0, TimeSpan.Zero), survivor.Services.GetRequiredService<ApiRoutes.Background.RetryService>().PendingDue(id));

        survivor.FakeTime.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        await Task.Delay(100);
        Assert.Equal(0, survivor.Probe.Count(nameof(Flaky)));

        survivor.FakeTime.Advance(TimeSpan.FromSeconds(1));
        var failed = await survivor.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Failed);
        Assert.Equal((2, 1), (failed.Attempt, survivor.Probe.Count(nameof(Flaky))));
    }

    [Fact]
    public async Task An_idle_replica_takes_work_waiting_in_a_busy_replicas_queue_and_each_execution_runs_once()
    {
        var manifest = Create(BackgroundRoute("/api/slow", typeof(Slow)));
        await using var busy = await StartAsync(manifest, _database);
        await using var idle = await StartAsync(manifest, _database, lease: ClockJumps);   // its clock runs 15 s ahead every 20 ms
        var first = await PostAsync(busy);
        await busy.Probe.NextAsync();                      // its only worker is taken
        string[] waiting = [await PostAsync(busy), await PostAsync(busy)];
        idle.Probe.Open("slow");

        // The idle replica looks every half lease and takes what has waited longer than that; a look takes a moment.
        await Poll.UntilAsync(() =>
        {
            idle.AdvanceWithinLease(TimeSpan.FromSeconds(15));   // review 44a F2: not past its bound before a renewal landed
            return waiting.All(id => idle.Executions.Find(id) is { Status: ExecutionStatus.Succeeded });
        });

        busy.Probe.Open("slow");
        await busy.WaitForExecutionAsync(r => r.Id == first && r.Status == ExecutionStatus.Succeeded);
        foreach (var id in waiting)
        {
            await busy.WaitForLogAsync($"ApiRoutes[2015] Information: Execution {id} of /api/slow is held by another replica now");
        }

        Assert.Equal((1, 2), (busy.Probe.Count(nameof(Slow)), idle.Probe.Count(nameof(Slow))));
        Assert.DoesNotContain(idle.Logs, line => line.StartsWith("ApiRoutes[4004]", StringComparison.Ordinal));   // its fence held
        Assert.Empty(busy.Executions.Active);
        // One at a time: it takes only as many as it has idle workers (one).
        Assert.Equal(2, idle.Logs.Count(line => line.StartsWith("ApiRoutes[2016] Information: Took 1 execution(s) waiting in the queues of busy replicas", StringComparison.Ordinal)));
        await Poll.UntilAsync(async () => await Count("status = 'Succeeded'") == 3);
    }

    [Fact]
    public async Task A_replica_started_later_counts_none_of_the_others_work_as_its_own_and_takes_what_waits_there()
    {
        var manifest = Create(BackgroundRoute("/api/slow", typeof(Slow)));
        await using var busy = await StartAsync(manifest, _database);
        var first = await PostAsync(busy);
        await busy.Probe.NextAsync();
        string[] waiting = [await PostAsync(busy), await PostAsync(busy)];

        // Its history, read at start-up, shows one running and two queued: the busy replica's, not its own. Its clock
        // runs 15 s ahead every 20 ms below, far faster than its renewals: a long lease keeps its fence from tripping.
        await using var idle = await StartAsync(manifest, _database, lease: ClockJumps);
        await idle.WaitForLogAsync("ApiRoutes[2017] Debug: Loaded 3 recent execution(s) from the store");
        Assert.Equal((0, 0), (idle.Executions.RunningCount, idle.Executions.QueuedCount));
        Assert.Empty(idle.Executions.Active);

        idle.Probe.Open("slow");
        await Poll.UntilAsync(() =>
        {
            idle.AdvanceWithinLease(TimeSpan.FromSeconds(15));   // review 44a F2: not past its bound before a renewal landed
            return waiting.All(id => idle.Executions.Find(id) is { Status: ExecutionStatus.Succeeded });
        });
        busy.Probe.Open("slow");
        await busy.WaitForExecutionAsync(r => r.Id == first && r.Status == ExecutionStatus.Succeeded);
        Assert.Equal((1, 2), (busy.Probe.Count(nameof(Slow)), idle.Probe.Count(nameof(Slow))));
        Assert.DoesNotContain(idle.Logs, line => line.StartsWith("ApiRoutes[4004]", StringComparison.Ordinal));   // its fence held
    }

    [Fact]
    public async Task The_dashboard_of_one_replica_shows_the_executions_of_the_others()
    {
        var manifest = Create(BackgroundRoute("/api/slow", typeof(Slow)));
        await using var worker = await StartAsync(manifest, _database, "Development");
        await using var watcher = await StartAsync(manifest, _database, "Development");
        await watcher.WaitForLogAsync("ApiRoutes[2017] Debug: Loaded 0 recent execution(s) from the store");
        worker.Probe.Open("slow");
        var id = await PostAsync(worker);
        await worker.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Succeeded);
        await Poll.UntilAsync(async () => await Count("status = 'Succeeded'") == 1);

        using var list = JsonDocument.Parse(await watcher.Client.GetStringAsync("/_apiroutes/api/executions"));
        using var one = JsonDocument.Parse(await watcher.Client.GetStringAsync($"/_apiroutes/api/executions/{id}"));

        var listed = Assert.Single(list.RootElement.EnumerateArray());
        Assert.Equal((id, "succeeded"), (listed.GetProperty("id").GetString(), listed.GetProperty("status").GetString()));
        Assert.Equal("succeeded", one.RootElement.GetProperty("execution").GetProperty("status").GetString());
        Assert.Null(watcher.Executions.Find(id));   // not in its own memory: read from the database
    }

    [Fact]
    public async Task Without_the_database_background_routes_answer_503_and_recover_when_it_returns()
    {
        var server = await PostgresServer.SharedAsync();
        await using var proxy = new TcpProxy(server.Port);
        var throughProxy = new NpgsqlConnectionStringBuilder(_database) { Port = proxy.Port }.ConnectionString;
        await using var app = await StartAsync(Create(BackgroundRoute("/api/slow", typeof(Slow))), throughProxy);
        var before = await PostAsync(app);
        await app.Probe.NextAsync();

        await proxy.CutAsync();
        var refused = await app.Client.PostAsync("/api/slow", null);
        app.Probe.Open("slow");                                 // finishes while the database is away
        await app.WaitForExecutionAsync(r => r.Id == before && r.Status == ExecutionStatus.Succeeded);
        proxy.Open();

        HttpResponseMessage accepted;
        var attempts = 0;
        do
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100 * attempts));
            accepted = await app.Client.PostAsync("/api/slow", null);
        }
        while (accepted.StatusCode != HttpStatusCode.Accepted && ++attempts < 20);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Contains(app.Logs, line => line.StartsWith("ApiRoutes[2001] Warning: Background request to /api/slow rejected with 503: The PostgreSQL execution store", StringComparison.Ordinal));

        // The success during the outage was kept and written once the database was back: nothing is left "running".
        await Poll.UntilAsync(async () => await Count("status = 'Succeeded'") == 2);
        Assert.Equal(0L, await Count("status IN ('Queued', 'Running')"));
    }

    [Fact]
    public async Task A_failure_whose_text_postgres_cannot_hold_is_recorded_and_the_replica_goes_on_accepting_background_work()
    {
        await using var server = await StartAsync(Create(BackgroundRoute("/api/parse", typeof(ParsesQuery)), BackgroundRoute("/api/slow", typeof(Slow))), _database);
        server.Probe.Open("slow");

        // One request: its handler's exception quotes a NUL, and its retry (attempt 2) is written with that error.
        var parse = (await server.Client.PostAsync("/api/parse?n=%00", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        var store = server.Services.GetRequiredService<IExecutionStore>();
        ExecutionRecord? retry = null;
        for (var deadline = DateTime.UtcNow + Probe.Patience; retry?.Attempt != 2 && DateTime.UtcNow < deadline; await Task.Delay(20))
        {
            retry = await store.FindAsync(parse, default);
        }

        Assert.Equal((ExecutionStatus.Queued, 2), (retry!.Status, retry.Attempt));
        Assert.Contains("The input string '\uFFFD' was not in a correct format.", retry.Error, StringComparison.Ordinal);

        // Later requests are accepted and run: nothing of the first rides in their writes.
        var later = await server.Client.PostAsync("/api/slow", null);
        Assert.Equal(HttpStatusCode.Accepted, later.StatusCode);
        var id = later.Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Succeeded);
    }

    [Fact]
    public async Task An_occurrence_a_replica_claimed_and_died_before_it_wrote_a_run_of_is_recorded_missed_and_never_run_by_it()
    {
        // Review 32b F4 on PostgreSQL: a replica killed between its claim of an occurrence and its run's first row left
        // the occurrence claimed and never run, and the others said only "claimed elsewhere". A frozen replica back with
        // its lease renewed could even run it late. The take-over of a live replica closes it.
        var manifest = Create(ScheduledRoute("/api/tick", typeof(Tick), "0 0 1 1 *"));
        var now = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        await using var survivor = await StartAsync(manifest, _database, now: now);
        await using var frozen = await StartAsync(manifest, _database, now: now);
        var claimant = frozen.Services.GetRequiredService<IReplicaCoordination>();
        await PostgresServer.ScalarAsync<int>(
            _database,
            $"INSERT INTO apiroutes_schedule_runs (route, occurrence, execution_id, replica, claimed_at) VALUES ('/api/tick', '2026-02-01T00:00:00Z', 'orphan-1', '{claimant.Replica}', now()) RETURNING 1");
        await PostgresServer.ScalarAsync<int>(_database, $"UPDATE apiroutes_replicas SET lease_until = now() - interval '1 second' WHERE id = '{claimant.Replica}' RETURNING 1");

        // The survivor's take-over once its own renewals have held a whole lease (review 38g F3): at 00:00:30.
        for (var renewal = 0; renewal < 3; renewal++)
        {
            await survivor.AdvanceToRenewalAsync(TimeSpan.FromSeconds(10));
        }

        await survivor.WaitForLogAsync(
            $"ApiRoutes[3029] Warning: Schedule /api/tick: the occurrence 2026-02-01T00:00:00.0000000+00:00 was claimed by replica {claimant.Replica} at ");
        Assert.Equal("Failed", await PostgresServer.ScalarAsync<string>(_database, "SELECT status FROM apiroutes_executions WHERE id = 'orphan-1'"));

        // The missed record is written after the line, by the store's writer: waited for, not read at once (ci74, a busy
        // machine: read before it was written).
        const string Missed = "SELECT detail FROM apiroutes_schedule_occurrences WHERE route = '/api/tick' AND outcome = 'missed'";
        await Poll.UntilAsync(async () => await PostgresServer.ScalarAsync<string>(_database, Missed) is not null);
        Assert.StartsWith($"Claimed at 20", await PostgresServer.ScalarAsync<string>(_database, Missed), StringComparison.Ordinal);

        // The claimant comes back (its lease renewed) and starts the run it claimed: another's row stands in its way.
        await PostgresServer.ScalarAsync<int>(_database, $"UPDATE apiroutes_replicas SET lease_until = now() + interval '1 minute' WHERE id = '{claimant.Replica}' RETURNING 1");
        var started = await claimant.TryStartAsync(
            new ExecutionRecord
            {
                Id = "orphan-1", Route = "/api/tick", Kind = "scheduled", Status = ExecutionStatus.Running, Attempt = 1,
                AcceptedAt = now, StartedAt = now, Occurrence = new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero),
            },
            CancellationToken.None);
        Assert.False(started);

        // Closed once: no replica finds it again.
        var served = survivor.Services.GetRequiredService<ExecutionLifecycle>().ServedRoutes;
        Assert.Empty(await survivor.Services.GetRequiredService<IReplicaCoordination>().CloseClaimsNeverRunAsync(100, TimeSpan.FromDays(1), lapsed: true, served, CancellationToken.None));
        Assert.Single(survivor.Logs, line => line.StartsWith("ApiRoutes[3029]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_occurrence_a_live_replica_claimed_and_wrote_no_run_of_within_15_minutes_is_recorded_missed_and_never_run_by_it()
    {
        // Review 38a F2: a claim that landed while its answer was lost, every try to ask it again failed, and the claimant
        // lives on: it never ran, the others recorded it claimed elsewhere, and the take-over closed only the claims of
        // replicas whose lease had lapsed. Closed once 15 minutes old, whatever the claimant's lease.
        var manifest = Create(ScheduledRoute("/api/tick", typeof(Tick), "0 0 1 1 *"));
        var now = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        await using var survivor = await StartAsync(manifest, _database, now: now);
        await using var claimantServer = await StartAsync(manifest, _database, now: now);
        var claimant = claimantServer.Services.GetRequiredService<IReplicaCoordination>();
        await PostgresServer.ScalarAsync<int>(
            _database,
            $"INSERT INTO apiroutes_schedule_runs (route, occurrence, execution_id, replica, claimed_at) VALUES ('/api/tick', '2026-02-01T00:00:00Z', 'orphan-live', '{claimant.Replica}', now() - interval '16 minutes'), "
            + $"('/api/tick', '2026-02-02T00:00:00Z', 'young-live', '{claimant.Replica}', now() - interval '14 minutes') RETURNING 1");

        survivor.FakeTime.Advance(TimeSpan.FromSeconds(15));   // half a lease: the survivor's take-over
        await survivor.WaitForLogAsync(
            $"ApiRoutes[3029] Warning: Schedule /api/tick: the occurrence 2026-02-01T00:00:00.0000000+00:00 was claimed by replica {claimant.Replica} at ");
        Assert.Contains(
            "which lives on and wrote no run of it within 15 minutes (its claim landed while the store's answer to it was lost); it is recorded missed",
            survivor.Logs.Single(line => line.StartsWith("ApiRoutes[3029]", StringComparison.Ordinal)),
            StringComparison.Ordinal);
        Assert.Equal(1L, await PostgresServer.ScalarAsync<long>(_database, "SELECT count(*) FROM apiroutes_replicas WHERE lease_until > now() AND id = '" + claimant.Replica + "'"));
        Assert.Equal("Failed", await PostgresServer.ScalarAsync<string>(_database, "SELECT status FROM apiroutes_executions WHERE id = 'orphan-live'"));
        Assert.Matches(
            $"^Not run: replica {claimant.Replica} claimed this occurrence at .+Z and wrote no run of it within 15 minutes \\(its claim landed, and its answer was lost\\); recorded missed, not run late\\.$",
            await PostgresServer.ScalarAsync<string>(_database, "SELECT error FROM apiroutes_executions WHERE id = 'orphan-live'"));
        Assert.Equal(0L, await PostgresServer.ScalarAsync<long>(_database, "SELECT count(*) FROM apiroutes_executions WHERE id = 'young-live'"));   // not yet 15 minutes

        const string Missed = "SELECT detail FROM apiroutes_schedule_occurrences WHERE route = '/api/tick' AND outcome = 'missed'";
        await Poll.UntilAsync(async () => await PostgresServer.ScalarAsync<string>(_database, Missed) is not null);
        Assert.EndsWith(
            $"by replica {claimant.Replica}, which lives on and wrote no run of it within 15 minutes (its claim landed while the store's answer to it was lost). Not run late.",
            await PostgresServer.ScalarAsync<string>(_database, Missed),
            StringComparison.Ordinal);

        // The claimant's late run meets the closed row: its first row does not land over it, its start is refused, and
        // its claim asked again is not its claim any more.
        var record = new ExecutionRecord
        {
            Id = "orphan-live", Route = "/api/tick", Kind = "scheduled", Status = ExecutionStatus.Queued, Attempt = 1,
            AcceptedAt = now, Occurrence = new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero),
        };
        await claimantServer.Services.GetRequiredService<IExecutionStore>().AddAsync(record, null, CancellationToken.None);
        Assert.False(await claimant.TryStartAsync(record with { Status = ExecutionStatus.Running, StartedAt = now }, CancellationToken.None));
        Assert.Equal("Failed", await PostgresServer.ScalarAsync<string>(_database, "SELECT status FROM apiroutes_executions WHERE id = 'orphan-live'"));
        Assert.False((await claimantServer.Services.GetRequiredService<IExecutionStore>().ClaimOccurrenceAsync("/api/tick", record.Occurrence.Value, "orphan-live", CancellationToken.None)).Claimed);
    }

    private static Task<TestServer> StartAsync(
        ApiRoutes.Manifest.RouteManifest manifest, string connectionString, string environment = "Production", DateTimeOffset? now = null, TimeSpan? lease = null,
        Action<ApiRoutesOptions>? configure = null) =>
        TestServer.StartAsync(
            manifest,
            environment,
            now: now,
            options: options =>
            {
                options.Background.MaxConcurrency = 1;
                options.Store.LeaseDuration = lease ?? options.Store.LeaseDuration;
                configure?.Invoke(options);
            },
            services: services => services.AddApiRoutesPostgreSql(connectionString));   // over the test server's InMemory

    private static async Task<string> PostAsync(TestServer server) =>
        (await server.Client.PostAsync("/api/slow", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();

    private Task<long> Count(string condition) => PostgresServer.ScalarAsync<long>(_database, $"SELECT count(*) FROM apiroutes_executions WHERE {condition}");
}
