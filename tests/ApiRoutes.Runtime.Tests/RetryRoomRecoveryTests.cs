using System.Net;
using ApiRoutes.Background;
using ApiRoutes.Execution;
using ApiRoutes.Hosting;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// Start-up recovery with more stored retries waiting out their delay than their room beside the queue
/// (<c>MaxQueueLength</c>, here 2): those past it are taken up when a place frees, or when the first of them comes due,
/// not looked for every second; new requests are not refused meanwhile; and rows that can run now are read ahead of
/// them, whatever their due times hold (reviews 41c R3 and 42b).
/// </summary>
public sealed class RetryRoomRecoveryTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly RequestSnapshot Request = RequestSnapshot.Synthetic("/api/slow", "{}"u8.ToArray());

    // Note 40's leftover: recovery read a page of them, with their requests, every second until one held here came due
    // (for hours, with delays of hours).
    [Fact]
    public async Task Stored_retries_past_their_room_are_looked_for_again_when_a_place_frees_not_every_second()
    {
        var store = new PagedStore();
        for (var i = 0; i < 6; i++)
        {
            await store.SeedAsync(Retry($"r{i}", i, Now.AddMinutes(30 + i)), Request);
        }

        await using var server = await StartAsync(store);
        server.Probe.Open("slow");

        // Two pages: r0 and r1 fill the retries' room; the second finds r2 to r5 past it, and recovery waits.
        await server.WaitForLogAsync("ApiRoutes[2009] Information: Recovered 2 unfinished execution(s)");
        await Poll.UntilAsync(() => store.Pages >= 2);
        for (var second = 0; second < 59; second++)
        {
            server.FakeTime.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(5);
        }

        var pagesWhileWaiting = store.Pages;

        // r0 comes due and runs: its place beside the queue is r2's, taken up at once.
        server.FakeTime.Advance(TimeSpan.FromMinutes(30) - TimeSpan.FromSeconds(59));
        await server.WaitForExecutionAsync(r => r is { Id: "r0", Status: ExecutionStatus.Succeeded });
        await server.WaitForExecutionAsync(r => r is { Id: "r2", Status: ExecutionStatus.Queued, RetryAt: not null });
        for (var minute = 0; minute < 10 && server.Executions.Snapshot().Count(r => r.Status == ExecutionStatus.Succeeded) < 6; minute++)
        {
            server.FakeTime.Advance(TimeSpan.FromMinutes(1));
            await server.WaitForExecutionAsync(r => r.Id == $"r{Math.Min(5, minute + 1)}" && r.Status == ExecutionStatus.Succeeded);
        }

        Assert.Equal(2, pagesWhileWaiting);   // before: 2 + one a second
        Assert.Equal(6, server.Probe.Count(nameof(Slow)));
    }

    // Review 41c R1: a stored retry left past the room (newer than the two held here) comes due in 5 s, long before
    // either held here (30 min): it ran up to a minute late, when recovery looked again.
    [Fact]
    public async Task A_stored_retry_past_the_room_that_comes_due_first_runs_when_due_not_a_minute_later()
    {
        var store = new PagedStore();
        await store.SeedAsync(Retry("r0", 0, Now.AddMinutes(30)), Request);
        await store.SeedAsync(Retry("r1", 1, Now.AddMinutes(30)), Request);
        await store.SeedAsync(Retry("r2", 2, Now.AddSeconds(5)), Request);

        await using var server = await StartAsync(store);
        server.Probe.Open("slow");
        await Poll.UntilAsync(() => store.Pages >= 2);

        var steps = await SecondsUntilSucceededAsync(server, "r2");
        Assert.True(server.Executions.Find("r2") is { Status: ExecutionStatus.Succeeded },
            $"r2, due 5 s after the start, had not run after {steps} s: {server.Executions.Find("r2")?.Status.ToString() ?? "not taken up"}; pages read {store.Pages}");
    }

    // Review 41c R3: with more stored retries past their room than a page holds beside the two held here, a row that could
    // run now, accepted after them, was not read until the retries held here came due (30 min), the worker idle.
    [Fact]
    public async Task A_row_that_can_run_now_is_read_ahead_of_stored_retries_past_their_room()
    {
        var store = new PagedStore();
        for (var i = 0; i < 6; i++)
        {
            await store.SeedAsync(Retry($"r{i}", i, Now.AddMinutes(30)), Request);
        }

        await store.SeedAsync(new ExecutionRecord { Id = "q", Route = "/api/slow", Kind = "background", Status = ExecutionStatus.Queued, AcceptedAt = Now.AddMinutes(-1) }, Request);

        await using var server = await StartAsync(store);
        server.Probe.Open("slow");
        var steps = await SecondsUntilSucceededAsync(server, "q");

        Assert.True(server.Executions.Find("q") is { Status: ExecutionStatus.Succeeded },
            $"q, runnable at the start, had not run after {steps} s: {server.Executions.Find("q")?.Status.ToString() ?? "not taken up"}; pages read {store.Pages}");
        Assert.Equal(1, server.Probe.Count(nameof(Slow)));   // the retries wait out their delay
    }

    // Review 41c R2: new requests filled the queue while recovery read a page of retries past their room; the page set
    // RecoveryAhead (read whole, no room), and while recovery waited for the retries' room every new request was refused
    // ("work accepted before this start is taken up first"), the worker idle, for up to a minute.
    [Fact]
    public async Task New_requests_are_not_refused_while_recovery_only_waits_for_the_retries_room()
    {
        var store = new PagedStore { HoldPage = 2 };
        for (var i = 0; i < 4; i++)
        {
            await store.SeedAsync(Retry($"r{i}", i, Now.AddMinutes(30)), Request);
        }

        await using var server = await StartAsync(store);
        var queue = server.Services.GetRequiredService<BackgroundQueue>();
        await Poll.UntilAsync(() => store.Pages >= 2 && queue.RetryWaiting == 2);

        // While the second page is read: one request runs (held at its gate), two wait in the queue (its room, 2).
        using (var first = await server.Client.PostAsync("/api/slow?n=1", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        }

        await server.WaitForExecutionAsync(r => r.Status == ExecutionStatus.Running);
        for (var n = 2; n <= 3; n++)
        {
            using var queued = await server.Client.PostAsync($"/api/slow?n={n}", null);
            Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        }

        store.Release();
        await Poll.UntilAsync(() => queue.RecoveryAhead || store.Pages >= 3);

        // The three run and end; the worker is idle, the queue empty, nothing recovery holds could run.
        server.Probe.Open("slow");
        await Poll.UntilAsync(() => server.Executions.Snapshot().Count(r => r.Status == ExecutionStatus.Succeeded) == 3 && queue.Waiting == 0);

        HttpStatusCode status = default;
        var body = "";
        for (var second = 0; second < 5; second++)
        {
            server.FakeTime.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(300);
            using var response = await server.Client.PostAsync($"/api/slow?late={second}", null);
            (status, body) = (response.StatusCode, await response.Content.ReadAsStringAsync());
            if (status == HttpStatusCode.Accepted)
            {
                break;
            }
        }

        Assert.True(status == HttpStatusCode.Accepted, $"a new request was still refused 5 s after the queue emptied ({status}: {body}); RecoveryAhead={queue.RecoveryAhead}, waiting={queue.Waiting}, retryWaiting={queue.RetryWaiting}");
    }

    // Review 42b F2: a stored retry past the room that comes due first, but beyond the page (6 retries due in 30 min ahead of it):
    // recovery sleeps until a minute from now, as its due time is not in the page (README: "or when they come due themselves").
    [Fact]
    public async Task A_stored_retry_past_the_room_beyond_the_page_runs_when_due()
    {
        var store = new PagedStore();
        for (var i = 0; i < 6; i++)
        {
            await store.SeedAsync(Retry($"r{i}", i, Now.AddMinutes(30)), Request);
        }

        await store.SeedAsync(Retry("soon", 6, Now.AddSeconds(5)), Request);

        await using var server = await StartAsync(store);
        server.Probe.Open("slow");
        await Poll.UntilAsync(() => store.Pages >= 2);
        var steps = await SecondsUntilSucceededAsync(server, "soon");
        var late = await SecondsUntilSucceededAsync(server, "soon", maxSteps: 70);

        Assert.True(steps < 20, $"'soon', due 5 s after the start, ran after {steps + late} s; pages read {store.Pages}");
    }

    // Review 42b F3: a row left running (its process died) with a due time still on it (hand-edited; an older release's row with a
    // clock set back) runs at once when taken up (StoredRetryDue: only a queued row waits), but is ordered among the retries
    // still waiting: behind retries past their room it is not read, the worker idle (review 41c R3's symptom).
    [Fact]
    public async Task A_running_row_with_a_due_time_ahead_is_read_ahead_of_stored_retries_past_their_room()
    {
        var store = new PagedStore();
        for (var i = 0; i < 6; i++)
        {
            await store.SeedAsync(Retry($"r{i}", i, Now.AddMinutes(30)), Request);
        }

        await store.SeedAsync(new ExecutionRecord
        {
            Id = "q", Route = "/api/slow", Kind = "background", Status = ExecutionStatus.Running, Attempt = 1,
            AcceptedAt = Now.AddMinutes(-1), StartedAt = Now.AddMinutes(-1), RetryAt = Now.AddHours(2),
        }, Request);

        await using var server = await StartAsync(store);
        server.Probe.Open("slow");
        var steps = await SecondsUntilSucceededAsync(server, "q");

        Assert.True(server.Executions.Find("q") is { Status: ExecutionStatus.Succeeded },
            $"q, left running, had not run after {steps} s: {server.Executions.Find("q")?.Status.ToString() ?? "not taken up"}; pages read {store.Pages}");
    }

    // Review 42b F3: SQLite compares retry_at as text; the reads parse it leniently (DateTimeOffset.Parse). A due time written as
    // another instant format (hand-edited, a tool) that is due now sorts among the retries still waiting.
    [Theory]
    [InlineData("2025-12-31T23:59:00+00:00")]   // a control: another format, but the text order agrees (passes)
    [InlineData("2026-01-01T04:00:00+05:00")]   // 23:00Z the day before: due an hour ago; text "2026-01-01T04" > "2026-01-01T00"
    public async Task A_due_retry_whose_time_is_in_another_format_is_read_ahead_of_stored_retries_past_their_room(string retryAt)
    {
        var folder = Directory.CreateTempSubdirectory("apiroutes-42b-").FullName;
        try
        {
            var path = Path.Combine(folder, "executions.db");
            var sqlite = SqliteExecutionStore.Open(path, TimeProvider.System);
            var store = new SqlitePaged(sqlite);
            for (var i = 0; i < 6; i++)
            {
                await sqlite.AddAsync(Retry($"r{i}", i, Now.AddMinutes(30)), Request, default);
            }

            await sqlite.AddAsync(Retry("x", 6, Now.AddMinutes(30)), Request, default);
            await sqlite.GetUnfinishedAsync(1, default);   // written
            await using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
            {
                await connection.OpenAsync();
                await using var command = connection.CreateCommand();
                command.CommandText = "UPDATE executions SET retry_at = $at WHERE id = 'x'";
                command.Parameters.AddWithValue("$at", retryAt);
                Assert.Equal(1, await command.ExecuteNonQueryAsync());
            }

            await using (var server = await StartAsync(store))
            {
                server.Probe.Open("slow");
                var steps = await SecondsUntilSucceededAsync(server, "x");

                Assert.True(server.Executions.Find("x") is { Status: ExecutionStatus.Succeeded },
                    $"x, due at {retryAt}, had not run after {steps} s: {server.Executions.Find("x")?.Status.ToString() ?? "not taken up"}; pages read {store.Pages}");
            }

            await sqlite.DisposeAsync();
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    // The store's own promise holds with damaged due times: each unfinished row exactly once in a read.
    [Theory]
    [InlineData("x'00ff'")]
    [InlineData("x'323032362d30312d30315430303a30303a30302e303030303030305a'")]   // a blob of a well-formed time
    [InlineData("12345")]
    [InlineData("'soon'")]
    [InlineData("'2026-01-01T05:00:00+05:00'")]
    [InlineData("''")]
    public async Task Each_unfinished_row_comes_back_once_whatever_its_due_time_holds(string value)
    {
        var folder = Directory.CreateTempSubdirectory("apiroutes-42b-").FullName;
        try
        {
            var path = Path.Combine(folder, "executions.db");
            var sqlite = SqliteExecutionStore.Open(path, TimeProvider.System);
            for (var i = 0; i < 4; i++)
            {
                await sqlite.AddAsync(Retry($"r{i}", i, Now.AddMinutes(i % 2 == 0 ? -5 : 30)), Request, default);
            }

            await sqlite.AddAsync(Retry("x", 9, Now.AddMinutes(30)), Request, default);
            await sqlite.GetUnfinishedAsync(1, default);
            await using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
            {
                await connection.OpenAsync();
                await using var command = connection.CreateCommand();
                command.CommandText = $"UPDATE executions SET retry_at = {value} WHERE id = 'x'";
                Assert.Equal(1, await command.ExecuteNonQueryAsync());
            }

            for (var limit = 1; limit <= 6; limit++)
            {
                var ids = (await sqlite.GetUnfinishedAsync(limit, Now, default)).Select(row => row.Record.Id).ToList();
                Assert.Equal(ids.Distinct().Count(), ids.Count);
                Assert.Equal(Math.Min(limit, 5), ids.Count);
            }

            await sqlite.DisposeAsync();
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    // Note 42's leftover: the bound on recovery's pages (100,000) counted every page, those that took rows up too; with a
    // queue's room of one place, or stored retries past their room (one freed place a page), a store with more unfinished
    // rows than that stopped being read, and the rest waited for the next start. Here the bound is 3 and the room 2.
    [Fact]
    public async Task Pages_that_take_rows_up_do_not_count_against_recoverys_bound()
    {
        var store = new PagedStore();
        for (var i = 0; i < 10; i++)
        {
            await store.SeedAsync(new ExecutionRecord { Id = $"q{i}", Route = "/api/slow", Kind = "background", Status = ExecutionStatus.Queued, AcceptedAt = Now.AddMinutes(-10).AddSeconds(i) }, Request);
        }

        await using var server = await StartAsync(store, new StartupRecoveryService.Limits { MaxIdlePages = 3 });
        server.Probe.Open("slow");
        await server.Services.GetServices<IHostedService>().OfType<StartupRecoveryService>().Single().Recovered.WaitAsync(TimeSpan.FromSeconds(30));
        // Until all ten ran, or what recovery queued did (the history it loaded lists the rows it left as queued).
        var queue = server.Services.GetRequiredService<BackgroundQueue>();
        int Succeeded() => server.Executions.Snapshot().Count(r => r.Status == ExecutionStatus.Succeeded);
        await Poll.UntilAsync(() => Succeeded() == 10 || queue.Waiting == 0 && Succeeded() == server.Probe.Count(nameof(Slow)) && !server.Executions.Snapshot().Any(r => r.Status == ExecutionStatus.Running),
            () => string.Join(", ", server.Executions.Snapshot().Select(r => $"{r.Id} {r.Status}")) + $"; pages {store.Pages}");

        Assert.Equal(10, server.Probe.Count(nameof(Slow)));
        Assert.True(store.Pages > 3, $"pages read {store.Pages}");
    }

    private sealed class SqlitePaged(IExecutionStore inner) : ForwardingStore(inner)
    {
        private int _pages;

        public int Pages => Volatile.Read(ref _pages);

        public override Task<IReadOnlyList<StoredExecution>> GetUnfinishedAsync(int limit, DateTimeOffset? runnableAt, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _pages);
            return base.GetUnfinishedAsync(limit, runnableAt, cancellationToken);
        }
    }

    // The app's clock moved on a second at a time until the execution has succeeded, at most maxSteps times: how many it took.
    private static Task<int> SecondsUntilSucceededAsync(TestServer server, string id, int maxSteps = 20) =>
        Poll.SteppingAsync(server.FakeTime, TimeSpan.FromSeconds(1), maxSteps,
            () => server.Executions.Find(id) is { Status: ExecutionStatus.Succeeded }, settle: TimeSpan.FromMilliseconds(300));

    private static ExecutionRecord Retry(string id, int order, DateTimeOffset due) => new()
    {
        Id = id, Route = "/api/slow", Kind = "background", Status = ExecutionStatus.Queued, Attempt = 2,
        AcceptedAt = Now.AddMinutes(-10).AddSeconds(order), RetryAt = due,
    };

    private static Task<TestServer> StartAsync(IExecutionStore store, StartupRecoveryService.Limits? limits = null) => TestServer.StartAsync(
        Create(BackgroundRoute("/api/slow", typeof(Slow))),
        now: Now,
        options: o =>
        {
            o.Background.MaxQueueLength = 2;
            o.Background.MaxConcurrency = 1;
            o.Background.RetryDelays = [TimeSpan.FromHours(1), TimeSpan.FromHours(1)];
        },
        services: s =>
        {
            s.AddSingleton<IExecutionStore>(store);
            if (limits is not null)
            {
                s.AddSingleton(limits);
            }
        });
}
