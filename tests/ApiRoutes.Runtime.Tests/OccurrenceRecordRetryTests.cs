using System.Collections.Concurrent;
using ApiRoutes.Diagnostics;
using ApiRoutes.Execution;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Scheduling;
using ApiRoutes.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// Review 37b F2: on a full disk the record of what became of an occurrence was written once, and dropped for good when
/// that failed (event 3013), the "missed" record of a run a crash cut among them. A record the store cannot take for the
/// store's sake is kept and written again until it lands; one refused for its data, one too many, one left at the stop,
/// is dropped and said (3031).
/// </summary>
public sealed class OccurrenceRecordRetryTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 31, 0, 0, 30, TimeSpan.Zero);

    [Fact]
    public async Task The_record_of_a_run_the_full_store_could_not_take_is_written_once_the_store_can_be_written_again()
    {
        var store = new RecordsFailWhileFull { Full = true };
        await using var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/minutely", typeof(Tick), "* * * * *")),
            now: Start,
            services: s => s.AddSingleton<IExecutionStore>(store));
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/minutely waiting for 2026-01-31T00:01:00");

        server.FakeTime.Advance(TimeSpan.FromSeconds(30));
        await server.WaitForLogAsync("ApiRoutes[3013] Warning: The execution store could not record that the occurrence 2026-01-31T00:01:00.0000000+00:00 of /api/minutely was ran; the record is kept");
        var run = await server.WaitForExecutionAsync(r => r.Status == ExecutionStatus.Succeeded);
        Assert.Empty(await store.GetOccurrencesAsync(new OccurrenceQuery("/api/minutely"), default));

        store.Full = false;
        server.FakeTime.Advance(OccurrenceLog.RetryDelay);
        await server.WaitForLogAsync("ApiRoutes[3032] Information: 1 occurrence record(s) kept while the execution store could not be written are written now");
        var record = Assert.Single(await store.GetOccurrencesAsync(new OccurrenceQuery("/api/minutely"), default));
        Assert.Equal((Start.AddSeconds(30), OccurrenceOutcome.Ran, run.Id), (record.Occurrence, record.Outcome, record.ExecutionId));
        Assert.Equal(1, server.Probe.Count(nameof(Tick)));
    }

    [Fact]
    public async Task Kept_records_are_written_again_every_retry_delay_until_they_land_and_said_failed_once()
    {
        var (log, store, time, lines) = NewLog();
        store.Full = true;
        log.Record("/api/a", Start, OccurrenceOutcome.Missed, detail: "no instance was up");
        log.Record("/api/a", Start.AddMinutes(1), OccurrenceOutcome.Ran, "run-1");

        for (var round = 0; round < 3; round++)
        {
            time.Advance(OccurrenceLog.RetryDelay);
        }

        Assert.Equal(2 + (3 * 2), store.Attempts);
        Assert.Equal(2, lines.Count(line => line.Contains("[3013]", StringComparison.Ordinal)));

        store.Full = false;
        time.Advance(OccurrenceLog.RetryDelay - TimeSpan.FromTicks(1));
        Assert.Empty(await store.GetOccurrencesAsync(new OccurrenceQuery("/api/a"), default));
        time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(
            [(Start.AddMinutes(1), OccurrenceOutcome.Ran), (Start, OccurrenceOutcome.Missed)],
            (await store.GetOccurrencesAsync(new OccurrenceQuery("/api/a"), default)).Select(r => (r.Occurrence, r.Outcome)));
        Assert.Contains("ApiRoutes[3032] Information: 2 occurrence record(s) kept", lines.Last(), StringComparison.Ordinal);

        time.Advance(OccurrenceLog.RetryDelay * 10);
        Assert.Equal(2 + (4 * 2), store.Attempts);   // nothing is written again once written
        await log.DisposeAsync();
    }

    [Fact]
    public async Task A_record_refused_for_its_data_is_dropped_and_said_and_not_tried_again()
    {
        var (log, store, time, lines) = NewLog();
        store.RefuseData = true;
        log.Record("/api/a", Start, OccurrenceOutcome.Skipped, "run-0", "The previous run was still going.");
        time.Advance(OccurrenceLog.RetryDelay * 3);

        Assert.Equal(1, store.Attempts);
        Assert.Equal(
            "ApiRoutes[3031] Error: The record that the occurrence 2026-01-31T00:00:30.0000000+00:00 of /api/a was skipped is dropped, not written: the store refused it",
            Assert.Single(lines));
        await log.DisposeAsync();
    }

    [Fact]
    public async Task At_most_the_latest_thousand_records_wait_for_the_store_and_the_one_dropped_for_a_newer_is_said()
    {
        var (log, store, time, lines) = NewLog();
        store.Full = true;
        for (var i = 0; i <= OccurrenceLog.MaxKept; i++)
        {
            log.Record("/api/a", Start.AddMinutes(i), OccurrenceOutcome.Missed);
        }

        var dropped = Assert.Single(lines, line => line.Contains("[3031]", StringComparison.Ordinal));
        Assert.Equal(
            $"ApiRoutes[3031] Error: The record that the occurrence 2026-01-31T00:00:30.0000000+00:00 of /api/a was missed is dropped, not written: more than {OccurrenceLog.MaxKept} records were waiting for the store",
            dropped);

        store.Full = false;
        time.Advance(OccurrenceLog.RetryDelay);
        var written = await store.GetOccurrencesAsync(new OccurrenceQuery("/api/a", Limit: 5000), default);
        Assert.Equal(OccurrenceLog.MaxKept, written.Count);
        Assert.Equal(Start.AddMinutes(1), written.Min(r => r.Occurrence));
        await log.DisposeAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task At_the_stop_kept_records_are_written_once_more_and_those_that_fail_then_are_dropped_and_said(bool stillFull)
    {
        var (log, store, time, lines) = NewLog();
        store.Full = true;
        log.Record("/api/a", Start, OccurrenceOutcome.Ran, "run-1");
        log.Record("/api/b", Start, OccurrenceOutcome.ClaimedElsewhere);
        store.Full = stillFull;

        await log.DisposeAsync();
        time.Advance(OccurrenceLog.RetryDelay * 3);

        var written = await store.GetOccurrencesAsync(new OccurrenceQuery(), default);
        Assert.Equal(stillFull ? 0 : 2, written.Count);
        Assert.Equal(4, store.Attempts);
        Assert.Equal(
            stillFull
                ? ["/api/a", "/api/b"]
                : [],
            lines.Where(line => line.Contains("[3031]", StringComparison.Ordinal) && line.EndsWith("is dropped, not written: the app stopped before the store could be written again", StringComparison.Ordinal))
                .Select(line => line.Split(" of ")[1].Split(' ')[0]));
    }

    // Review 49C F1: with replicas, this replica's own claim whose run is written and whose record waits for the store
    // (kept, event 3013: an outage of the database of 15 minutes or more) is found unrecorded by its own take-over once
    // the database is back, at times before the next retry. Its record said "its first record of it was dropped (its event
    // 3031 says why)", with no such event, and the kept record, which landed moments later, was the second of the same
    // (route, occurrence, outcome): the store kept the take-over's words. The kept record is left to land.
    [Fact]
    public async Task A_take_over_of_this_replicas_own_claim_whose_record_is_kept_leaves_it_to_the_kept_record()
    {
        var (log, store, time, lines) = NewLogKeepingOwnRecord();
        log.Unrecorded(OwnClaim(Start, "run-1"));
        time.Advance(OccurrenceLog.RetryDelay);

        var record = Assert.Single(await store.GetOccurrencesAsync(new OccurrenceQuery("/api/a"), default));
        Assert.Equal((OccurrenceOutcome.Ran, "run-1", null), (record.Outcome, record.ExecutionId, record.Detail));
        Assert.DoesNotContain(lines, line => line.Contains("[3031]", StringComparison.Ordinal));

        // One found once its record was dropped is recorded by the take-over, with why.
        log.Unrecorded(OwnClaim(Start.AddMinutes(1), "run-2"));
        Assert.Equal(
            "Recorded later by replica this itself, which claimed it and wrote its run: its first record of it was dropped (its event 3031 says why).",
            (await store.GetOccurrencesAsync(new OccurrenceQuery("/api/a"), default)).Single(r => r.ExecutionId == "run-2").Detail);
        await log.DisposeAsync();
    }

    // And one found while a round of the retry is writing its kept record again: that record was out of the kept ones and
    // not yet in the store, and the take-over's words landed first (49C F1's window, left then).
    [Fact]
    public async Task A_take_over_of_this_replicas_own_claim_whose_record_is_being_written_again_leaves_it_to_that_write()
    {
        var (log, store, time, _) = NewLogKeepingOwnRecord();
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        store.HoldRecordsWithoutDetail = written.Task;

        time.Advance(OccurrenceLog.RetryDelay);
        await Poll.UntilAsync(() => store.Attempts == 2);   // the round's write is on its way
        log.Unrecorded(OwnClaim(Start, "run-1"));
        written.SetResult();
        await Poll.UntilAsync(async () => (await store.GetOccurrencesAsync(new OccurrenceQuery("/api/a"), default)).Count == 1);
        await log.DisposeAsync();

        var record = Assert.Single(await store.GetOccurrencesAsync(new OccurrenceQuery("/api/a"), default));
        Assert.Equal((OccurrenceOutcome.Ran, "run-1", null), (record.Outcome, record.ExecutionId, record.Detail));
        Assert.Equal(2, store.Attempts);
    }

    // A log whose record of /api/a's occurrence at Start, run-1, the store could not take: it is kept for the retry.
    private static (OccurrenceLog Log, RecordsFailWhileFull Store, FakeTimeProvider Time, ConcurrentQueue<string> Lines) NewLogKeepingOwnRecord()
    {
        var (log, store, time, lines) = NewLog();
        store.Full = true;
        log.Record("/api/a", Start, OccurrenceOutcome.Ran, "run-1");
        store.Full = false;
        return (log, store, time, lines);
    }

    // A claim of /api/a this replica made, found run and unrecorded by its own take-over.
    private static ClaimRunUnrecorded OwnClaim(DateTimeOffset occurrence, string run) =>
        new("/api/a", occurrence, run, "this") { Claimant = ClaimantState.Own };

    private static (OccurrenceLog Log, RecordsFailWhileFull Store, FakeTimeProvider Time, ConcurrentQueue<string> Lines) NewLog()
    {
        var time = new FakeTimeProvider(Start);
        var lines = new ConcurrentQueue<string>();
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new ApiRoutesMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), new ExecutionLog());
        var store = new RecordsFailWhileFull();
        return (new OccurrenceLog(store, time, metrics, LoggerFactory.Create(b => b.AddProvider(new ListLoggerProvider(lines)))), store, time, lines);
    }

    // A store whose occurrence records fail while it is full, as the SQLite store's on a full disk (the store's sake),
    // or for their data.
    private sealed class RecordsFailWhileFull : ForwardingStore
    {
        private int _attempts;

        public volatile bool Full;

        public bool RefuseData { get; set; }

        public int Attempts => Volatile.Read(ref _attempts);

        // Records without words of their own (the process's own, not a take-over's) wait for it before they are written.
        public Task? HoldRecordsWithoutDetail { get; set; }

        public override Task RecordOccurrenceAsync(OccurrenceRecord record, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _attempts);
            if (HoldRecordsWithoutDetail is { } hold && record.Detail is null)
            {
                return WriteAfter(hold);
            }

            return RefuseData
                ? Task.FromException(new ExecutionStoreUnavailableException("The test's store refuses its data.") { RefusedForData = true })
                : Full
                    ? Task.FromException(new ExecutionStoreUnavailableException("The test's store cannot be written: database or disk is full."))
                    : base.RecordOccurrenceAsync(record, cancellationToken);

            async Task WriteAfter(Task hold)
            {
                await hold;
                await base.RecordOccurrenceAsync(record, cancellationToken);
            }
        }
    }
}
