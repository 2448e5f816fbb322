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
/// An execution accepted and run here whose end could not be written (a full disk): its row stays unfinished in the
/// store, and nothing of this process may take it up as another's (start-up recovery's later pages, take-over of its own
/// rows) once it has left the bounded finished history.
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
        var store = new OnceUnwrittenStore();
        var request = RequestSnapshot.Synthetic("/api/hello", "{}"u8.ToArray());
        for (var i = 0; i <= QueueLength; i++)
        {
            // Retries of an earlier process (its clock an hour ahead), one more than their room: recovery goes on paging.
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
        await Poll.UntilAsync(() => store.Pages >= 2 && queue.RetryWaiting == QueueLength);

        string once;
        using (var accepted = await server.Client.PostAsync("/api/once", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            once = accepted.Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        }

        await server.WaitForExecutionAsync(r => r.Id == once && r.Status == ExecutionStatus.Succeeded);
        Assert.Equal(ExecutionStatus.Queued, (await store.FindAsync(once, default))!.Status);   // its end never landed

        // 1,000 more finish here: the finished history (1,000) has no room left for it.
        for (var n = 0; n < 1000; n++)
        {
            using var response = await PostAsync(server, $"/api/hello?n={n}");
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        await Poll.UntilAsync(() => Ran(server, "/api/hello") == 1000 && queue.Waiting == 0 && server.Executions.RunningCount == 0);

        // Two more pages: the first would take it up; the second is read only once the first's were queued.
        var pages = store.Pages;
        for (var minute = 0; minute < 2; minute++)
        {
            server.FakeTime.Advance(TimeSpan.FromMinutes(1));
            await Poll.UntilAsync(() => store.Pages > pages + minute);
        }

        await Poll.UntilAsync(() => queue.Waiting == 0 && server.Executions.RunningCount == 0);
        Assert.Equal(1, Ran(server, "/api/once"));
        Assert.Equal(ExecutionStatus.Succeeded, server.Executions.Find(once)?.Status);
    }

    // The end is written again 1 s after it failed, then at doubling intervals up to a minute; once the store is back it
    // lands, and the execution leaves the log in its turn, as the newest finished one then.
    [Fact]
    public async Task An_end_not_written_is_written_again_at_doubling_intervals_until_it_lands_then_leaves_in_its_turn()
    {
        var store = new OnceUnwrittenStore();
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
        var store = new OnceUnwrittenStore();
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
        var store = new OnceUnwrittenStore();
        string once;
        await using (var server = await StartAsync(store))
        {
            once = await AcceptOnceAsync(server);
            await server.StopAsync();
            Assert.Contains(server.Logs, line => line.StartsWith("ApiRoutes[2051] Warning: Stopping: the ends of 1 execution(s) could not be written", StringComparison.Ordinal));
        }

        Assert.Equal(ExecutionStatus.Queued, (await store.FindAsync(once, default))!.Status);
    }

    private static Task<TestServer> StartAsync(OnceUnwrittenStore store) => TestServer.StartAsync(
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

    // While Full, every write about an execution of /api/once fails, as on a full disk: its row stays as it was accepted.
    private sealed class OnceUnwrittenStore : PagedStore
    {
        private int _writes;

        public volatile bool Full = true;

        /// <summary>How many writes about /api/once were asked for.</summary>
        public int Writes => Volatile.Read(ref _writes);

        public override Task UpdateAsync(ExecutionRecord record, CancellationToken cancellationToken)
        {
            if (record.Route != "/api/once")
            {
                return base.UpdateAsync(record, cancellationToken);
            }

            Interlocked.Increment(ref _writes);
            return Full ? Task.FromException(new ExecutionStoreUnavailableException("The test's disk is full.")) : base.UpdateAsync(record, cancellationToken);
        }
    }
}
