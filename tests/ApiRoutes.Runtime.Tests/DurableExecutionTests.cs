using System.Net;
using ApiRoutes.Execution;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>With the SQLite store, accepted work survives a stop; without a store to write to, nothing is accepted.</summary>
public sealed class DurableExecutionTests : IDisposable
{
    private readonly string _database = Path.Combine(Directory.CreateTempSubdirectory("apiroutes-durable-").FullName, "executions.db");

    [Fact]
    public async Task Work_queued_or_running_at_shutdown_runs_at_the_next_start()
    {
        var manifest = Create(BackgroundRoute("/api/slow", typeof(Slow)));
        string running, queued;
        await using (var first = await TestServer.StartAsync(manifest, options: Sqlite))
        {
            running = await PostAsync(first);
            await first.Probe.NextAsync();
            queued = await PostAsync(first);

            var stopping = first.StopAsync();
            await first.WaitForLogAsync("ApiRoutes[2008]");
            first.FakeTime.Advance(TimeSpan.FromSeconds(30));   // the drain period: the running one is cut
            await first.WaitForLogAsync($"ApiRoutes[2007] Error: Execution {running} of /api/slow was cut by shutdown");
            first.FakeTime.Advance(TimeSpan.FromSeconds(5));    // and the grace for handlers that ignore the cut
            await stopping.WaitAsync(Probe.Patience);
            Assert.Contains(first.Logs, line => line.StartsWith("ApiRoutes[2011] Information: Shutting down: 2 unfinished execution(s) stay in the store", StringComparison.Ordinal));
        }

        await using var second = await TestServer.StartAsync(manifest, options: Sqlite);
        second.Probe.Open("slow");

        var again = await second.WaitForExecutionAsync(r => r.Id == running && r.Status == ExecutionStatus.Succeeded);
        var later = await second.WaitForExecutionAsync(r => r.Id == queued && r.Status == ExecutionStatus.Succeeded);
        Assert.Equal((1, 1), (again.Attempt, later.Attempt));   // a cut is the drain's doing, not a failed attempt (review 16b F1)
        Assert.Contains(second.Logs, line => line.StartsWith("ApiRoutes[2009] Information: Recovered 2 unfinished execution(s)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_handler_that_ignores_the_cut_but_finishes_within_the_grace_is_recorded_as_succeeded_and_does_not_run_again()
    {
        var manifest = Create(BackgroundRoute("/api/stuck", typeof(IgnoresCancellation)));
        string id;
        await using (var first = await TestServer.StartAsync(manifest, options: Sqlite))
        {
            (id, var stopping) = await StopWhileStuckAsync(first);
            first.FakeTime.Advance(TimeSpan.FromSeconds(30));
            await first.WaitForLogAsync($"ApiRoutes[2007] Error: Execution {id} of /api/stuck was cut by shutdown");
            Assert.False(stopping.IsCompleted);   // the grace: still waiting for the handler that ignored the cut

            first.Probe.Open("stuck");            // it returns, its work done, before the grace is over
            await stopping.WaitAsync(Probe.Patience);
            Assert.Equal(ExecutionStatus.Succeeded, first.Executions.Find(id)!.Status);
            Assert.Contains(first.Logs, line => line.StartsWith($"ApiRoutes[2023] Warning: Execution {id} of /api/stuck returned after the cut", StringComparison.Ordinal));
            Assert.Contains(first.Logs, line => line.StartsWith("ApiRoutes[2011] Information: Shutting down: 0 unfinished execution(s) stay in the store", StringComparison.Ordinal));
        }

        await using var second = await TestServer.StartAsync(manifest, options: Sqlite);
        var stored = await second.WaitForExecutionAsync(r => r.Id == id);
        Assert.Equal((ExecutionStatus.Succeeded, 1), (stored.Status, stored.Attempt));
        Assert.Equal(0, second.Probe.Count(nameof(IgnoresCancellation)));
        Assert.DoesNotContain(second.Logs, line => line.StartsWith("ApiRoutes[2009]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_handler_that_ignores_the_cut_and_outlasts_the_grace_runs_again_at_the_next_start()
    {
        var manifest = Create(BackgroundRoute("/api/stuck", typeof(IgnoresCancellation)));
        string id;
        await using (var first = await TestServer.StartAsync(manifest, options: Sqlite))
        {
            (id, var stopping) = await StopWhileStuckAsync(first);
            first.FakeTime.Advance(TimeSpan.FromSeconds(35));   // the drain period and the grace, and it has not returned
            await first.WaitForLogAsync("ApiRoutes[2011] Information: Shutting down: 1 unfinished execution(s) stay in the store");
            await stopping.WaitAsync(Probe.Patience);
        }

        await using var second = await TestServer.StartAsync(manifest, options: Sqlite);
        second.Probe.Open("stuck");
        var again = await second.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Succeeded);
        Assert.Equal(1, again.Attempt);   // cut, not failed: the same attempt
    }

    [Fact]
    public async Task A_cut_under_way_when_the_shutdown_counts_what_it_left_is_in_the_count()
    {
        // Seen once under load (session 32): one fake-clock step past the drain period and the grace together made the
        // drain's cut of the running execution (2007) and the count after the grace (2011) meet; the count saw the
        // execution already cut but not yet counted and said "0 unfinished". Here the cut is held in its store write.
        var store = new CutWriteGate();
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/stuck", typeof(IgnoresCancellation))),
            services: s => s.AddSingleton<IExecutionStore>(store));
        var id = (await server.Client.PostAsync("/api/stuck", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.Probe.NextAsync();
        var lifecycle = server.Services.GetRequiredService<ExecutionLifecycle>();
        var execution = server.Executions.HeldUnfinished().Single(e => e.Id == id);

        var cutting = Task.Run(() => lifecycle.Cut(execution, "still running"));
        await store.CutWriting.Task.WaitAsync(Probe.Patience);   // cut, its write back to the queue not yet returned
        var counting = Task.Run(lifecycle.CutUnfinished);
        await Task.WhenAny(counting, Task.Delay(TimeSpan.FromMilliseconds(200)));
        store.Release.Set();
        await Task.WhenAll(cutting, counting).WaitAsync(Probe.Patience);

        var count = Assert.Single(server.Logs, line => line.StartsWith("ApiRoutes[2011]", StringComparison.Ordinal));
        Assert.StartsWith("ApiRoutes[2011] Information: Shutting down: 1 unfinished execution(s) stay in the store", count, StringComparison.Ordinal);
        Assert.Contains(server.Logs, line => line.StartsWith($"ApiRoutes[2007] Error: Execution {id} of /api/stuck was cut by shutdown: still running; it runs again", StringComparison.Ordinal));
        server.Probe.Open("stuck");
    }

    [Fact]
    public async Task A_last_attempt_cut_by_shutdown_runs_again_at_the_next_start_as_the_same_attempt()
    {
        // Review 16b F1: a deploy's SIGTERM that cut the last attempt made the next start record it failed ("the process
        // stopped during its last attempt"), and it never ran again; every cut used up a retry.
        var manifest = Create(BackgroundRoute("/api/slow", typeof(Slow)));
        void OneAttempt(ApiRoutesOptions options)
        {
            Sqlite(options);
            options.Background.RetryDelays = [];
        }

        string running;
        await using (var first = await TestServer.StartAsync(manifest, options: OneAttempt))
        {
            running = await PostAsync(first);
            await first.Probe.NextAsync();
            var stopping = first.StopAsync();
            await first.WaitForLogAsync("ApiRoutes[2008]");
            first.FakeTime.Advance(TimeSpan.FromSeconds(30));
            await first.WaitForLogAsync($"ApiRoutes[2007] Error: Execution {running} of /api/slow was cut by shutdown");
            first.FakeTime.Advance(TimeSpan.FromSeconds(5));
            await stopping.WaitAsync(Probe.Patience);
        }

        await using var second = await TestServer.StartAsync(manifest, options: OneAttempt);
        second.Probe.Open("slow");
        var again = await second.WaitForExecutionAsync(r => r.Id == running && r.Status is ExecutionStatus.Succeeded or ExecutionStatus.Failed);
        Assert.Equal((ExecutionStatus.Succeeded, 1, null), (again.Status, again.Attempt, again.Error));
        Assert.Equal(1, second.Probe.Count(nameof(Slow)));
    }

    [Fact]
    public async Task A_retry_waiting_out_its_delay_at_shutdown_waits_out_the_rest_of_it_after_the_next_start()
    {
        // Review 16b F5: a retry's delay was the process's memory only: after a deploy or a crash the retry ran at once,
        // and a handler failing against a service that was down retried into it as fast as the app restarted.
        var manifest = Create(BackgroundRoute("/api/flaky", typeof(Flaky)));
        void TenMinutes(ApiRoutesOptions options)
        {
            Sqlite(options);
            options.Background.RetryDelays = [TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10)];
        }

        string id;
        await using (var first = await TestServer.StartAsync(manifest, options: TenMinutes))
        {
            id = (await first.Client.PostAsync("/api/flaky", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
            await first.WaitForExecutionAsync(r => r.Id == id && r is { Status: ExecutionStatus.Queued, Attempt: 2 });
            first.FakeTime.Advance(TimeSpan.FromMinutes(4));
            await first.StopAsync();
        }

        // Back two minutes later: four of the ten minutes are left.
        await using var second = await TestServer.StartAsync(manifest, options: TenMinutes, now: At(0, 6, 0));
        await second.WaitForLogAsync("ApiRoutes[2009] Information: Recovered 1 unfinished execution(s)");
        var waiting = await second.WaitForExecutionAsync(r => r.Id == id);
        Assert.Equal((ExecutionStatus.Queued, 2, At(0, 10, 0)), (waiting.Status, waiting.Attempt, waiting.RetryAt));
        Assert.Equal(At(0, 10, 0), second.Services.GetRequiredService<ApiRoutes.Background.RetryService>().PendingDue(id));

        second.FakeTime.Advance(TimeSpan.FromMinutes(4) - TimeSpan.FromSeconds(1));
        await Task.Delay(100);
        Assert.Equal(0, second.Probe.Count(nameof(Flaky)));

        second.FakeTime.Advance(TimeSpan.FromSeconds(1));
        await second.Probe.NextAsync();
        var next = await second.WaitForExecutionAsync(r => r.Id == id && r is { Status: ExecutionStatus.Queued, Attempt: 3 });
        Assert.Equal(At(0, 20, 0), next.RetryAt);
    }

    [Theory]
    [InlineData("2100-01-01T00:00:00.0000000Z", 2)]   // far beyond any delay configured: no longer than the longest (2 minutes)
    [InlineData("2025-12-31T23:00:00.0000000Z", 0)]   // due while the app was down: at once
    public async Task A_stored_retry_waits_until_its_due_time_but_never_longer_than_the_longest_delay(string retryAt, int minutes)
    {
        await using (var store = SqliteExecutionStore.Open(_database))
        {
            await store.AddAsync(
                new ExecutionRecord { Id = "e1", Route = "/api/slow", Kind = "background", Status = ExecutionStatus.Queued, Attempt = 2, AcceptedAt = At(0, 0, 0).AddHours(-1) },
                RequestSnapshot.Synthetic("/api/slow", "{}"u8.ToArray()),
                default);
        }

        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_database};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = $"UPDATE executions SET retry_at = '{retryAt}' WHERE id = 'e1'";
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/slow", typeof(Slow))), options: Sqlite);
        server.Probe.Open("slow");
        await server.WaitForLogAsync("ApiRoutes[2009] Information: Recovered 1 unfinished execution(s)");
        if (minutes > 0)
        {
            server.FakeTime.Advance(TimeSpan.FromMinutes(minutes) - TimeSpan.FromSeconds(1));
            await Task.Delay(100);
            Assert.Equal(0, server.Probe.Count(nameof(Slow)));
            server.FakeTime.Advance(TimeSpan.FromSeconds(1));
        }

        var done = await server.WaitForExecutionAsync(r => r.Id == "e1" && r.Status == ExecutionStatus.Succeeded);
        Assert.Equal((2, null), (done.Attempt, done.RetryAt));
    }

    [Fact]
    public async Task An_attempt_its_process_never_ended_is_kept_as_an_earlier_attempt_of_the_retry_that_succeeds()
    {
        // Review 39a N1: a row left running by a crash ran again as attempt 2, and nothing told of attempt 1 once it succeeded.
        var started = new DateTimeOffset(2025, 12, 31, 23, 59, 0, TimeSpan.Zero);
        await using (var store = SqliteExecutionStore.Open(_database))
        {
            await store.AddAsync(
                new ExecutionRecord { Id = "crashed", Route = "/api/slow", Kind = "background", Status = ExecutionStatus.Running, AcceptedAt = started, StartedAt = started },
                RequestSnapshot.Synthetic("/api/slow", "{}"u8.ToArray()),
                default);
        }

        ExecutionRecord queued, done;
        await using (var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/slow", typeof(Slow))), options: Sqlite))
        {
            queued = await server.WaitForExecutionAsync(r => r is { Id: "crashed", Status: ExecutionStatus.Queued or ExecutionStatus.Running, Attempt: 2 });
            server.Probe.Open("slow");
            done = await server.WaitForExecutionAsync(r => r is { Id: "crashed", Status: ExecutionStatus.Succeeded });
        }

        var earlier = new EarlierAttempt { Attempt = 1, StartedAt = started, FinishedAt = null, Error = ExecutionLifecycle.StoppedWhileRunning };
        Assert.Equal([earlier], queued.EarlierAttempts);
        Assert.Equal((2, null, earlier), (done.Attempt, done.Error, Assert.Single(done.EarlierAttempts)));
        await using var reopened = SqliteExecutionStore.Open(_database);
        Assert.Equal(done, await reopened.FindAsync("crashed", default));
    }

    [Fact]
    public async Task An_attempt_is_on_disk_as_running_before_its_handler_runs()
    {
        // Review 16b F2: the handler ran before its start was written, so one that took the process down at once (killed
        // for its memory, a stack overflow on a poison body) left its row queued at the same attempt and ran again at
        // every start, never reaching its last attempt. Each handler here reads its own row from the file, through a
        // connection of its own, as a process killed at that moment would leave it.
        ReadsItsOwnRow.Database = _database;
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/peek", typeof(ReadsItsOwnRow))),
            options: options =>
            {
                options.Store.Provider = StoreProvider.Sqlite;
                options.Store.Path = _database;
            });

        var ids = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            ids.Add((await server.Client.PostAsync("/api/peek", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single());
        }

        foreach (var id in ids)
        {
            await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Succeeded);
        }

        Assert.Equal(ids.Order().Select(id => $"{id}: Running, attempt 1"), ReadsItsOwnRow.Seen.Order());
    }

    [Fact]
    public async Task An_attempt_cut_by_shutdown_while_its_start_is_written_never_runs_and_stays_queued()
    {
        // Review 16d F2: the start is now written before the handler runs; a cut that came during that write did not stop
        // the handler from starting after it, past the drain period.
        var store = new SlowStartStore();
        var manifest = Create(BackgroundRoute("/api/slow", typeof(Slow)));
        await using var server = await TestServer.StartAsync(manifest, services: s => s.AddSingleton<IExecutionStore>(store));
        server.Probe.Open("slow");

        var id = await PostAsync(server);
        await store.StartWritten.Task.WaitAsync(Probe.Patience);   // the start is being written
        var stopping = server.StopAsync();
        await server.WaitForLogAsync("ApiRoutes[2008]");
        server.FakeTime.Advance(TimeSpan.FromSeconds(30));          // the drain period ends
        store.Release.SetResult();                                   // the start's write lands only now
        await server.WaitForLogAsync($"ApiRoutes[2007] Error: Execution {id} of /api/slow was cut by shutdown: its start was being written when the drain period ended; it never ran");
        server.FakeTime.Advance(TimeSpan.FromSeconds(5));
        await stopping.WaitAsync(Probe.Patience);

        Assert.Equal(0, server.Probe.Count(nameof(Slow)));
        Assert.Equal(ExecutionStatus.Queued, (await store.FindAsync(id, default))!.Status);   // runs at the next start, as the same attempt
    }

    [Fact]
    public async Task Without_a_store_to_write_to_background_routes_answer_503_and_recover_when_it_returns()
    {
        var store = new SwitchableStore();
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/slow", typeof(Slow))),
            services: s => s.AddSingleton<IExecutionStore>(store));
        server.Probe.Open("slow");

        store.Available = false;
        var refused = await server.Client.PostAsync("/api/slow", null);
        store.Available = true;
        var accepted = await server.Client.PostAsync("/api/slow", null);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        await server.WaitForExecutionAsync(r => r.Status == ExecutionStatus.Succeeded);
        Assert.Equal(1, server.Probe.Count(nameof(Slow)));
    }

    // Review 26c F2: a refused external trigger is recorded at the instant it named, here one not come yet (and no
    // occurrence at all); taken as the last occurrence seen, it hid every occurrence missed while down, and catch-up.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task After_downtime_a_schedule_that_opts_in_catches_up_once_with_missed_true(bool refusedTriggerForALaterInstant)
    {
        var catchUp = Create(ScheduledRoute("/api/tick", typeof(Tick), "@hourly")) is var m
            ? m with { Routes = [m.Routes[0] with { CatchUp = true }] }
            : null!;
        await using (var first = await TestServer.StartAsync(catchUp, options: Sqlite, now: At(0, 59, 30)))
        {
            await first.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T01:00:00");
            first.FakeTime.Advance(TimeSpan.FromSeconds(30));
            await first.WaitForExecutionAsync(r => r.Status == ExecutionStatus.Succeeded);
            if (refusedTriggerForALaterInstant)
            {
                await first.Services.GetRequiredService<IExecutionStore>().RecordOccurrenceAsync(
                    new OccurrenceRecord { Route = "/api/tick", Occurrence = At(11, 30, 0), Outcome = OccurrenceOutcome.Refused, Detail = "400: not an occurrence", RecordedAt = At(1, 5, 0) },
                    default);
            }
        }

        // Down from 01:00 to 05:30: the 02:00, 03:00, 04:00 and 05:00 runs were missed.
        await using var second = await TestServer.StartAsync(catchUp, options: Sqlite, now: At(5, 30, 0));

        var run = await second.Probe.NextAsync();
        Assert.Equal("""{"next_run":"2026-01-01T06:00:00.000Z","missed":true}""", run.Body);
        await second.WaitForLogAsync("ApiRoutes[3008] Information: Schedule /api/tick missed 4 occurrence(s) since its last run at 2026-01-01T01:00:00");
        await second.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T06:00:00");
        Assert.Equal(1, second.Probe.Count(nameof(Tick)));
    }

    [Fact]
    public async Task By_default_missed_occurrences_are_not_replayed()
    {
        var manifest = Create(ScheduledRoute("/api/tick", typeof(Tick), "@hourly"));
        await using (var first = await TestServer.StartAsync(manifest, options: Sqlite, now: At(0, 59, 30)))
        {
            await first.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T01:00:00");
            first.FakeTime.Advance(TimeSpan.FromSeconds(30));
            await first.WaitForExecutionAsync(r => r.Status == ExecutionStatus.Succeeded);
        }

        await using var second = await TestServer.StartAsync(manifest, options: Sqlite, now: At(5, 30, 0));

        await second.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T06:00:00");
        Assert.Equal(0, second.Probe.Count(nameof(Tick)));
    }

    private static DateTimeOffset At(int hour, int minute, int second) => new(2026, 1, 1, hour, minute, second, TimeSpan.Zero);

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_database)!, recursive: true);

    private void Sqlite(ApiRoutesOptions options)
    {
        options.Store.Provider = StoreProvider.Sqlite;
        options.Store.Path = _database;
        options.Background.MaxConcurrency = 1;
    }

    [Theory]
    // the stored request is not JSON, or lacks a field
    [InlineData("UPDATE executions SET request = 'not json' WHERE id = 'e07'")]
    [InlineData("UPDATE executions SET request = '{\"method\":\"POST\"}' WHERE id = 'e07'")]
    // a time in another format, an unknown status, a route that is not text
    [InlineData("UPDATE executions SET accepted_at = 'yesterday' WHERE id = 'e07'")]
    [InlineData("UPDATE executions SET status = 'Running', started_at = '2026-13-45' WHERE id = 'e07'")]
    [InlineData("UPDATE executions SET attempt = 'many' WHERE id = 'e07'")]
    // an attempt ApiRoutes never writes: counting on from the largest int would wrap (review 4, finding 5)
    [InlineData("UPDATE executions SET status = 'Running', started_at = accepted_at, attempt = 2147483647 WHERE id = 'e07'")]
    [InlineData("UPDATE executions SET attempt = 1001 WHERE id = 'e07'")]
    [InlineData("UPDATE executions SET body = 12 WHERE id = 'e07'")]
    // a retry's due time that is no instant
    [InlineData("UPDATE executions SET retry_at = 'soon', attempt = 2 WHERE id = 'e07'")]
    public async Task An_unreadable_row_is_recorded_as_failed_and_every_other_one_runs(string corruption)
    {
        var manifest = Create(BackgroundRoute("/api/slow", typeof(Slow)));
        await using (var store = SqliteExecutionStore.Open(_database))
        {
            var request = RequestSnapshot.Synthetic("/api/slow", "{}"u8.ToArray());
            await Task.WhenAll(Enumerable.Range(0, 51).Select(i => store.AddAsync(
                new ExecutionRecord { Id = $"e{i:D2}", Route = "/api/slow", Kind = "background", Status = ExecutionStatus.Queued, AcceptedAt = DateTimeOffset.UnixEpoch.AddSeconds(i) },
                request,
                default)));
        }

        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_database};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = corruption;
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        await using var server = await TestServer.StartAsync(manifest, options: Sqlite);
        server.Probe.Open("slow");

        var poisoned = await server.WaitForExecutionAsync(r => r.Id == "e07" && r.Status == ExecutionStatus.Failed);
        for (var i = 0; i < 51; i++)
        {
            if (i != 7)
            {
                await server.WaitForExecutionAsync(r => r.Id == $"e{i:D2}" && r.Status == ExecutionStatus.Succeeded);
            }
        }

        Assert.StartsWith("Not run: its stored row cannot be read (", poisoned.Error, StringComparison.Ordinal);
        Assert.Contains(server.Logs, line => line.StartsWith("ApiRoutes[2019] Error: Execution e07 in the store cannot be read", StringComparison.Ordinal));
        await server.StopAsync();
        Assert.DoesNotContain(server.Logs, line => line.Contains("Exception", StringComparison.Ordinal) && !line.Contains("[2019]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_accepted_execution_is_written_once_when_accepted_then_once_per_change_of_state()
    {
        var store = new SwitchableStore();
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/slow", typeof(Slow))),
            services: s => s.AddSingleton<IExecutionStore>(store));
        server.Probe.Open("slow");

        var id = await PostAsync(server);
        await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Succeeded);

        Assert.Equal(["Add Queued", "Update Running", "Update Succeeded"], store.Writes);
    }

    // Accepts one execution whose handler ignores its token, waits until it runs, and starts the stop (the drain).
    private static async Task<(string Id, Task Stopping)> StopWhileStuckAsync(TestServer server)
    {
        var id = (await server.Client.PostAsync("/api/stuck", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.Probe.NextAsync();
        var stopping = server.StopAsync();
        await server.WaitForLogAsync("ApiRoutes[2008]");
        return (id, stopping);
    }

    private static async Task<string> PostAsync(TestServer server) =>
        (await server.Client.PostAsync("/api/slow", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();

    // A durable store whose first "running" write waits for the test.
    private sealed class SlowStartStore : ForwardingStore
    {
        public TaskCompletionSource StartWritten { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task UpdateAsync(ExecutionRecord record, CancellationToken cancellationToken)
        {
            if (record.Status == ExecutionStatus.Running && StartWritten.TrySetResult())
            {
                await Release.Task;
            }

            await base.UpdateAsync(record, cancellationToken);
        }
    }

    // The in-memory store, with a switch that makes new work fail to be stored.
    private sealed class SwitchableStore : ForwardingStore
    {
        public bool Available { get; set; } = true;

        public System.Collections.Concurrent.ConcurrentQueue<string> Writes { get; } = new();

        public override Task AddAsync(ExecutionRecord record, RequestSnapshot? request, CancellationToken cancellationToken) =>
            Available ? Written("Add", record, base.AddAsync(record, request, cancellationToken)) : throw new ExecutionStoreUnavailableException("The execution store 'test' cannot be written: disk I/O error");

        public override Task UpdateAsync(ExecutionRecord record, CancellationToken cancellationToken) => Written("Update", record, base.UpdateAsync(record, cancellationToken));

        private Task Written(string kind, ExecutionRecord record, Task write)
        {
            Writes.Enqueue($"{kind} {record.Status}");
            return write;
        }
    }

    // A durable store whose write of a cut running attempt back to the queue waits, in the cut, for the test.
    private sealed class CutWriteGate : ForwardingStore
    {
        public TaskCompletionSource CutWriting { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ManualResetEventSlim Release { get; } = new();

        public override Task UpdateAsync(ExecutionRecord record, CancellationToken cancellationToken)
        {
            if (record.Status == ExecutionStatus.Queued && CutWriting.TrySetResult())
            {
                Release.Wait(Probe.Patience, CancellationToken.None);
            }

            return base.UpdateAsync(record, cancellationToken);
        }
    }
}

/// <summary>Reads its own execution's row from the SQLite file as it begins (<see cref="DurableExecutionTests"/>).</summary>
public sealed class ReadsItsOwnRow : IApiHandler
{
    public static string Database { get; set; } = "";

    public static System.Collections.Concurrent.ConcurrentBag<string> Seen { get; } = [];

    public async Task HandleAsync(Microsoft.AspNetCore.Http.HttpContext context)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Database};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT status, attempt FROM executions WHERE id = $id";
        command.Parameters.AddWithValue("$id", context.TraceIdentifier);
        await using var reader = await command.ExecuteReaderAsync();
        Seen.Add(await reader.ReadAsync() ? $"{context.TraceIdentifier}: {reader.GetValue(0)}, attempt {reader.GetInt64(1)}" : $"{context.TraceIdentifier}: no row");
    }
}
