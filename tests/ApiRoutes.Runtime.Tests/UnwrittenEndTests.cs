using System.Net;
using ApiRoutes.Background;
using ApiRoutes.Execution;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// An execution accepted and run here whose end is being written, or could not be written (a full disk, a store away): its
/// row stays unfinished in the store, and nothing of this process may take it up as another's (start-up recovery's later
/// pages, take-over of its own rows) once it has left the bounded finished history; its end is written again, and what is
/// still not written at the stop is told (UnwrittenEnds; reviews 41d F2 and 42a).
/// </summary>
public sealed class UnwrittenEndTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private const int QueueLength = 100;

    // Review 41d F2: the log let it go after 1,000 more finished, and start-up recovery's next page (it went on reading
    // pages while stored retries waited past their room) found the row unfinished, held by nobody, and ran it again.
    [Fact]
    public async Task An_execution_of_this_process_whose_end_was_not_written_is_not_run_again_by_a_later_recovery_page()
    {
        var store = new UnwrittenStore { Full = true };
        await using var server = await StartPagingAsync(store);
        var once = await AcceptOnceAsync(server);
        Assert.Equal(ExecutionStatus.Queued, (await store.FindAsync(once, default))!.Status);   // its end never landed

        await FinishOthersThenReadTwoPagesAsync(server, store);

        Assert.Equal(1, Ran(server, "/api/once"));
        Assert.Equal(ExecutionStatus.Succeeded, server.Executions.Find(once)?.Status);
    }

    // The end is written again 1 s after it failed, then at doubling intervals up to a minute; once the store is back it
    // lands, and the execution leaves the log in its turn, as the newest finished one then.
    [Fact]
    public async Task An_end_not_written_is_written_again_at_doubling_intervals_until_it_lands_then_leaves_in_its_turn()
    {
        var store = new UnwrittenStore { Full = true };
        await using var server = await StartAsync(store);
        var ends = server.Services.GetRequiredService<UnwrittenEnds>();
        var once = await AcceptOnceAsync(server);
        await Poll.UntilAsync(() => ends.NextTry is not null);
        var writes = store.Writes;

        var intervals = new List<TimeSpan>();
        for (var round = 0; round < 8; round++)
        {
            var (from, due) = (server.FakeTime.GetUtcNow(), ends.NextTry!.Value);
            intervals.Add(due - from);
            server.FakeTime.Advance(due - from);
            await Poll.UntilAsync(() => store.Writes == writes + round + 1 && ends.NextTry is not null);
        }

        Assert.Equal([1, 2, 4, 8, 16, 32, 60, 60], intervals.Select(interval => interval.TotalSeconds));
        Assert.Equal(8, server.Logs.Count(line => line.StartsWith("ApiRoutes[2049] Warning: The ends of 1 execution(s) are still not written (The test's disk is full.)", StringComparison.Ordinal)));
        Assert.Equal(ExecutionStatus.Queued, (await store.FindAsync(once, default))!.Status);

        store.Full = false;
        server.FakeTime.Advance(ends.NextTry!.Value - server.FakeTime.GetUtcNow());
        await Poll.UntilAsync(async () => (await store.FindAsync(once, default))!.Status == ExecutionStatus.Succeeded && ends.Count == 0);
        await server.WaitForLogAsync("ApiRoutes[2050] Information: The ends of 1 execution(s) that could not be written before are written now");
        Assert.Null(ends.NextTry);

        // Written, it is the newest finished one: 999 more leave it in the history, the thousandth lets it go.
        for (var n = 0; n < 1000; n++)
        {
            using var response = await PostAsync(server, $"/api/hello?n={n}");
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            if (n == 998)
            {
                await Poll.UntilAsync(() => Ran(server, "/api/hello") == 999 && server.Executions.Active.Count == 0);
                Assert.Equal(ExecutionStatus.Succeeded, server.Executions.Find(once)?.Status);
            }
        }

        await Poll.UntilAsync(() => Ran(server, "/api/hello") == 1000 && server.Executions.Active.Count == 0);
        Assert.Null(server.Executions.Find(once));
    }

    // The stop, after the drain, writes them once more: the store is back by then.
    [Fact]
    public async Task The_stop_writes_the_ends_not_written_once_more()
    {
        var store = new UnwrittenStore { Full = true };
        string once;
        await using (var server = await StartAsync(store))
        {
            once = await AcceptOnceAsync(server);
            await Poll.UntilAsync(() => server.Services.GetRequiredService<UnwrittenEnds>().NextTry is not null);
            store.Full = false;
            await server.StopAsync();
            Assert.DoesNotContain(server.Logs, line => line.StartsWith("ApiRoutes[2051]", StringComparison.Ordinal));
            Assert.Contains(server.Logs, line => line.StartsWith("ApiRoutes[2050] Information: The ends of 1 execution(s)", StringComparison.Ordinal));
        }

        Assert.Equal(ExecutionStatus.Succeeded, (await store.FindAsync(once, default))!.Status);
    }

    // Still not written at the stop: the row stays queued (it runs again at the next start, as after a crash), and the log says so.
    [Fact]
    public async Task An_end_still_not_written_at_the_stop_is_told()
    {
        var store = new UnwrittenStore { Full = true };
        string once;
        await using (var server = await StartAsync(store))
        {
            once = await AcceptOnceAsync(server);
            await server.StopAsync();
            Assert.Contains(server.Logs, line => line.StartsWith("ApiRoutes[2051] Warning: Stopping: the ends of 1 execution(s) could not be written", StringComparison.Ordinal));
        }

        Assert.Equal(ExecutionStatus.Queued, (await store.FindAsync(once, default))!.Status);
    }

    // Review 42a F1: an end whose write was still under way when the drain ended (it fails a moment later: a PostgreSQL
    // server away takes its connect timeout to fail) was neither written once more at the stop nor told by 2051.
    [Fact]
    public async Task An_end_whose_write_fails_just_after_the_drain_is_tried_once_more_and_told_at_the_stop()
    {
        var store = new UnwrittenStore { FailAfter = TimeSpan.FromMilliseconds(400) };
        string once;
        await using (var server = await StartAsync(store))
        {
            once = await AcceptOnceAsync(server);
            var writes = store.Writes;
            await server.StopAsync();

            Assert.Equal(writes + 1, store.Writes);   // once more, after the one under way failed
            Assert.Equal(1, server.Services.GetRequiredService<UnwrittenEnds>().Count);
            Assert.Contains(server.Logs, line => line.StartsWith("ApiRoutes[2051] Warning: Stopping: the ends of 1 execution(s) could not be written", StringComparison.Ordinal));
        }

        Assert.NotEqual(ExecutionStatus.Succeeded, (await store.FindAsync(once, default))!.Status);
    }

    // Review 42a F2: an end was kept only once its write had failed; while the write was under way the bounded history
    // let it go after 1,000 more finished, and recovery's next page ran it a second time. Kept while under way, it runs
    // once; its write fails at last, and the rewrite lands.
    [Fact]
    public async Task An_end_whose_write_is_under_way_is_kept_and_not_run_again_by_a_later_recovery_page()
    {
        var store = new UnwrittenStore { HoldFirstEnd = true };
        await using var server = await StartPagingAsync(store);
        var ends = server.Services.GetRequiredService<UnwrittenEnds>();
        var once = await AcceptOnceAsync(server);
        var original = server.Executions.Held(once)!;

        await FinishOthersThenReadTwoPagesAsync(server, store);

        Assert.Equal(1, Ran(server, "/api/once"));
        Assert.Same(original, server.Executions.Held(once));

        store.FailHeldEnd();
        await Poll.UntilAsync(() => ends.NextTry is not null);
        server.FakeTime.Advance(ends.NextTry!.Value - server.FakeTime.GetUtcNow());
        await Poll.UntilAsync(async () => ends.Count == 0 && (await store.FindAsync(once, default))!.Status == ExecutionStatus.Succeeded);
        Assert.Equal(original.Record.FinishedAt, (await store.FindAsync(once, default))!.FinishedAt);
    }

    // Review 42a F3: a rewrite refused because another replica holds the execution now was let go (right), but counted and
    // logged as still not written, "written again at doubling intervals" (2049): it never is.
    [Fact]
    public async Task A_rewrite_refused_as_held_elsewhere_is_not_told_as_still_to_be_written()
    {
        var store = new UnwrittenStore { HeldElsewhereOnRewrite = true };
        await using var server = await StartAsync(store);
        var ends = server.Services.GetRequiredService<UnwrittenEnds>();
        await AcceptOnceAsync(server);
        await Poll.UntilAsync(() => ends.NextTry is not null);
        server.FakeTime.Advance(ends.NextTry!.Value - server.FakeTime.GetUtcNow());
        await Poll.UntilAsync(() => ends.Count == 0);
        await Task.Delay(200);
        Assert.DoesNotContain(server.Logs, line => line.StartsWith("ApiRoutes[2049]", StringComparison.Ordinal));
    }

    // Review 42a F4: an end refused for its data (even made plain) stays in memory for good, and at the stop it was not told
    // (2051), though its row stays unfinished and runs again at the next start.
    [Fact]
    public async Task An_end_refused_for_its_data_is_told_at_the_stop()
    {
        var store = new UnwrittenStore { RefuseForData = true };
        string once;
        await using (var server = await StartAsync(store))
        {
            once = await AcceptOnceAsync(server);
            await Poll.UntilAsync(() => server.Executions.Held(once)?.EndUnwritten == true);
            await server.StopAsync();
            Assert.NotEqual(ExecutionStatus.Succeeded, (await store.FindAsync(once, default))!.Status);
            Assert.Contains(server.Logs, line => line.StartsWith("ApiRoutes[2051]", StringComparison.Ordinal));
        }
    }

    private static Task<TestServer> StartAsync(UnwrittenStore store) => TestServer.StartAsync(
        Create(BackgroundRoute("/api/hello", typeof(Hello)), BackgroundRoute("/api/once", typeof(Hello))),
        now: Now,
        options: o => o.Background.RetryDelays = [],
        services: s => s.AddSingleton<IExecutionStore>(store));

    // Retries of an earlier process (its clock an hour ahead), one more than their room: recovery goes on reading pages.
    private static async Task<TestServer> StartPagingAsync(UnwrittenStore store)
    {
        var request = RequestSnapshot.Synthetic("/api/hello", "{}"u8.ToArray());
        for (var i = 0; i <= QueueLength; i++)
        {
            await store.SeedAsync(new ExecutionRecord
            {
                Id = $"r{i:000}", Route = "/api/hello", Kind = "background", Status = ExecutionStatus.Queued, Attempt = 2,
                AcceptedAt = Now.AddHours(1).AddSeconds(i), RetryAt = Now.AddMinutes(30),
            }, request);
        }

        var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/hello", typeof(Hello)), BackgroundRoute("/api/once", typeof(Hello))),
            now: Now,
            options: o =>
            {
                o.Background.MaxQueueLength = QueueLength;
                o.Background.RetryDelays = [TimeSpan.FromHours(1)];
            },
            services: s => s.AddSingleton<IExecutionStore>(store));
        var queue = server.Services.GetRequiredService<BackgroundQueue>();
        await Poll.UntilAsync(() => store.Pages >= 2 && queue.RetryWaiting == QueueLength);
        return server;
    }

    // 1,000 more finish here (the finished history, 1,000, has no room left for /api/once's); then two more pages: the
    // first would take it up, the second is read only once the first's were queued.
    private static async Task FinishOthersThenReadTwoPagesAsync(TestServer server, UnwrittenStore store)
    {
        var queue = server.Services.GetRequiredService<BackgroundQueue>();
        for (var n = 0; n < 1000; n++)
        {
            using var response = await PostAsync(server, $"/api/hello?n={n}");
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        await Poll.UntilAsync(() => Ran(server, "/api/hello") == 1000 && queue.Waiting == 0 && server.Executions.RunningCount == 0);
        var pages = store.Pages;
        for (var minute = 0; minute < 2; minute++)
        {
            server.FakeTime.Advance(TimeSpan.FromMinutes(1));
            await Poll.UntilAsync(() => store.Pages > pages + minute);
        }

        await Poll.UntilAsync(() => queue.Waiting == 0 && server.Executions.RunningCount == 0);
    }

    private static async Task<string> AcceptOnceAsync(TestServer server)
    {
        string once;
        using (var accepted = await server.Client.PostAsync("/api/once", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            once = accepted.Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        }

        await server.WaitForExecutionAsync(r => r.Id == once && r.Status == ExecutionStatus.Succeeded);
        return once;
    }

    private static int Ran(TestServer server, string path) => server.Probe.All.Count(invocation => invocation.Path == path);

    // The queue is bounded: a request that finds it full (the workers behind for a moment) is sent again.
    private static async Task<HttpResponseMessage> PostAsync(TestServer server, string path)
    {
        for (var attempt = 0; ; attempt++)
        {
            var response = await server.Client.PostAsync(path, null);
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || attempt == 100)
            {
                return response;
            }

            response.Dispose();
            await Task.Delay(10);
        }
    }

    // Writes about /api/once as scripted; every other write lands.
    private sealed class UnwrittenStore : PagedStore
    {
        /// <summary>While set, every write about /api/once fails, as on a full disk: its row stays as it was accepted.</summary>
        public volatile bool Full;

        private readonly TaskCompletionSource _heldEnd = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _ends;
        private int _writes;

        /// <summary>Each write about /api/once fails after this long (the store away: a connect timeout).</summary>
        public TimeSpan? FailAfter { get; init; }

        /// <summary>The first end of /api/once waits for <see cref="FailHeldEnd"/>, then fails; later ones land; starts fail.</summary>
        public bool HoldFirstEnd { get; init; }

        /// <summary>The first end fails (store away); its rewrite is refused as held by another replica.</summary>
        public bool HeldElsewhereOnRewrite { get; init; }

        /// <summary>Every write about /api/once is refused for its data.</summary>
        public bool RefuseForData { get; init; }

        /// <summary>How many writes about /api/once were asked for.</summary>
        public int Writes => Volatile.Read(ref _writes);

        public void FailHeldEnd() => _heldEnd.TrySetResult();

        public override Task UpdateAsync(ExecutionRecord record, CancellationToken cancellationToken)
        {
            if (record.Route != "/api/once")
            {
                return base.UpdateAsync(record, cancellationToken);
            }

            Interlocked.Increment(ref _writes);
            if (Full)
            {
                return Task.FromException(new ExecutionStoreUnavailableException("The test's disk is full."));
            }

            var isEnd = record.Status is ExecutionStatus.Succeeded or ExecutionStatus.Failed or ExecutionStatus.TimedOut;
            if (FailAfter is { } after)
            {
                return FailLater(after);
            }

            if (RefuseForData)
            {
                return Task.FromException(new ExecutionStoreUnavailableException("The test's store refuses this data.") { RefusedForData = true });
            }

            if (HeldElsewhereOnRewrite)
            {
                if (!isEnd)
                {
                    return base.UpdateAsync(record, cancellationToken);
                }

                return Interlocked.Increment(ref _ends) == 1
                    ? Task.FromException(new ExecutionStoreUnavailableException("The test's store is away."))
                    : Task.FromException(new ExecutionStoreUnavailableException($"Execution {record.Id} is held by another replica now.") { HeldElsewhere = true });
            }

            if (HoldFirstEnd)
            {
                if (!isEnd)
                {
                    return Task.FromException(new ExecutionStoreUnavailableException("The test's disk is full."));
                }

                return Interlocked.Increment(ref _ends) == 1 ? HeldThenFailAsync() : base.UpdateAsync(record, cancellationToken);
            }

            return base.UpdateAsync(record, cancellationToken);
        }

        private static async Task FailLater(TimeSpan after)
        {
            await Task.Delay(after);
            throw new ExecutionStoreUnavailableException("The test's store is away (connect timeout).");
        }

        private async Task HeldThenFailAsync()
        {
            await _heldEnd.Task;
            throw new ExecutionStoreUnavailableException("The test's disk is full.");
        }
    }
}
