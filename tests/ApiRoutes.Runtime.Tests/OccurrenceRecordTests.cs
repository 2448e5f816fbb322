using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Scheduling;
using ApiRoutes.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// "Why didn't it run at 03:00?": every occurrence of a schedule is recorded with what became of it, on a fake clock.
/// The paused outcome is tested with the dashboard that pauses (<see cref="DashboardOperatingTests"/>).
/// </summary>
public sealed class OccurrenceRecordTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 31, 0, 0, 30, TimeSpan.Zero);

    [Fact]
    public async Task Occurrences_missed_while_no_instance_was_up_are_recorded_at_start_up_bounded_and_all_counted()
    {
        // The schedule last ran a month before this start: 43,200 minutes came while nothing was up.
        var store = new InMemoryExecutionStore(TimeProvider.System);
        await store.ClaimOccurrenceAsync("/api/month-down", Start.AddDays(-30).AddSeconds(-30), "long-ago", default);
        var missedCount = new ConcurrentQueue<long>();
        using var listener = Listen("apiroutes.schedule.missed", "/api/month-down", missedCount);

        await using var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/month-down", typeof(Tick), "* * * * *")),
            now: Start,
            services: s => s.AddSingleton<IExecutionStore>(store));
        await server.WaitForLogAsync("ApiRoutes[3012] Warning: Schedule /api/month-down missed 43200 occurrence(s) while no instance was up, from 2026-01-01T00:01:00");

        var records = await ReadAsync(server, "/api/month-down", expected: OccurrenceLog.MaxRecordedMisses);
        Assert.All(records, r => Assert.Equal(OccurrenceOutcome.Missed, r.Outcome));
        Assert.Equal(Start.AddSeconds(-30), records[0].Occurrence);
        Assert.Equal(Start.AddSeconds(-30).AddMinutes(-99), records[^1].Occurrence);
        Assert.Equal([43200L], missedCount);
        Assert.Equal(0, server.Probe.Count(nameof(Tick)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_occurrence_recorded_missed_at_one_start_is_not_missed_again_at_the_next_once_retention_has_run(bool catchUp)
    {
        // Review 30a F1: a monthly schedule down over Feb 1 has it recorded missed at the Feb 3 start (right); retention
        // (7 days) then pruned that record, and the Feb 20 start, counting from the last claim (Jan 1), reported Feb 1
        // missed again (event 3012, the metric) and, with catch-up, ran it 19 days late.
        var store = new InMemoryExecutionStore(TimeProvider.System);
        await store.ClaimOccurrenceAsync("/api/monthly", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), "january", default);
        var manifest = Create(ScheduledRoute("/api/monthly", typeof(Tick), "@monthly"));
        manifest = manifest with { Routes = [manifest.Routes[0] with { CatchUp = catchUp }] };

        await using (var first = await TestServer.StartAsync(manifest, now: new DateTimeOffset(2026, 2, 3, 0, 0, 0, TimeSpan.Zero), services: s => s.AddSingleton<IExecutionStore>(store)))
        {
            await first.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/monthly waiting for 2026-03-01T00:00:00");
            Assert.Single(await ReadAsync(first, "/api/monthly", expected: 1));
            if (catchUp)
            {
                Assert.Contains("\"missed\":true", (await first.Probe.NextAsync()).Body, StringComparison.Ordinal);
            }

            Assert.Equal(catchUp ? 1 : 0, first.Probe.Count(nameof(Tick)));
        }

        await store.PruneAsync(new DateTimeOffset(2026, 2, 13, 0, 0, 0, TimeSpan.Zero), default);   // Feb 20, a week's retention
        await using var next = await TestServer.StartAsync(manifest, now: new DateTimeOffset(2026, 2, 20, 0, 0, 0, TimeSpan.Zero), services: s => s.AddSingleton<IExecutionStore>(store));
        await next.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/monthly waiting for 2026-03-01T00:00:00");

        Assert.DoesNotContain(next.Logs, line => line.StartsWith("ApiRoutes[3012]", StringComparison.Ordinal) || line.StartsWith("ApiRoutes[3008]", StringComparison.Ordinal));
        Assert.Equal(0, next.Probe.Count(nameof(Tick)));
        Assert.Equal(
            [(new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero), catchUp ? OccurrenceOutcome.Ran : OccurrenceOutcome.Missed)],
            (await ReadAsync(next, "/api/monthly", expected: 1)).Select(r => (r.Occurrence, r.Outcome)));
    }

    [Fact]
    public async Task With_catch_up_the_latest_missed_occurrence_runs_and_the_ones_before_it_are_recorded_missed()
    {
        var store = new InMemoryExecutionStore(TimeProvider.System);
        await store.ClaimOccurrenceAsync("/api/hourly", Start.AddHours(-3).AddSeconds(-30), "before", default);
        var manifest = Create(ScheduledRoute("/api/hourly", typeof(Tick), "@hourly"));

        await using var server = await TestServer.StartAsync(
            manifest with { Routes = [manifest.Routes[0] with { CatchUp = true }] },
            now: Start,
            services: s => s.AddSingleton<IExecutionStore>(store));

        var records = await ReadAsync(server, "/api/hourly", expected: 3);
        Assert.Equal(
            [(Start.AddSeconds(-30), OccurrenceOutcome.Ran), (Start.AddSeconds(-30).AddHours(-1), OccurrenceOutcome.Missed), (Start.AddSeconds(-30).AddHours(-2), OccurrenceOutcome.Missed)],
            records.Select(r => (r.Occurrence, r.Outcome)));
        Assert.Contains("\"missed\":true", (await server.Probe.NextAsync()).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_damaged_last_run_row_in_the_SQLite_store_neither_stops_the_app_nor_the_schedule_and_is_replaced_by_the_next_run()
    {
        // The review's reproduction: a schedules row whose instant is not one made the host stop at every start (exit 0).
        // Claims and the schedule served are read from their own tables now: damaged the same way.
        var folder = Directory.CreateTempSubdirectory("apiroutes-damaged-").FullName;
        var path = Path.Combine(folder, "store.db");
        try
        {
            await SqliteExecutionStore.Open(path).DisposeAsync();
            await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
            {
                await connection.OpenAsync();
                await using var insert = connection.CreateCommand();
                insert.CommandText = """
                    INSERT INTO schedules (route, last_occurrence) VALUES ('/api/minutely', 'not-a-time');
                    INSERT INTO schedule_runs (route, occurrence, execution_id, claimed_at) VALUES ('/api/minutely', 'not-a-time', 'x', 'never');
                    INSERT INTO schedules_served (route, schedule, since) VALUES ('/api/minutely', x'00ff', 'then');
                    """;
                await insert.ExecuteNonQueryAsync();
            }

            await using var store = SqliteExecutionStore.Open(path);
            await using (var server = await TestServer.StartAsync(
                Create(ScheduledRoute("/api/minutely", typeof(Tick), "* * * * *")),
                now: Start,
                services: s => s.AddSingleton<IExecutionStore>(store)))
            {
                await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/minutely waiting for 2026-01-31T00:01:00");
                Assert.DoesNotContain(server.Logs, line => line.Contains("[3012]", StringComparison.Ordinal));
                server.FakeTime.Advance(TimeSpan.FromSeconds(30));
                await server.Probe.NextAsync();
                await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/minutely waiting for 2026-01-31T00:02:00");

                Assert.Equal(Start.AddSeconds(30), (await store.GetLastOccurrenceAsync("/api/minutely", DateTimeOffset.MaxValue, default)).Latest);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Occurrences_that_came_due_while_the_one_before_was_being_started_are_recorded_missed_and_the_latest_is_not_passed_over()
    {
        // Session 13's note: a start (claim, accept) that outlasted the schedule's period went on from the time it ended,
        // and the occurrences that came due meanwhile were neither run, nor skipped, nor recorded.
        var store = new HangingFirstClaim();
        var missedCount = new ConcurrentQueue<long>();
        using var listener = Listen("apiroutes.schedule.missed", "/api/minutely", missedCount);
        await using var server = await StartMinutelyAsync(store, timeLimitSeconds: 600);
        server.Services.GetRequiredService<TickOptions>().Block = true;

        server.FakeTime.Advance(TimeSpan.FromSeconds(30));
        await store.Entered.Task.WaitAsync(Probe.Patience);        // 00:01: its claim hangs
        server.FakeTime.Advance(TimeSpan.FromMinutes(3));     // 00:04:00, an occurrence itself: 00:02, 00:03 and 00:04 came due
        store.Release.SetResult();
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/minutely waiting for 2026-01-31T00:05:00");

        // 00:04 is the one run now: skipped, since 00:01's run still goes; the two before it were missed.
        var records = await ReadAsync(server, "/api/minutely", expected: 4);
        var running = server.Executions.Snapshot().Single().Id;
        Assert.Equal(
            [(Start.AddSeconds(210), OccurrenceOutcome.Skipped, running), (Start.AddSeconds(150), OccurrenceOutcome.Missed, null), (Start.AddSeconds(90), OccurrenceOutcome.Missed, null), (Start.AddSeconds(30), OccurrenceOutcome.Ran, running)],
            records.Select(r => (r.Occurrence, r.Outcome, r.ExecutionId)));
        Assert.StartsWith("Came due while the scheduler was late", records[1].Detail, StringComparison.Ordinal);
        Assert.Contains(server.Logs, line => line.StartsWith("ApiRoutes[3020] Warning: Schedule /api/minutely was late: 2 occurrence(s) from 2026-01-31T00:02:00.0000000+00:00 to 2026-01-31T00:03:00.0000000+00:00", StringComparison.Ordinal));
        Assert.Equal([2L], missedCount);
        server.Probe.Open("tick");
    }

    [Fact]
    public async Task However_the_clock_moves_each_occurrence_is_recorded_once_the_latest_due_runs_and_none_runs_twice()
    {
        // Steps of a second to several minutes, some landing on an occurrence to the tick, each taken once the run before
        // has ended: from the start to the end each minute is accounted for exactly once, run or missed, and each step
        // that reached an occurrence ran exactly one, the latest it reached.
        var random = new Random(20261202);
        await using var server = await StartMinutelyAsync(new InMemoryExecutionStore(TimeProvider.System));
        var runs = server.Services.GetRequiredService<ScheduledRuns>();
        var due = Start.AddSeconds(30);
        var latestReached = new List<DateTimeOffset>();
        for (var step = 0; step < 40; step++)
        {
            server.FakeTime.Advance(random.Next(4) switch
            {
                0 => TimeSpan.FromSeconds(random.Next(1, 60)),
                1 => TimeSpan.FromMinutes(1),
                2 => TimeSpan.FromMinutes(random.Next(2, 6)),
                _ => TimeSpan.FromSeconds(random.Next(61, 400)),
            });
            var now = server.FakeTime.GetUtcNow();
            var next = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMinute), TimeSpan.Zero).AddMinutes(1);
            if (now >= due)
            {
                latestReached.Add(next.AddMinutes(-1));
                due = next;
            }

            await server.WaitForLogAsync(string.Create(CultureInfo.InvariantCulture, $"ApiRoutes[3006] Debug: Schedule /api/minutely waiting for {next:yyyy'-'MM'-'dd'T'HH':'mm':'ss}"));
            for (var deadline = DateTime.UtcNow + Probe.Patience; runs.Holding().Any(); await Task.Delay(5))
            {
                Assert.True(DateTime.UtcNow < deadline, $"The run before step {step} still holds the schedule after {Probe.Patience}.");
            }
        }

        var expected = Enumerable.Range(1, (int)(due - Start.AddSeconds(30)).TotalMinutes).Select(minutes => Start.AddSeconds(-30).AddMinutes(minutes)).ToList();
        var records = await ReadAsync(server, "/api/minutely", expected: expected.Count);
        Assert.Equal(expected, records.Select(r => r.Occurrence).Order());
        Assert.Equal(latestReached, records.Where(r => r.Outcome == OccurrenceOutcome.Ran).Select(r => r.Occurrence).Order());
        Assert.All(records.Where(r => r.Outcome != OccurrenceOutcome.Ran), r => Assert.Equal(OccurrenceOutcome.Missed, r.Outcome));
        Assert.Equal(latestReached.Count, records.Where(r => r.Outcome == OccurrenceOutcome.Ran).Select(r => r.ExecutionId).Distinct().Count());
        Assert.Contains(records, r => r.Outcome == OccurrenceOutcome.Missed);
    }

    [Fact]
    public async Task Occurrences_another_replica_took_up_while_this_one_was_late_are_left_to_it_and_the_others_recorded_missed()
    {
        var store = new HangingFirstClaim();
        await using var server = await StartMinutelyAsync(store);
        server.FakeTime.Advance(TimeSpan.FromSeconds(30));
        await store.Entered.Task.WaitAsync(Probe.Patience);

        // Meanwhile another replica ran 00:02 (its claim and its record), and a signed external trigger claimed 00:30
        // ahead of time: that claim says nothing of 00:03, which nobody took up (review 14, F1).
        await store.ClaimOccurrenceAsync("/api/minutely", Start.AddSeconds(90), "on-another-replica", default);
        await store.RecordOccurrenceAsync(new OccurrenceRecord { Route = "/api/minutely", Occurrence = Start.AddSeconds(90), Outcome = OccurrenceOutcome.Ran, ExecutionId = "on-another-replica", RecordedAt = Start }, default);
        await store.ClaimOccurrenceAsync("/api/minutely", Start.AddMinutes(30).AddSeconds(-30), "external-trigger", default);
        server.FakeTime.Advance(TimeSpan.FromMinutes(3));
        store.Release.SetResult();
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/minutely waiting for 2026-01-31T00:05:00");

        var records = await ReadAsync(server, "/api/minutely", expected: 4);
        Assert.Equal(
            [(Start.AddSeconds(150), OccurrenceOutcome.Missed), (Start.AddSeconds(90), OccurrenceOutcome.Ran), (Start.AddSeconds(30), OccurrenceOutcome.Ran)],
            records.Where(r => r.Occurrence < Start.AddSeconds(210)).Select(r => (r.Occurrence, r.Outcome)));
        Assert.Contains(server.Logs, line => line.StartsWith("ApiRoutes[3020] Warning: Schedule /api/minutely was late: 1 occurrence(s) from 2026-01-31T00:03:00.0000000+00:00 to 2026-01-31T00:03:00.0000000+00:00", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Occurrences_passed_over_while_the_schedule_is_paused_are_recorded_paused_not_missed()
    {
        var store = new HangingFirstClaim();
        await using var server = await StartMinutelyAsync(store);
        server.FakeTime.Advance(TimeSpan.FromSeconds(30));
        await store.Entered.Task.WaitAsync(Probe.Patience);
        await store.SetPauseAsync(new SchedulePause("/api/minutely", null, Start), default);
        server.FakeTime.Advance(TimeSpan.FromMinutes(3));
        store.Release.SetResult();
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/minutely waiting for 2026-01-31T00:05:00");

        var records = await ReadAsync(server, "/api/minutely", expected: 4);
        Assert.Equal([Start.AddSeconds(210), Start.AddSeconds(150), Start.AddSeconds(90), Start.AddSeconds(30)], records.Select(r => r.Occurrence));
        Assert.All(records, r => Assert.Equal(OccurrenceOutcome.Paused, r.Outcome));
        Assert.DoesNotContain(server.Logs, line => line.Contains("[3020]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_clock_set_hours_ahead_and_then_put_right_is_followed_not_waited_out()
    {
        // Review 14, F3: once the clock was put right, the schedule waited, without a word, until it was back at the
        // time it had been set to.
        var clock = new SteppedClock(new FakeTimeProvider(Start));
        await using var server = await StartWaitingAsync(clock, "/api/minutely", "* * * * *", "2026-01-31T00:01:00");

        clock.Step = TimeSpan.FromHours(5);                  // set five hours ahead
        clock.Elapsed.Advance(TimeSpan.FromSeconds(30));      // 05:01:00 on the wrong clock
        await server.Probe.NextAsync();
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/minutely waiting for 2026-01-31T05:02:00");

        clock.Step = TimeSpan.Zero;                           // put right: 00:01:00
        clock.Elapsed.Advance(TimeSpan.FromMinutes(1));       // 00:02:00, the next wake

        await server.WaitForLogAsync("ApiRoutes[3021] Warning: Schedule /api/minutely: the clock was stepped back by hours, to 2026-01-31T00:02:00");
        var run = await server.Probe.NextAsync();
        Assert.Equal("2026-01-31T00:03:00.000Z", JsonDocument.Parse(run.Body).RootElement.GetProperty("next_run").GetString());
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/minutely waiting for 2026-01-31T00:03:00");
    }

    [Fact]
    public async Task A_clock_set_hours_ahead_for_a_minute_and_put_right_runs_the_hours_it_had_passed_over_as_cron_does()
    {
        // Review 35b F1: the step back was measured from the occurrence handled last, which after a jump is one passed
        // over (03:00), not from the clock last seen (03:31:30): put right to 00:02:30, the schedule waited for 04:00, and
        // 01:00, 02:00 and 03:00 of the right clock never ran. Cron takes the put-right as a jump back of more than 3
        // hours from the time it last saw, and runs them when they come.
        var start = new DateTimeOffset(2026, 1, 31, 0, 0, 30, TimeSpan.Zero);
        var clock = new SteppedClock(new FakeTimeProvider(start));
        await using var server = await StartWaitingAsync(clock, "/api/hourly", "0 * * * *", "2026-01-31T01:00:00");

        clock.Step = TimeSpan.FromMinutes(210);
        clock.Elapsed.Advance(TimeSpan.FromMinutes(1));       // 03:31:30 on the wrong clock: a jump, 01:00-03:00 passed over
        await server.WaitForLogAsync("ApiRoutes[3026] Warning: Schedule /api/hourly was late by more than 3 hours");
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/hourly waiting for 2026-01-31T04:00:00");

        clock.Step = TimeSpan.Zero;
        clock.Elapsed.Advance(TimeSpan.FromMinutes(1));       // put right: 00:02:30, the next wake

        await server.WaitForLogAsync("ApiRoutes[3021] Warning: Schedule /api/hourly: the clock was stepped back by hours, to 2026-01-31T00:02:30");
        const string waiting = "ApiRoutes[3006] Debug: Schedule /api/hourly waiting for 2026-01-31T01:00:00";
        await Poll.UntilAsync(() => Task.FromResult(server.Logs.Count(line => line.StartsWith(waiting, StringComparison.Ordinal)) == 2));
        clock.Elapsed.Advance(TimeSpan.FromMinutes(58));      // 01:00:30

        var run = await server.Probe.NextAsync();
        Assert.Equal("2026-01-31T02:00:00.000Z", JsonDocument.Parse(run.Body).RootElement.GetProperty("next_run").GetString());
        var record = await server.WaitForExecutionAsync(r => r.Status == ExecutionStatus.Succeeded);
        Assert.Equal(new DateTimeOffset(2026, 1, 31, 1, 0, 0, TimeSpan.Zero), record.Occurrence);
    }

    [Fact]
    public async Task A_catch_up_taken_while_the_clock_was_hours_ahead_runs_its_occurrence_again_when_it_comes()
    {
        // Review 35b F2: a daily 03:00 with catch-up, started at 01:00 with the clock 5 hours ahead (a hardware clock in
        // local time; NTP puts it right a minute later). The catch-up ran that day's 03:00 at 01:00; the step back was
        // followed, but at 03:00 the run was refused as claimed (3010) and recorded claimed_elsewhere. Cron runs it then.
        var store = new InMemoryExecutionStore(TimeProvider.System);
        await store.ClaimOccurrenceAsync("/api/daily", new DateTimeOffset(2026, 1, 30, 3, 0, 0, TimeSpan.Zero), "yesterday", default);
        var real = new DateTimeOffset(2026, 1, 31, 1, 0, 0, TimeSpan.Zero);
        var clock = new SteppedClock(new FakeTimeProvider(real)) { Step = TimeSpan.FromHours(5) };
        var manifest = Create(ScheduledRoute("/api/daily", typeof(Tick), "0 3 * * *"));
        await using var server = await TestServer.StartAsync(
            manifest with { Routes = [manifest.Routes[0] with { CatchUp = true }] },
            now: real,
            services: s => s.AddSingleton<TimeProvider>(clock).AddSingleton<IExecutionStore>(store));

        var early = await server.Probe.NextAsync();          // 03:00 at 01:00 by the right clock
        Assert.Contains("\"missed\":true", early.Body, StringComparison.Ordinal);
        await server.Services.GetRequiredService<ScheduledRuns>().WhenAllEndedAsync().WaitAsync(Probe.Patience);   // not cut by the advances
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/daily waiting for 2026-02-01T03:00:00");

        clock.Step = TimeSpan.Zero;
        clock.Elapsed.Advance(TimeSpan.FromMinutes(1));       // put right: 01:01, the next wake
        await server.WaitForLogAsync("ApiRoutes[3021] Warning: Schedule /api/daily: the clock was stepped back by hours, to 2026-01-31T01:01:00");
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/daily waiting for 2026-01-31T03:00:00");
        clock.Elapsed.Advance(TimeSpan.FromHours(2));         // 03:01

        var run = await server.Probe.NextAsync();
        Assert.DoesNotContain("\"missed\":true", run.Body, StringComparison.Ordinal);
        Assert.Equal("2026-02-01T03:00:00.000Z", JsonDocument.Parse(run.Body).RootElement.GetProperty("next_run").GetString());
        Assert.DoesNotContain(server.Logs, line => line.Contains("[3010]", StringComparison.Ordinal));
        var occurrence = new DateTimeOffset(2026, 1, 31, 3, 0, 0, TimeSpan.Zero);

        // The early run stays, as its record.
        await Poll.UntilAsync(() => Task.FromResult(server.Executions.Snapshot().Count(r => r.Occurrence == occurrence) == 2));
        var records = await store.GetOccurrencesAsync(new OccurrenceQuery("/api/daily", Since: occurrence, Limit: 10), default);
        Assert.Equal(OccurrenceOutcome.Ran, Assert.Single(records).Outcome);
        Assert.Contains(server.Logs, line => line.Contains("and the 1 occurrence(s) after it this process claimed while the clock was ahead are released", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Occurrences_run_while_the_clock_was_hours_ahead_run_again_when_they_come_and_their_claims_stay_for_the_rest()
    {
        // Review 35b F2 without catch-up: 04:30, run while the clock was 4 hours ahead, was refused at its real time as
        // claimed. A claim of an external trigger, or of another execution, is not this scheduler's and stays.
        var start = new DateTimeOffset(2026, 1, 31, 0, 0, 30, TimeSpan.Zero);
        var clock = new SteppedClock(new FakeTimeProvider(start));
        var store = new InMemoryExecutionStore(TimeProvider.System);
        var other = new DateTimeOffset(2026, 1, 31, 6, 30, 0, TimeSpan.Zero);
        await store.ClaimOccurrenceAsync("/api/twice", other, "trigger", default);
        await using var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/twice", typeof(Tick), "30 2,4,6 * * *")),
            now: start,
            services: s => s.AddSingleton<TimeProvider>(clock).AddSingleton<IExecutionStore>(store));
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/twice waiting for 2026-01-31T02:30:00");

        clock.Step = TimeSpan.FromHours(4);
        clock.Elapsed.Advance(TimeSpan.FromMinutes(1));       // 04:01:30 on the wrong clock: 02:30 passed over (a jump)
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/twice waiting for 2026-01-31T04:30:00");
        clock.Elapsed.Advance(TimeSpan.FromMinutes(29));      // 04:30:30 on the wrong clock, 00:30:30 by the right one
        await server.Probe.NextAsync();
        await server.Services.GetRequiredService<ScheduledRuns>().WhenAllEndedAsync().WaitAsync(Probe.Patience);   // not cut by the advances

        clock.Step = TimeSpan.Zero;
        clock.Elapsed.Advance(TimeSpan.FromMinutes(1));       // put right: 00:31:30
        await server.WaitForLogAsync("ApiRoutes[3021] Warning: Schedule /api/twice: the clock was stepped back by hours, to 2026-01-31T00:31:30");
        const string waiting = "ApiRoutes[3006] Debug: Schedule /api/twice waiting for 2026-01-31T02:30:00";
        await Poll.UntilAsync(() => Task.FromResult(server.Logs.Count(line => line.StartsWith(waiting, StringComparison.Ordinal)) == 2));
        clock.Elapsed.Advance(TimeSpan.FromHours(2));         // 02:31:30
        await server.Probe.NextAsync();
        await server.Services.GetRequiredService<ScheduledRuns>().WhenAllEndedAsync().WaitAsync(Probe.Patience);
        const string waitingAgain = "ApiRoutes[3006] Debug: Schedule /api/twice waiting for 2026-01-31T04:30:00";
        await Poll.UntilAsync(() => Task.FromResult(server.Logs.Count(line => line.StartsWith(waitingAgain, StringComparison.Ordinal)) == 2));
        clock.Elapsed.Advance(TimeSpan.FromHours(2));         // 04:31:30: 04:30 runs, at its time

        var run = await server.Probe.NextAsync();
        Assert.Equal("2026-01-31T06:30:00.000Z", JsonDocument.Parse(run.Body).RootElement.GetProperty("next_run").GetString());
        var occurrence = new DateTimeOffset(2026, 1, 31, 4, 30, 0, TimeSpan.Zero);
        await Poll.UntilAsync(() => Task.FromResult(server.Executions.Snapshot().Count(r => r.Occurrence == occurrence) == 2));
        await server.Services.GetRequiredService<ScheduledRuns>().WhenAllEndedAsync().WaitAsync(Probe.Patience);

        // The trigger's claim of 06:30 was not this scheduler's: 06:30 is refused as claimed.
        const string waitingLast = "ApiRoutes[3006] Debug: Schedule /api/twice waiting for 2026-01-31T06:30:00";
        await server.WaitForLogAsync(waitingLast);
        clock.Elapsed.Advance(TimeSpan.FromHours(2));         // 06:31:30
        await server.WaitForLogAsync("ApiRoutes[3010] Debug: Schedule /api/twice at 2026-01-31T06:30:00");
        Assert.Equal(3, server.Probe.Count(nameof(Tick)));
    }

    [Fact]
    public async Task A_clock_stepped_forward_while_a_schedule_waits_runs_it_at_its_minute_of_the_new_time()
    {
        // Review 24a F6: the wait was one timer of elapsed time to the occurrence, so a clock stepped forward 50 minutes
        // (NTP, a resumed VM) ran the 01:00 occurrence at 01:50 by the clock, and the liveness check failed meanwhile.
        // Cron reads the clock every minute.
        var start = new DateTimeOffset(2026, 1, 31, 0, 0, 30, TimeSpan.Zero);
        var clock = new SteppedClock(new FakeTimeProvider(start));
        await using var server = await StartWaitingAsync(clock, "/api/hourly", "0 * * * *", "2026-01-31T01:00:00");

        clock.Step = TimeSpan.FromMinutes(50);                // 00:50:30 on the clock
        clock.Elapsed.Advance(TimeSpan.FromMinutes(10));      // 01:00:30: ten minutes, not sixty, have passed

        var run = await server.Probe.NextAsync();
        Assert.Equal("2026-01-31T02:00:00.000Z", JsonDocument.Parse(run.Body).RootElement.GetProperty("next_run").GetString());
        var record = await server.WaitForExecutionAsync(r => r.Status == ExecutionStatus.Succeeded);
        Assert.Equal(new DateTimeOffset(2026, 1, 31, 1, 0, 0, TimeSpan.Zero), record.Occurrence);
    }

    [Theory]
    [InlineData(210, false)]   // 02:00 to 05:30 by the clock: a jump of 3.5 hours, though 03:00 is 2.5 hours late
    [InlineData(150, true)]    // 02:00 to 04:30: a late wake of under 3 hours, which takes up the latest (README)
    public async Task A_jump_is_measured_from_where_the_wait_last_saw_the_clock_as_cron_measures_it(int stepMinutes, bool runs)
    {
        // Review 32c F2: the 3 hours were measured from the occurrence waited for, not from the clock last seen; cron.c
        // compares the clock with the minute it last handled, and skips 03:00 after a jump from 02:00 to 05:30.
        var start = new DateTimeOffset(2026, 1, 31, 2, 0, 0, TimeSpan.Zero);
        var clock = new SteppedClock(new FakeTimeProvider(start));
        await using var server = await StartWaitingAsync(clock, "/api/daily", "0 3 * * *", "2026-01-31T03:00:00");

        clock.Step = TimeSpan.FromMinutes(stepMinutes);
        clock.Elapsed.Advance(TimeSpan.FromMinutes(1));      // the wait's next look at the clock

        if (runs)
        {
            await server.Probe.NextAsync();
            Assert.Equal(new DateTimeOffset(2026, 1, 31, 3, 0, 0, TimeSpan.Zero), (await server.WaitForExecutionAsync(r => r.Status == ExecutionStatus.Succeeded)).Occurrence);
        }
        else
        {
            await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/daily waiting for 2026-02-01T03:00:00");
            Assert.Contains(server.Logs, line => line.StartsWith("ApiRoutes[3026] Warning: Schedule /api/daily was late by more than 3 hours (a clock that jumped ahead, a machine that slept, a process stopped): 1 occurrence(s) from 2026-01-31T03:00:00", StringComparison.Ordinal));
            Assert.Equal(0, server.Probe.Count(nameof(Tick)));
        }
    }

    [Fact]
    public async Task After_a_jump_the_latest_occurrence_another_replica_ran_is_not_recorded_missed()
    {
        // Review 32c F7: the records of what other replicas took up were read up to the latest, not including it: 05:00,
        // which replica B ran, was recorded missed beside B's record that it ran.
        var store = new InMemoryExecutionStore(TimeProvider.System);
        var start = new DateTimeOffset(2026, 1, 31, 0, 59, 30, TimeSpan.Zero);
        await using var server = await TestServer.StartAsync(Create(ScheduledRoute("/api/hourly", typeof(Tick), "0 * * * *")), now: start, services: s => s.AddSingleton<IExecutionStore>(store));
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/hourly waiting for 2026-01-31T01:00:00");
        var five = start.AddSeconds(30).AddHours(4);
        await store.ClaimOccurrenceAsync("/api/hourly", five, "b-0500", default);
        await store.RecordOccurrenceAsync(new OccurrenceRecord { Route = "/api/hourly", Occurrence = five, Outcome = OccurrenceOutcome.Ran, ExecutionId = "b-0500", RecordedAt = five }, default);

        server.FakeTime.Advance(TimeSpan.FromMinutes(270));   // 05:29:30

        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/hourly waiting for 2026-01-31T06:00:00");
        var records = await store.GetOccurrencesAsync(new OccurrenceQuery("/api/hourly"), default);
        Assert.Equal([(five, OccurrenceOutcome.Ran)], records.Where(r => r.Occurrence == five).Select(r => (r.Occurrence, r.Outcome)));
        Assert.Equal(4, records.Count(r => r.Outcome == OccurrenceOutcome.Missed));
        Assert.Equal(0, server.Probe.Count(nameof(Tick)));
    }

    [Fact]
    public async Task A_fault_starting_one_occurrence_loses_that_one_logged_and_the_next_runs()
    {
        // The second review's case: the run's slot stayed taken, so every later occurrence was "skipped" for a run that
        // never was, and the drain waited for it.
        await using var server = await StartMinutelyAsync(new FaultyClaimOnce());
        server.FakeTime.Advance(TimeSpan.FromSeconds(30));
        await server.WaitForLogAsync("ApiRoutes[3017] Error: Schedule /api/minutely: the run of 2026-01-31T00:01:00");
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/minutely waiting for 2026-01-31T00:02:00");
        server.FakeTime.Advance(TimeSpan.FromMinutes(1));

        Assert.Contains("\"next_run\"", (await server.Probe.NextAsync()).Body, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Logs, line => line.Contains("[3002]", StringComparison.Ordinal));
        Assert.Equal(1, server.Probe.Count(nameof(Tick)));
    }

    [Fact]
    public async Task A_last_run_recorded_far_in_the_future_is_said_and_not_believed()
    {
        // The second review's case: a last run of 9999 switched off missed records and catch-up without a word.
        var store = new InMemoryExecutionStore(TimeProvider.System);
        await store.ClaimOccurrenceAsync("/api/minutely", new DateTimeOffset(9999, 1, 1, 0, 0, 0, TimeSpan.Zero), "from-a-wrong-clock", default);

        await using var server = await StartMinutelyAsync(store);

        await server.WaitForLogAsync("ApiRoutes[3018] Warning: Schedule /api/minutely: the store records a run of 9999-01-01T00:00:00");
        server.FakeTime.Advance(TimeSpan.FromSeconds(30));
        Assert.Contains("\"next_run\"", (await server.Probe.NextAsync()).Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("@daily", null, 0, "*/5 * * * *", null)]
    [InlineData("0 20 * * *", "Europe/Berlin", 19, "0 20 * * *", null)]   // the zone dropped: 20:00 UTC comes an hour after 20:00 in Berlin
    public async Task A_schedule_changed_by_a_deploy_is_a_new_one_and_missed_nothing_before_it_was_served(string before, string? zone, int lastRunHour, string after, string? zoneAfter)
    {
        // Review 30d F1: instances were up all day with the old schedule; the start of the new one counted the new one's
        // occurrences since the old one's last run as missed while no instance was up (240 of them, event 3012) and, with
        // catch-up, ran one (a daily job twice in a day).
        var store = new InMemoryExecutionStore(TimeProvider.System);
        await store.ClaimOccurrenceAsync("/api/job", new DateTimeOffset(2026, 1, 31, lastRunHour, 0, 0, TimeSpan.Zero), "last-old-run", default);
        var missed = new ConcurrentQueue<long>();
        using var listener = Listen("apiroutes.schedule.missed", "/api/job", missed);
        await using (var old = await StartJobAsync(store, before, zone, new DateTimeOffset(2026, 1, 31, 20, 0, 30, TimeSpan.Zero)))
        {
            await old.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/job waiting for ");
        }

        var deployed = new DateTimeOffset(2026, 1, 31, 20, 30, 30, TimeSpan.Zero);
        await using (var changed = await StartJobAsync(store, after, zoneAfter, deployed))
        {
            await changed.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/job waiting for ");
            Assert.Contains(changed.Logs, line => line.StartsWith($"ApiRoutes[3025] Information: Schedule /api/job was served as {Served(before, zone)} before this start, and is now {Served(after, zoneAfter)}", StringComparison.Ordinal));
            Assert.DoesNotContain(changed.Logs, line => line.StartsWith("ApiRoutes[3012]", StringComparison.Ordinal) || line.StartsWith("ApiRoutes[3008]", StringComparison.Ordinal));
            Assert.Empty(await store.GetOccurrencesAsync(new OccurrenceQuery("/api/job"), default));
            Assert.Equal(0, changed.Probe.Count(nameof(Tick)));
        }

        // Served as it is now from that start: an outage after it is counted from it, not from the old schedule's run.
        var restart = deployed.AddDays(1);
        await using var restarted = await StartJobAsync(store, after, zoneAfter, restart);
        var expected = MissedOccurrences.Between(Cron(after, zoneAfter), deployed, restart, keep: 1);
        await restarted.WaitForLogAsync($"ApiRoutes[3008] Information: Schedule /api/job missed {expected.Count} occurrence(s) since its last run at {deployed:O}; running one catch-up for {expected.Latest[^1]:O}");
        Assert.Contains("\"missed\":true", (await restarted.Probe.NextAsync()).Body, StringComparison.Ordinal);
        Assert.Equal(expected.Count - 1, missed.Sum());

        static string Served(string expression, string? zone) =>
            zone is null ? CronSchedule.Parse(expression).Normalized! : $"{CronSchedule.Parse(expression).Normalized} {zone}";

        static CrontabSchedule Cron(string expression, string? zone) => CronSchedule.Parse(expression, zone).Schedule!;
    }

    [Theory]
    [InlineData("0 0 * * *", null, "0 0 * * 0-6", null)]
    [InlineData("0 0 * * *", null, "0 0 1-31 * *", null)]
    [InlineData("0 0 * * *", null, "0 0 * * *", "Etc/UTC")]
    [InlineData("0 0 * * *", "Europe/London", "0 0 * * *", "GB")]
    public async Task A_schedule_written_differently_that_comes_at_the_same_instants_counts_the_outage_before_it(string before, string? zone, string after, string? zoneAfter)
    {
        // Review 31a F1: told apart by its text, an edit that changes no run time was a new schedule, and the three
        // midnights missed while nothing was up were neither recorded nor caught up.
        var store = new InMemoryExecutionStore(TimeProvider.System);
        var midnight = new DateTimeOffset(2026, 1, 30, 0, 0, 0, TimeSpan.Zero);
        await store.ClaimOccurrenceAsync("/api/job", midnight, "last-run", default);
        await using (var old = await StartJobAsync(store, before, zone, midnight.AddSeconds(30)))
        {
            await old.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/job waiting for ");
        }

        await using var restarted = await StartJobAsync(store, after, zoneAfter, midnight.AddDays(3).AddMinutes(30));

        await restarted.WaitForLogAsync("ApiRoutes[3008] Information: Schedule /api/job missed 3 occurrence(s) since its last run at 2026-01-30T00:00:30");
        Assert.Contains(restarted.Logs, line => line.StartsWith("ApiRoutes[3025]", StringComparison.Ordinal)
            && line.EndsWith("both come at the same instants since the last run, so what came while no instance was up is counted, and caught up, as before", StringComparison.Ordinal));
        Assert.Contains("\"missed\":true", (await restarted.Probe.NextAsync()).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_outage_before_a_deploy_that_changed_the_schedule_is_counted_by_the_schedule_served_then_and_not_caught_up()
    {
        // Review 31a F3: a daily job down for three days, then the fix deployed with the job moved from 03:00 to 04:00:
        // the three 03:00 runs lost were recorded nowhere, and nothing said so.
        var store = new InMemoryExecutionStore(TimeProvider.System);
        var three = new DateTimeOffset(2026, 1, 30, 3, 0, 0, TimeSpan.Zero);
        await store.ClaimOccurrenceAsync("/api/job", three, "last-run", default);
        await using (var old = await StartJobAsync(store, "0 3 * * *", null, three.AddSeconds(30)))
        {
            await old.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/job waiting for ");
        }

        await using var deployed = await StartJobAsync(store, "0 4 * * *", null, three.AddDays(3).AddHours(9));

        await deployed.WaitForLogAsync("ApiRoutes[3012] Warning: Schedule /api/job missed 3 occurrence(s) while no instance was up, from 2026-01-31T03:00:00");
        Assert.Equal(
            [three.AddDays(3), three.AddDays(2), three.AddDays(1)],
            (await ReadAsync(deployed, "/api/job", expected: 3)).Select(r => r.Occurrence));
        Assert.Contains("ApiRoutes[3025] Information: Schedule /api/job was served as 0 3 * * * before this start, and is now 0 4 * * *: what came while no instance was up is counted by the schedule served then, and not caught up; the new one's occurrences before this start did not exist", deployed.Logs);
        Assert.DoesNotContain(deployed.Logs, line => line.StartsWith("ApiRoutes[3008]", StringComparison.Ordinal));
        Assert.Equal(0, deployed.Probe.Count(nameof(Tick)));
    }

    [Fact]
    public async Task An_outage_before_a_changed_schedule_is_counted_by_the_next_start_when_the_first_could_not_read_the_store()
    {
        // Review 31c F4: the start said what it served before it counted; its read failing next (a failover), the next
        // start found the new schedule served since then, and the old one's three missed runs were lost for good.
        var inner = new InMemoryExecutionStore(TimeProvider.System);
        var three = new DateTimeOffset(2026, 1, 30, 3, 0, 0, TimeSpan.Zero);
        await inner.ClaimOccurrenceAsync("/api/job", three, "last-run", default);
        await inner.ServeScheduleAsync("/api/job", "0 3 * * *", three.AddSeconds(-30), default);
        var store = new FailingLastClaims(inner);

        await using (var failed = await StartJobAsync(store, "0 4 * * *", null, three.AddDays(3).AddHours(9)))
        {
            await failed.WaitForLogAsync("ApiRoutes[3016] Warning: Schedule /api/job: the execution store cannot be read");
            await failed.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/job waiting for ");
        }

        await using var next = await StartJobAsync(store, "0 4 * * *", null, three.AddDays(3).AddHours(9).AddMinutes(5));

        await next.WaitForLogAsync("ApiRoutes[3012] Warning: Schedule /api/job missed 3 occurrence(s) while no instance was up, from 2026-01-31T03:00:00");
        // What is served is said after the count is logged (ScheduleService.MissedAsync): read at once, 1 run in 5 found
        // the old schedule still (review 49C, on a loaded machine).
        var serves = new ServedSchedule("0 4 * * *", three.AddDays(3).AddHours(9).AddMinutes(5));
        await Poll.UntilAsync(async () => await inner.GetServedScheduleAsync("/api/job", default) == serves);
        Assert.Equal(serves, await inner.GetServedScheduleAsync("/api/job", default));
    }

    [Fact]
    public async Task A_served_schedule_the_store_cannot_record_after_the_count_is_said_as_such_not_as_an_unread_store()
    {
        // The count was done (3 missed, one caught up); only the record of what this start serves failed: event 3016 said
        // the store could not be read and the missed occurrences were not known, which was not so.
        var inner = new InMemoryExecutionStore(TimeProvider.System);
        var three = new DateTimeOffset(2026, 1, 30, 3, 0, 0, TimeSpan.Zero);
        await inner.ClaimOccurrenceAsync("/api/job", three, "last-run", default);
        await inner.ServeScheduleAsync("/api/job", "0 3 * * *", three.AddSeconds(-30), default);

        await using var server = await StartJobAsync(new FailingServedSchedule(inner), "0 3 * * *", null, three.AddDays(3).AddHours(9));

        await server.WaitForLogAsync("ApiRoutes[3027] Warning: Schedule /api/job: the execution store could not record that this start serves it as 0 3 * * *; what came while no instance was up was counted");
        Assert.Contains(server.Logs, line => line.StartsWith("ApiRoutes[3008] Information: Schedule /api/job missed 3 occurrence(s) since its last run", StringComparison.Ordinal));
        Assert.DoesNotContain(server.Logs, line => line.StartsWith("ApiRoutes[3016]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_store_of_an_earlier_release_whose_last_run_is_no_occurrence_of_the_schedule_served_now_counts_nothing_before_the_start()
    {
        // Review 31a F2: the deploy that upgrades to this release also changed the daily 09:00 job to every ten minutes
        // from :07: nothing was known of the schedule served before, and review 30d F1 came back. (Had the new schedule
        // come at 09:00 too, the store could not tell it from the old one: it keeps no schedule with a claim.)
        var store = new InMemoryExecutionStore(TimeProvider.System);
        await store.ClaimOccurrenceAsync("/api/job", new DateTimeOffset(2026, 1, 31, 9, 0, 0, TimeSpan.Zero), "by-an-earlier-release", default);

        await using var changed = await StartJobAsync(store, "7-59/10 * * * *", null, new DateTimeOffset(2026, 1, 31, 20, 30, 30, TimeSpan.Zero));

        await changed.WaitForLogAsync("ApiRoutes[3025] Information: Schedule /api/job was served as another schedule (its last run, 2026-01-31T09:00:00.0000000+00:00, is no occurrence of this one) before this start");
        await changed.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/job waiting for ");
        Assert.DoesNotContain(changed.Logs, line => line.StartsWith("ApiRoutes[3012]", StringComparison.Ordinal) || line.StartsWith("ApiRoutes[3008]", StringComparison.Ordinal));
        Assert.Equal(0, changed.Probe.Count(nameof(Tick)));
    }

    [Fact]
    public async Task A_start_that_began_serving_the_schedule_recorded_ahead_of_the_clock_is_said_and_hides_no_outage()
    {
        // Review 31a F4: the instant a start began to serve the schedule, written while its clock was six hours ahead (or
        // edited by hand), hid every later outage, without a word, for as long as the schedule stayed the same.
        var store = new InMemoryExecutionStore(TimeProvider.System);
        var ten = new DateTimeOffset(2026, 1, 31, 10, 0, 0, TimeSpan.Zero);
        await store.ClaimOccurrenceAsync("/api/hourly", ten, "ten", default);
        await store.ServeScheduleAsync("/api/hourly", "0 * * * *", ten.AddHours(6), default);

        await using var server = await StartHourlyAsync(store, catchUp: true, ten.AddMinutes(210));

        await server.WaitForLogAsync("ApiRoutes[3018] Warning: Schedule /api/hourly: the store records a run of 2026-01-31T16:00:00");
        await server.WaitForLogAsync("ApiRoutes[3008] Information: Schedule /api/hourly missed 3 occurrence(s) since its last run at 2026-01-31T10:00:00");
        Assert.Equal(new ServedSchedule("0 * * * *", ten.AddMinutes(210)), await store.ServeScheduleAsync("/api/hourly", "0 * * * *", ten.AddHours(9), default));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Occurrences_that_came_while_no_instance_was_up_and_the_schedule_was_paused_are_recorded_paused_not_missed(bool catchUp)
    {
        // Review 30d F2: paused until resumed at 10:30, restarted at 13:30: 11:00 to 13:00 were recorded missed (event
        // 3012, the metric), and with catch-up a run was announced that the pause then refused.
        var store = new InMemoryExecutionStore(TimeProvider.System);
        var ten = new DateTimeOffset(2026, 1, 31, 10, 0, 0, TimeSpan.Zero);
        await store.ClaimOccurrenceAsync("/api/hourly", ten, "ten", default);
        await store.SetPauseAsync(new SchedulePause("/api/hourly", null, ten.AddMinutes(30)), default);
        var missed = new ConcurrentQueue<long>();
        using var listener = Listen("apiroutes.schedule.missed", "/api/hourly", missed);

        await using var server = await StartHourlyAsync(store, catchUp, ten.AddMinutes(210));

        var records = await ReadAsync(server, "/api/hourly", expected: 3);
        Assert.Equal([ten.AddHours(3), ten.AddHours(2), ten.AddHours(1)], records.Select(r => r.Occurrence));
        Assert.All(records, r => Assert.Equal((OccurrenceOutcome.Paused, "Paused until resumed."), (r.Outcome, r.Detail)));
        Assert.DoesNotContain(server.Logs, line => line.StartsWith("ApiRoutes[3012]", StringComparison.Ordinal) || line.StartsWith("ApiRoutes[3008]", StringComparison.Ordinal));
        Assert.Empty(missed);
        Assert.Equal(0, server.Probe.Count(nameof(Tick)));
    }

    [Theory]
    [InlineData(210, 0)]   // restarted at 13:30: all three came while the pause held
    [InlineData(270, 1)]   // at 14:30: 14:00 came after it ended, and is the one caught up
    public async Task A_timed_pause_that_ended_while_no_instance_was_up_keeps_what_came_while_it_held_paused_and_out_of_the_catch_up(int restartMinutes, int runs)
    {
        // Review 30d F5: paused 10:30 until 13:10, down from 10:30, restarted at 13:30 with catch-up: 11:00 and 12:00
        // were recorded missed and 13:00 was run late, "missed": true — every one of them had come while the pause held.
        var store = new InMemoryExecutionStore(TimeProvider.System);
        var ten = new DateTimeOffset(2026, 1, 31, 10, 0, 0, TimeSpan.Zero);
        await store.ClaimOccurrenceAsync("/api/hourly", ten, "ten", default);
        await store.SetPauseAsync(new SchedulePause("/api/hourly", ten.AddMinutes(190), ten.AddMinutes(30)), default);

        await using var server = await StartHourlyAsync(store, catchUp: true, ten.AddMinutes(restartMinutes));

        var records = await ReadAsync(server, "/api/hourly", expected: 3 + runs);
        Assert.Equal(
            [(ten.AddHours(3), OccurrenceOutcome.Paused), (ten.AddHours(2), OccurrenceOutcome.Paused), (ten.AddHours(1), OccurrenceOutcome.Paused)],
            records.Where(r => r.Occurrence <= ten.AddHours(3)).Select(r => (r.Occurrence, r.Outcome)));
        Assert.All(records.Where(r => r.Outcome == OccurrenceOutcome.Paused), r => Assert.Equal("Paused until 2026-01-31T13:10:00.0000000+00:00.", r.Detail));
        if (runs == 1)
        {
            Assert.Contains("\"missed\":true", (await server.Probe.NextAsync()).Body, StringComparison.Ordinal);
            Assert.Equal((ten.AddHours(4), OccurrenceOutcome.Ran), (records[0].Occurrence, records[0].Outcome));
        }

        Assert.DoesNotContain(server.Logs, line => line.StartsWith("ApiRoutes[3012]", StringComparison.Ordinal));
        Assert.Equal(runs, server.Probe.Count(nameof(Tick)));
    }

    [Theory]
    [InlineData("resumed")]          // at 13:20: 11:00, 12:00 and 13:00 came while paused
    [InlineData("replaced")]         // at 12:30 by a pause until 15:00: all three came while a pause held
    [InlineData("resumed twice")]    // a second click, a retried request (review 31c F1: the second removed the record)
    [InlineData("ended, resumed")]   // until 13:10, then resumed at 13:20, after it had ended by itself (review 31c F1)
    [InlineData("resumed, paused again")]   // at 13:20, then paused again at 13:25 (review 31c F1: the new pause replaced the record)
    public async Task A_pause_resumed_or_replaced_while_no_instance_ran_the_scheduler_keeps_what_came_while_it_held_paused(string actions)
    {
        // Review 31a F5: resuming removed the pause, and replacing it moved when it began, so the start after an outage
        // (the dashboard served by a replica that does not schedule) counted 11:00 and 12:00 missed and caught 13:00 up.
        var store = new InMemoryExecutionStore(TimeProvider.System);
        var ten = new DateTimeOffset(2026, 1, 31, 10, 0, 0, TimeSpan.Zero);
        var dashboardClock = new FakeTimeProvider(ten.AddMinutes(30));
        var dashboard = new Dashboard.SchedulePauses(store, dashboardClock, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        await store.ClaimOccurrenceAsync("/api/hourly", ten, "ten", default);
        await dashboard.PauseAsync("/api/hourly", actions == "ended, resumed" ? ten.AddMinutes(190) : null);
        if (actions == "replaced")
        {
            dashboardClock.Advance(TimeSpan.FromHours(2));
            await dashboard.PauseAsync("/api/hourly", ten.AddHours(5));
        }
        else
        {
            dashboardClock.Advance(TimeSpan.FromMinutes(170));
            await dashboard.ResumeAsync("/api/hourly");
            if (actions == "resumed twice")
            {
                await dashboard.ResumeAsync("/api/hourly");
            }

            Assert.False(dashboard.IsPaused("/api/hourly"));
            if (actions == "resumed, paused again")
            {
                dashboardClock.Advance(TimeSpan.FromMinutes(5));
                await dashboard.PauseAsync("/api/hourly");
            }
        }

        await using var server = await StartHourlyAsync(store, catchUp: true, ten.AddMinutes(210));

        var records = await ReadAsync(server, "/api/hourly", expected: 3);
        Assert.All(records, r => Assert.Equal(OccurrenceOutcome.Paused, r.Outcome));
        Assert.DoesNotContain(server.Logs, line => line.StartsWith("ApiRoutes[3012]", StringComparison.Ordinal) || line.StartsWith("ApiRoutes[3008]", StringComparison.Ordinal));
        Assert.Equal(0, server.Probe.Count(nameof(Tick)));
    }

    [Fact]
    public async Task Pauses_stamped_by_a_clock_that_was_a_day_ahead_are_ended_by_one_resume_with_the_clock_right()
    {
        // Review 32c F3: a record superseded by a later pause counted as holding while its end was ahead of the clock; a
        // resume ended the latest only, so the schedule stayed paused past any resume, and the next day's runs refused.
        var store = new InMemoryExecutionStore(TimeProvider.System);
        var right = new DateTimeOffset(2026, 1, 31, 10, 0, 0, TimeSpan.Zero);
        var aheadClock = new FakeTimeProvider(right.AddDays(1));
        var ahead = new Dashboard.SchedulePauses(store, aheadClock, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        foreach (var resume in new[] { false, true, false, true })
        {
            await (resume ? ahead.ResumeAsync("/api/hourly") : ahead.PauseAsync("/api/hourly"));
            aheadClock.Advance(TimeSpan.FromMinutes(5));
        }

        var dashboard = new Dashboard.SchedulePauses(store, new FakeTimeProvider(right), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        await dashboard.RefreshAsync(default);
        Assert.True(dashboard.IsPaused("/api/hourly"));   // the latest, ended 10:15 the next day: holding, as its clock said

        await dashboard.ResumeAsync("/api/hourly");

        Assert.False(dashboard.IsPaused("/api/hourly"));
        Assert.Null(dashboard.Skipping("/api/hourly", right.AddDays(1).AddMinutes(2)));
        await dashboard.RefreshAsync(default);
        Assert.False(dashboard.IsPaused("/api/hourly"));
    }

    [Fact]
    public async Task A_replica_of_the_deploy_whose_start_reaches_the_store_second_counts_nothing_of_the_new_schedule_before_it()
    {
        // Review 31c F2: replica B of the deploy that changed the schedule said so first (its start 0.8 s after A's); A
        // found the same schedule, served since after its own start, did not believe that instant, and counted the new
        // schedule's occurrences since the old one's run as missed, and caught one up (review 30d F1 again).
        var store = new InMemoryExecutionStore(TimeProvider.System);
        var deploy = new DateTimeOffset(2026, 1, 31, 20, 30, 30, TimeSpan.Zero);
        await store.ServeScheduleAsync("/api/job", "0 9 * * *", deploy.AddDays(-1), default);
        await store.ClaimOccurrenceAsync("/api/job", new DateTimeOffset(2026, 1, 31, 9, 0, 0, TimeSpan.Zero), "nine", default);
        await store.ServeScheduleAsync("/api/job", "*/5 * * * *", deploy.AddMilliseconds(800), default);   // replica B

        await using var replicaA = await StartJobAsync(store, "*/5 * * * *", null, deploy);
        await replicaA.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/job waiting for ");

        Assert.DoesNotContain(replicaA.Logs, line => line.StartsWith("ApiRoutes[3012]", StringComparison.Ordinal) || line.StartsWith("ApiRoutes[3008]", StringComparison.Ordinal) || line.StartsWith("ApiRoutes[3018]", StringComparison.Ordinal));
        Assert.Equal(0, replicaA.Probe.Count(nameof(Tick)));
    }

    [Theory]
    [InlineData(false, "119 occurrence(s) from 2026-01-31T03:01:00")]   // paused 00:00:30 to 03:00:30: 180 of them paused
    [InlineData(true, "120 occurrence(s) from 2026-01-31T00:01:00")]    // paused from 02:00:30 on: the 120 before it missed
    public async Task A_late_scheduler_counts_as_missed_only_what_came_while_no_pause_held_over_the_whole_span(bool pausedLater, string expected)
    {
        // Review 31a F6: the pause was judged among the latest 100 passed over only: 299 were counted missed where 180
        // had come while paused, and when the latest 100 were all paused, the 120 missed before the pause vanished.
        var store = new InMemoryExecutionStore(TimeProvider.System);
        await using var server = await StartMinutelyAsync(store);
        await store.SetPauseAsync(pausedLater ? new SchedulePause("/api/minutely", null, Start.AddHours(2)) : new SchedulePause("/api/minutely", Start.AddHours(3), Start), default);
        var missed = new ConcurrentQueue<long>();
        using var listener = Listen("apiroutes.schedule.missed", "/api/minutely", missed);

        server.FakeTime.Advance(TimeSpan.FromHours(5));

        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/minutely waiting for 2026-01-31T05:01:00");
        Assert.Contains(server.Logs, line => line.StartsWith($"ApiRoutes[3026] Warning: Schedule /api/minutely was late by more than 3 hours (a clock that jumped ahead, a machine that slept, a process stopped): {expected}", StringComparison.Ordinal));
        Assert.Equal([pausedLater ? 120L : 119L], missed);
        var records = await ReadAsync(server, "/api/minutely", expected: 201);   // 100 missed, 100 paused, and 05:00's own
        Assert.Equal((100, pausedLater ? 101 : 100), (records.Count(r => r.Outcome == OccurrenceOutcome.Missed), records.Count(r => r.Outcome == OccurrenceOutcome.Paused)));
    }

    [Fact]
    public async Task A_timed_pause_that_ended_while_the_scheduler_was_late_keeps_what_came_while_it_held_paused()
    {
        // Review 30d F3: paused at 10:30 until 12:00, the machine suspended from 10:30 to 12:01: 11:00 was recorded
        // missed (event 3020), judged by the pause at 12:01, when it had ended.
        var store = new InMemoryExecutionStore(TimeProvider.System);
        var ten = new DateTimeOffset(2026, 1, 31, 10, 0, 0, TimeSpan.Zero);
        await using var server = await StartHourlyAsync(store, catchUp: false, ten.AddMinutes(30));
        await server.Services.GetRequiredService<Dashboard.SchedulePauses>().PauseAsync("/api/hourly", ten.AddHours(2));

        server.FakeTime.Advance(TimeSpan.FromMinutes(91));
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/hourly waiting for 2026-01-31T13:00:00");

        var records = await ReadAsync(server, "/api/hourly", expected: 2);
        Assert.Equal(
            [(ten.AddHours(2), OccurrenceOutcome.Ran), (ten.AddHours(1), OccurrenceOutcome.Paused)],
            records.Select(r => (r.Occurrence, r.Outcome)));
        Assert.DoesNotContain(server.Logs, line => line.StartsWith("ApiRoutes[3020]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_claim_written_while_a_clock_was_hours_ahead_is_said_and_does_not_hide_the_occurrences_missed_before_it()
    {
        // Review 30d F4: a claim of 22:00, made while a clock was 13 hours ahead, was taken as the last run: a crash at
        // 09:30 and a restart at 15:30 recorded nothing missed, said nothing, and caught nothing up.
        var store = new InMemoryExecutionStore(TimeProvider.System);
        var nine = new DateTimeOffset(2026, 1, 31, 9, 0, 0, TimeSpan.Zero);
        await store.ClaimOccurrenceAsync("/api/hourly", nine, "nine", default);
        await store.ClaimOccurrenceAsync("/api/hourly", nine.AddHours(13), "from-a-clock-ahead", default);

        await using var server = await StartHourlyAsync(store, catchUp: true, nine.AddMinutes(390));

        await server.WaitForLogAsync("ApiRoutes[3018] Warning: Schedule /api/hourly: the store records a run of 2026-01-31T22:00:00");
        await server.WaitForLogAsync("ApiRoutes[3012] Warning: Schedule /api/hourly missed 5 occurrence(s) while no instance was up, from 2026-01-31T10:00:00");
        await server.WaitForLogAsync("ApiRoutes[3008] Information: Schedule /api/hourly missed 6 occurrence(s) since its last run at 2026-01-31T09:00:00");
        Assert.Contains("\"missed\":true", (await server.Probe.NextAsync()).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_new_schedule_that_never_ran_missed_nothing()
    {
        await using var server = await TestServer.StartAsync(Create(ScheduledRoute("/api/minutely", typeof(Tick), "* * * * *")), now: Start);
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/minutely waiting for 2026-01-31T00:01:00");

        Assert.Empty(await server.Services.GetRequiredService<IExecutionStore>().GetOccurrencesAsync(new OccurrenceQuery("/api/minutely"), default));
        Assert.DoesNotContain(server.Logs, line => line.Contains("[3012]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_occurrence_that_comes_while_the_last_run_goes_is_recorded_skipped_with_that_run_and_each_run_as_ran()
    {
        await using var server = await TestServer.StartAsync(Create(ScheduledRoute("/api/minutely", typeof(Tick), "* * * * *", timeLimitSeconds: 600)), now: Start);
        server.Services.GetRequiredService<TickOptions>().Block = true;

        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/minutely waiting for 2026-01-31T00:01:00");
        server.FakeTime.Advance(TimeSpan.FromSeconds(30));
        await server.Probe.NextAsync();
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/minutely waiting for 2026-01-31T00:02:00");
        server.FakeTime.Advance(TimeSpan.FromMinutes(1));
        await server.WaitForLogAsync("ApiRoutes[3002] Warning: Schedule /api/minutely skipped the run at 2026-01-31T00:02:00");

        var records = await ReadAsync(server, "/api/minutely", expected: 2);
        var running = server.Executions.Snapshot().Single().Id;
        Assert.Equal(
            [(Start.AddSeconds(90), OccurrenceOutcome.Skipped, running), (Start.AddSeconds(30), OccurrenceOutcome.Ran, running)],
            records.Select(r => (r.Occurrence, r.Outcome, r.ExecutionId!)));
        Assert.Equal(ExecutionStatus.Running, records[1].ExecutionStatus);
        server.Probe.Open("tick");
    }

    [Fact]
    public async Task An_occurrence_another_replica_claimed_is_recorded_claimed_elsewhere()
    {
        var store = new InMemoryExecutionStore(TimeProvider.System);
        await store.ClaimOccurrenceAsync("/api/minutely", Start.AddSeconds(30), "on-another-replica", default);
        await using var server = await StartMinutelyAsync(store);
        server.FakeTime.Advance(TimeSpan.FromSeconds(30));

        var record = Assert.Single(await ReadAsync(server, "/api/minutely", expected: 1));
        Assert.Equal((Start.AddSeconds(30), OccurrenceOutcome.ClaimedElsewhere), (record.Occurrence, record.Outcome));
        Assert.Equal(0, server.Probe.Count(nameof(Tick)));
    }

    [Fact]
    public async Task A_refused_external_trigger_is_recorded_with_why_once_however_often_it_is_replayed()
    {
        await using var server = await StartTriggeredAsync();
        server.FakeTime.Advance(TimeSpan.FromMinutes(10));
        var timestamp = server.FakeTime.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        HttpRequestMessage Signed() => TriggerSignature.CreateRequest(Secret, "/api/tick", "2026-01-01T00:00:00Z", timestamp);

        Assert.Equal(HttpStatusCode.Accepted, (await server.Client.SendAsync(Signed())).StatusCode);
        await server.WaitForExecutionAsync(r => r.Status == ExecutionStatus.Succeeded);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Conflict, (await server.Client.SendAsync(Signed())).StatusCode);
        }

        var records = await ReadAsync(server, "/api/tick", expected: 2);
        Assert.Equal([OccurrenceOutcome.Ran, OccurrenceOutcome.Refused], records.Select(r => r.Outcome));
        Assert.StartsWith("409: The occurrence 2026-01-01T00:00:00.0000000+00:00 of /api/tick has already been claimed", records[1].Detail, StringComparison.Ordinal);
    }

    // Review 26c F2, the rest: a refused trigger was recorded at whatever instant it named. One for 2099 was kept until
    // 2099 (retention prunes by occurrence), and one at 00:30 of an hourly schedule listed an occurrence there is not.
    [Fact]
    public async Task A_refused_external_trigger_is_recorded_only_at_an_occurrence_that_has_come_and_is_within_the_record_of_runs()
    {
        await using var server = await StartTriggeredAsync();
        server.FakeTime.Advance(TimeSpan.FromDays(10));
        var now = server.FakeTime.GetUtcNow();
        var timestamp = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var stale = now.AddHours(-1).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

        (string Occurrence, string Timestamp, HttpStatusCode Expected)[] refusals =
        [
            ("2099-01-01T00:00:00Z", timestamp, HttpStatusCode.BadRequest),     // years ahead
            ("2026-01-11T01:00:00Z", timestamp, HttpStatusCode.BadRequest),     // the next hour: not come yet
            ("2026-01-10T23:30:00Z", timestamp, HttpStatusCode.BadRequest),     // no occurrence of @hourly
            ("2026-01-01T00:00:00Z", timestamp, HttpStatusCode.BadRequest),     // older than the record of runs (7 days)
            ("2026-01-10T23:00:00Z", stale, HttpStatusCode.Unauthorized),       // the last hour's, signed an hour ago
        ];
        foreach (var (occurrence, signedAt, expected) in refusals)
        {
            Assert.Equal(expected, (await server.Client.SendAsync(TriggerSignature.CreateRequest(Secret, "/api/tick", occurrence, signedAt))).StatusCode);
        }

        var record = Assert.Single(await ReadAsync(server, "/api/tick", expected: 1));
        Assert.Equal((DateTimeOffset.Parse("2026-01-10T23:00:00Z", CultureInfo.InvariantCulture), OccurrenceOutcome.Refused), (record.Occurrence, record.Outcome));
        Assert.StartsWith("401: The timestamp is not within", record.Detail, StringComparison.Ordinal);
        Assert.Equal(0, server.Probe.Count(nameof(Tick)));
    }

    private const string Secret = "0123456789abcdef0123456789abcdef-test-secret";

    // An hourly schedule run only by the platform's signed triggers.
    private static Task<TestServer> StartTriggeredAsync() => TestServer.StartAsync(
        Create(ScheduledRoute("/api/tick", typeof(Tick), "@hourly")),
        options: o =>
        {
            o.Scheduling.Enabled = false;
            o.Scheduling.ExternalTriggerSecret = Secret;
        });

    // The records once there are as many as expected (they are written without the schedule waiting for them).
    private static async Task<IReadOnlyList<OccurrenceRecord>> ReadAsync(TestServer server, string route, int expected)
    {
        var store = server.Services.GetRequiredService<IExecutionStore>();
        var deadline = DateTime.UtcNow + Probe.Patience;
        IReadOnlyList<OccurrenceRecord> records;
        while ((records = await store.GetOccurrencesAsync(new OccurrenceQuery(route, Limit: 1000), default)).Count < expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.Equal(expected, records.Count);
        return records;
    }

    internal static MeterListener Listen(string instrumentName, string route, ConcurrentQueue<long> values)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "ApiRoutes" && instrument.Name == instrumentName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "apiroutes.route" && Equals(tag.Value, route))
                {
                    values.Enqueue(value);
                }
            }
        });
        listener.Start();
        return listener;
    }

    private static Task<TestServer> StartJobAsync(IExecutionStore store, string expression, string? zone, DateTimeOffset now) =>
        TestServer.StartAsync(
            Create(ScheduledRoute("/api/job", typeof(Tick), expression, timeZone: zone) with { CatchUp = true }),
            now: now,
            services: s => s.AddSingleton(store));

    // An hourly schedule on the store, with or without catch-up, once it waits for its next occurrence.
    private static async Task<TestServer> StartHourlyAsync(IExecutionStore store, bool catchUp, DateTimeOffset now)
    {
        var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/hourly", typeof(Tick), "@hourly") with { CatchUp = catchUp }),
            now: now,
            services: s => s.AddSingleton(store));
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/hourly waiting for ");
        return server;
    }

    // An every-minute schedule on the store, its first occurrence armed at 00:01.
    private static async Task<TestServer> StartMinutelyAsync(IExecutionStore store, int timeLimitSeconds = 30)
    {
        var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/minutely", typeof(Tick), "* * * * *", timeLimitSeconds: timeLimitSeconds)),
            now: Start,
            services: s => s.AddSingleton(store));
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/minutely waiting for 2026-01-31T00:01:00");
        return server;
    }

    // The first read of the schedule's claims fails, as on a store in a failover.
    private sealed class FailingLastClaims(IExecutionStore inner) : ForwardingStore(inner)
    {
        private int _reads;

        public override Task<LastClaims> GetLastOccurrenceAsync(string route, DateTimeOffset now, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _reads) == 1
                ? Task.FromException<LastClaims>(new ExecutionStoreUnavailableException("The test's store is in a failover."))
                : base.GetLastOccurrenceAsync(route, now, cancellationToken);
    }

    private sealed class FailingServedSchedule(IExecutionStore inner) : ForwardingStore(inner)
    {
        public override Task<ServedSchedule> ServeScheduleAsync(string route, string schedule, DateTimeOffset from, CancellationToken cancellationToken) =>
            Task.FromException<ServedSchedule>(new ExecutionStoreUnavailableException("The test's store is in a failover."));
    }

    // The first claim hangs until released, as on a store that stalls.
    private sealed class HangingFirstClaim : ForwardingStore
    {
        private int _claims;

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task<OccurrenceClaim> ClaimOccurrenceAsync(string route, DateTimeOffset occurrence, string executionId, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _claims) == 1)
            {
                Entered.SetResult();
                await Release.Task.WaitAsync(Probe.Patience, cancellationToken);
            }

            return await base.ClaimOccurrenceAsync(route, occurrence, executionId, cancellationToken);
        }
    }

    private sealed class FaultyClaimOnce : ForwardingStore
    {
        private int _claims;

        public override Task<OccurrenceClaim> ClaimOccurrenceAsync(string route, DateTimeOffset occurrence, string executionId, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _claims) == 1
                ? throw new InvalidOperationException("a fault of ApiRoutes itself")
                : base.ClaimOccurrenceAsync(route, occurrence, executionId, cancellationToken);
    }

    // A scheduled route served on a clock that can be set, once its schedule waits for its first occurrence.
    private static async Task<TestServer> StartWaitingAsync(SteppedClock clock, string route, string schedule, string firstOccurrence)
    {
        var server = await TestServer.StartAsync(
            Create(ScheduledRoute(route, typeof(Tick), schedule)),
            now: clock.GetUtcNow(),
            services: s => s.AddSingleton<TimeProvider>(clock));
        try
        {
            await server.WaitForLogAsync($"ApiRoutes[3006] Debug: Schedule {route} waiting for {firstOccurrence}");
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }
}
