using System.Net;
using ApiRoutes.Background;
using ApiRoutes.Execution;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>Review 42a of UnwrittenEnds (a987498): an end's write under way, a stop, writes refused for good.</summary>
public sealed class UnwrittenEndReviewTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private const int QueueLength = 100;

    // Review 42a F1: an end whose write was still under way when the drain ended (it fails a moment later: a PostgreSQL
    // server away takes its connect timeout to fail) was neither written once more at the stop nor told by 2051.
    [Fact]
    public async Task An_end_whose_write_fails_just_after_the_drain_is_tried_once_more_and_told_at_the_stop()
    {
        var store = new ScriptedStore { FailAfter = TimeSpan.FromMilliseconds(400) };
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
        var store = new ScriptedStore { HoldFirstEnd = true };
        var request = RequestSnapshot.Synthetic("/api/hello", "{}"u8.ToArray());
        for (var i = 0; i <= QueueLength; i++)
        {
            await store.SeedAsync(new ExecutionRecord
            {
                Id = $"r{i:000}", Route = "/api/hello", Kind = "background", Status = ExecutionStatus.Queued, Attempt = 2,
                AcceptedAt = Now.AddHours(1).AddSeconds(i), RetryAt = Now.AddMinutes(30),
            }, request);
        }

        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/hello", typeof(Hello)), BackgroundRoute("/api/once", typeof(Hello))),
            now: Now,
            options: o =>
            {
                o.Background.MaxQueueLength = QueueLength;
                o.Background.RetryDelays = [TimeSpan.FromHours(1)];
            },
            services: s => s.AddSingleton<IExecutionStore>(store));
        var queue = server.Services.GetRequiredService<BackgroundQueue>();
        var ends = server.Services.GetRequiredService<UnwrittenEnds>();
        await Poll.UntilAsync(() => store.Pages >= 2 && queue.RetryWaiting == QueueLength);

        var once = await AcceptOnceAsync(server);
        var original = server.Executions.Held(once)!;
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
        var store = new ScriptedStore { HeldElsewhereOnRewrite = true };
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
        var store = new ScriptedStore { RefuseForData = true };
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

    private static Task<TestServer> StartAsync(ScriptedStore store) => TestServer.StartAsync(
        Create(BackgroundRoute("/api/hello", typeof(Hello)), BackgroundRoute("/api/once", typeof(Hello))),
        now: Now,
        options: o => o.Background.RetryDelays = [],
        services: s => s.AddSingleton<IExecutionStore>(store));

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
    private sealed class ScriptedStore : PagedStore
    {
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
