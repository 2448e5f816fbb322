using System.Text;
using ApiRoutes.Execution;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// A stored scheduled run is never repeated at start-up, whatever its row holds: a request there (which the runtime
/// never writes for one) is not given to the scheduled handler (review 4, finding 11).
/// </summary>
public sealed class RecoveredScheduledRowTests : IDisposable
{
    private readonly string _database = Path.Combine(Directory.CreateTempSubdirectory("apiroutes-scheduled-row-").FullName, "executions.db");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_database)!, recursive: true);

    [Fact]
    public async Task A_stored_scheduled_row_that_carries_a_request_is_recorded_as_failed_not_run_with_it()
    {
        await using (var store = SqliteExecutionStore.Open(_database))
        {
            var forged = RequestSnapshot.Synthetic("/api/tick", Encoding.UTF8.GetBytes("""{"next_run":"forged","wipe":true}"""));
            await store.AddAsync(
                new ExecutionRecord { Id = "forged", Route = "/api/tick", Kind = "scheduled", Status = ExecutionStatus.Queued, AcceptedAt = DateTimeOffset.UnixEpoch },
                forged,
                default);
        }

        await using var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/tick", typeof(Tick), "@yearly")),
            now: new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero),
            options: o =>
            {
                o.Store.Provider = StoreProvider.Sqlite;
                o.Store.Path = _database;
            });

        var failed = await server.WaitForExecutionAsync(r => r.Id == "forged" && r.Status == ExecutionStatus.Failed);

        Assert.Equal("Not finished: the process stopped while it ran (scheduled runs are not repeated).", failed.Error);
        Assert.Equal(0, server.Probe.Count(nameof(Tick)));
    }

    [Fact]
    public async Task An_occurrence_claimed_by_a_process_that_stopped_before_it_wrote_the_run_is_recorded_missed_with_why()
    {
        // Review 32b F4: killed between the claim and the run's row, the occurrence stayed claimed (a retried trigger was
        // refused as having run), never ran, and nothing said so: the occurrences list skipped it.
        var now = new DateTimeOffset(2026, 6, 1, 0, 0, 30, TimeSpan.Zero);
        await using (var store = SqliteExecutionStore.Open(_database, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(now.AddMinutes(-5))))
        {
            await store.ClaimOccurrenceAsync("/api/claimed-tick", now.AddMinutes(-6), "killed-before-its-row", default);
            await store.ClaimOccurrenceAsync("/api/claimed-tick", now.AddMinutes(-7), "ran", default);
            await store.AddAsync(new ExecutionRecord { Id = "ran", Route = "/api/claimed-tick", Kind = "scheduled", Status = ExecutionStatus.Succeeded, AcceptedAt = now.AddMinutes(-7), FinishedAt = now.AddMinutes(-7) }, null, default);
            await store.ClaimOccurrenceAsync("/api/claimed-tick", now.AddMinutes(-8), "recorded", default);
            await store.RecordOccurrenceAsync(new OccurrenceRecord { Route = "/api/claimed-tick", Occurrence = now.AddMinutes(-8), Outcome = OccurrenceOutcome.Missed, RecordedAt = now.AddMinutes(-8) }, default);
        }

        var missed = new System.Collections.Concurrent.ConcurrentQueue<long>();
        using var listener = OccurrenceRecordTests.Listen("apiroutes.schedule.missed", "/api/claimed-tick", missed);
        await using var server = await StartOnTheStoreAsync(now);

        await server.WaitForLogAsync("ApiRoutes[3028] Warning: Schedule /api/claimed-tick: the occurrence 2026-05-31T23:54:30.0000000+00:00 was claimed at 2026-05-31T23:55:30.0000000+00:00, and no run of it was written: the process stopped (killed, or crashed) in the moment between");
        var store2 = server.Services.GetRequiredService<IExecutionStore>();
        OccurrenceRecord? record = null;
        for (var deadline = DateTime.UtcNow + Probe.Patience; record is null && DateTime.UtcNow < deadline; await Task.Delay(20))
        {
            record = (await store2.GetOccurrencesAsync(new OccurrenceQuery("/api/claimed-tick"), default)).SingleOrDefault(r => r.Occurrence == now.AddMinutes(-6));
        }

        Assert.Equal(OccurrenceOutcome.Missed, record?.Outcome);
        Assert.StartsWith("Claimed at 2026-05-31T23:55:30.0000000+00:00, and no run of it was written: the process stopped (killed, or crashed) in the moment between", record!.Detail, StringComparison.Ordinal);
        Assert.Single(server.Logs, line => line.StartsWith("ApiRoutes[3028]", StringComparison.Ordinal));
        Assert.Contains(1L, missed);   // counted as missed too (it was only recorded: 32d)
        Assert.False((await store2.ClaimOccurrenceAsync("/api/claimed-tick", now.AddMinutes(-6), "again", default)).Claimed);   // still claimed: not run late
    }

    // Review 44b F2: killed between the run's row and the occurrence's record (written apart, a moment later), the
    // occurrence was claimed and run, and no record said anything of it: the occurrences list skipped it.
    [Fact]
    public async Task An_occurrence_whose_run_was_written_and_whose_record_was_not_is_recorded_ran_at_the_next_start()
    {
        var now = new DateTimeOffset(2026, 6, 1, 0, 0, 30, TimeSpan.Zero);
        await using (var store = SqliteExecutionStore.Open(_database, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(now.AddMinutes(-5))))
        {
            await store.ClaimOccurrenceAsync("/api/claimed-tick", now.AddMinutes(-7), "ran", default);
            await store.AddAsync(new ExecutionRecord { Id = "ran", Route = "/api/claimed-tick", Kind = "scheduled", Status = ExecutionStatus.Succeeded, AcceptedAt = now.AddMinutes(-7), FinishedAt = now.AddMinutes(-7) }, null, default);
            await store.ClaimOccurrenceAsync("/api/claimed-tick", now.AddMinutes(-8), "recorded", default);
            await store.AddAsync(new ExecutionRecord { Id = "recorded", Route = "/api/claimed-tick", Kind = "scheduled", Status = ExecutionStatus.Succeeded, AcceptedAt = now.AddMinutes(-8), FinishedAt = now.AddMinutes(-8) }, null, default);
            await store.RecordOccurrenceAsync(new OccurrenceRecord { Route = "/api/claimed-tick", Occurrence = now.AddMinutes(-8), Outcome = OccurrenceOutcome.Ran, ExecutionId = "recorded", RecordedAt = now.AddMinutes(-8) }, default);

            // Review 44c F5: a restart's scheduler met the claim, and recorded it claimed elsewhere; that says nothing of the run.
            await store.ClaimOccurrenceAsync("/api/claimed-tick", now.AddMinutes(-9), "seen", default);
            await store.AddAsync(new ExecutionRecord { Id = "seen", Route = "/api/claimed-tick", Kind = "scheduled", Status = ExecutionStatus.Succeeded, AcceptedAt = now.AddMinutes(-9), FinishedAt = now.AddMinutes(-9) }, null, default);
            await store.RecordOccurrenceAsync(new OccurrenceRecord { Route = "/api/claimed-tick", Occurrence = now.AddMinutes(-9), Outcome = OccurrenceOutcome.ClaimedElsewhere, RecordedAt = now.AddMinutes(-4) }, default);

            // Review 44c F4: a catch-up claimed long after its occurrence, older than the records kept (pruned by occurrence).
            await store.ClaimOccurrenceAsync("/api/claimed-tick", now.AddDays(-8), "caught-up", default);
            await store.AddAsync(new ExecutionRecord { Id = "caught-up", Route = "/api/claimed-tick", Kind = "scheduled", Status = ExecutionStatus.Succeeded, AcceptedAt = now.AddMinutes(-5), FinishedAt = now.AddMinutes(-5) }, null, default);
        }

        await using var server = await StartOnTheStoreAsync(now);

        var store2 = server.Services.GetRequiredService<IExecutionStore>();
        IReadOnlyList<OccurrenceRecord> records = [];
        for (var deadline = DateTime.UtcNow + Probe.Patience; !(records.Any(r => r.Occurrence == now.AddMinutes(-7)) && records.Any(r => r.ExecutionId == "seen")) && DateTime.UtcNow < deadline; await Task.Delay(20))
        {
            records = await store2.GetOccurrencesAsync(new OccurrenceQuery("/api/claimed-tick"), default);
        }

        var ran = Assert.Single(records, r => r.Occurrence == now.AddMinutes(-7));
        Assert.Equal((OccurrenceOutcome.Ran, "ran"), (ran.Outcome, ran.ExecutionId));
        Assert.Equal("Recorded at the next start: the process stopped (killed, or crashed) after its run was written and before this record was.", ran.Detail);
        Assert.Null(Assert.Single(records, r => r.Occurrence == now.AddMinutes(-8)).Detail);   // recorded in its time: as it was
        Assert.Equal([OccurrenceOutcome.Ran, OccurrenceOutcome.ClaimedElsewhere], records.Where(r => r.Occurrence == now.AddMinutes(-9)).Select(r => r.Outcome).Order());
        Assert.DoesNotContain(records, r => r.Occurrence == now.AddDays(-8));
        Assert.DoesNotContain(server.Logs, line => line.StartsWith("ApiRoutes[3028]", StringComparison.Ordinal));
        Assert.Equal(0, server.Probe.Count(nameof(Tick)));   // not run again
    }

    // Review 48A F1: killed between a skip's claim and its record (written apart, not awaited), the occurrence was claimed
    // as skipped, which refuses any claim of it, and no record said anything of it: start-up took it for neither a claim
    // never run nor a run unrecorded (a skip's claim names the run that still went), and the occurrences list passed it
    // over. Recorded skipped at the next start, with that run, whether its row landed or not; once, however many starts.
    [Fact]
    public async Task An_occurrence_claimed_as_skipped_whose_record_was_not_written_is_recorded_skipped_at_the_next_start_once()
    {
        var now = new DateTimeOffset(2026, 6, 1, 0, 0, 30, TimeSpan.Zero);
        await using (var store = SqliteExecutionStore.Open(_database, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(now.AddMinutes(-5))))
        {
            await store.ClaimOccurrenceAsync("/api/claimed-tick", now.AddMinutes(-9), "long", default);
            await store.AddAsync(new ExecutionRecord { Id = "long", Route = "/api/claimed-tick", Kind = "scheduled", Status = ExecutionStatus.Succeeded, AcceptedAt = now.AddMinutes(-9), FinishedAt = now.AddMinutes(-6) }, null, default);
            await store.RecordOccurrenceAsync(new OccurrenceRecord { Route = "/api/claimed-tick", Occurrence = now.AddMinutes(-9), Outcome = OccurrenceOutcome.Ran, ExecutionId = "long", RecordedAt = now.AddMinutes(-9) }, default);
            await store.SkipOccurrenceAsync("/api/claimed-tick", now.AddMinutes(-8), "long", default);   // its record landed
            await store.RecordOccurrenceAsync(new OccurrenceRecord { Route = "/api/claimed-tick", Occurrence = now.AddMinutes(-8), Outcome = OccurrenceOutcome.Skipped, ExecutionId = "long", Detail = "The previous run was still going.", RecordedAt = now.AddMinutes(-8) }, default);
            await store.SkipOccurrenceAsync("/api/claimed-tick", now.AddMinutes(-7), "long", default);   // killed before its record
            await store.SkipOccurrenceAsync("/api/claimed-tick", now.AddMinutes(-6), "unwritten", default);   // nor its run's row landed
        }

        for (var start = 0; start < 2; start++)
        {
            await using var server = await StartOnTheStoreAsync(now);

            var store2 = server.Services.GetRequiredService<IExecutionStore>();
            IReadOnlyList<OccurrenceRecord> records = [];
            for (var deadline = DateTime.UtcNow + Probe.Patience; records.Count(r => r.Outcome == OccurrenceOutcome.Skipped) < 3 && DateTime.UtcNow < deadline; await Task.Delay(20))
            {
                records = await store2.GetOccurrencesAsync(new OccurrenceQuery("/api/claimed-tick"), default);
            }

            const string Detail = "The previous run was still going. Recorded at the next start: the process stopped (killed, or crashed) after it claimed the occurrence as skipped and before this record was written.";
            Assert.Equal(
                [(now.AddMinutes(-6), OccurrenceOutcome.Skipped, "unwritten", Detail), (now.AddMinutes(-7), OccurrenceOutcome.Skipped, "long", Detail),
                    (now.AddMinutes(-8), OccurrenceOutcome.Skipped, "long", "The previous run was still going."), (now.AddMinutes(-9), OccurrenceOutcome.Ran, "long", null)],
                records.Where(r => r.Occurrence < now.AddMinutes(-5)).Select(r => (r.Occurrence, r.Outcome, r.ExecutionId, r.Detail)));
            Assert.DoesNotContain(server.Logs, line => line.StartsWith("ApiRoutes[3028]", StringComparison.Ordinal));   // not a claim never run
            Assert.Equal(new OccurrenceClaim(false, SkippedFor: "long"), await store2.ClaimOccurrenceAsync("/api/claimed-tick", now.AddMinutes(-7), "trigger", default));   // still final
            Assert.Equal(0, server.Probe.Count(nameof(Tick)));
        }
    }

    // The app with an every-minute schedule, on the store file the test wrote.
    private Task<TestServer> StartOnTheStoreAsync(DateTimeOffset now) =>
        TestServer.StartAsync(
            Create(ScheduledRoute("/api/claimed-tick", typeof(Tick), "* * * * *")),
            now: now,
            options: o =>
            {
                o.Store.Provider = StoreProvider.Sqlite;
                o.Store.Path = _database;
            });
}
