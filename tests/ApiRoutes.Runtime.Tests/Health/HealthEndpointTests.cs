using System.Net;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using ApiRoutes.Testing;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Health;

/// <summary>
/// The liveness and readiness endpoints on Kestrel, as a hosting platform probes them: a store that is gone, a full
/// queue, a scheduler that is stuck (on a fake clock), a database cut off; status only, whatever failed.
/// </summary>
public sealed class HealthEndpointTests : IDisposable
{
    private const string Live = "/_apiroutes/health/live";
    private const string Ready = "/_apiroutes/health/ready";

    private readonly string _folder = Directory.CreateTempSubdirectory("apiroutes-health-").FullName;

    [Fact]
    public async Task Both_answer_healthy_to_anyone_with_the_status_only_and_uncached()
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/slow", typeof(Slow))),
            options: o => (o.Dashboard.Enabled, o.Dashboard.Token) = (true, new string('t', 32)));

        foreach (var path in new[] { Live, Ready })
        {
            using var response = await server.Client.GetAsync(path);
            Assert.Equal((HttpStatusCode.OK, "Healthy"), (response.StatusCode, await response.Content.ReadAsStringAsync()));
            Assert.True(response.Headers.CacheControl!.NoStore);
            Assert.Equal(["nosniff"], response.Headers.GetValues("X-Content-Type-Options"));   // review 43b F7
            Assert.Equal(HttpStatusCode.MethodNotAllowed, (await server.Client.PostAsync(path, null)).StatusCode);
        }
    }

    [Fact]
    public async Task An_app_that_requires_authentication_everywhere_still_answers_the_probes()
    {
        await using var server = await TestServer.StartAsync(
            Create(StandardRoute("/api/hello/{name}", typeof(Hello))),
            services: s => s.AddAuthentication().Services.AddAuthorization(o => o.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build()),
            middleware: app => app.UseAuthorization());

        Assert.Equal((HttpStatusCode.OK, "Healthy"), await GetAsync(server, Live));
        Assert.Equal((HttpStatusCode.OK, "Healthy"), await GetAsync(server, Ready));
        Assert.NotEqual(HttpStatusCode.OK, (await server.Client.GetAsync("/api/hello/you")).StatusCode);   // the policy holds elsewhere
    }

    [Fact]
    public async Task A_nearly_full_or_full_queue_is_degraded_and_still_ready_and_not_dead()
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/slow", typeof(Slow))),
            options: o => (o.Background.MaxConcurrency, o.Background.MaxQueueLength) = (1, 5));
        Assert.Equal(HttpStatusCode.Accepted, (await server.Client.PostAsync("/api/slow", null)).StatusCode);
        await server.Probe.NextAsync();   // the one worker is busy from now on

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await server.Client.PostAsync("/api/slow", null)).StatusCode);
        }

        var nearlyFull = await GetAsync(server, Ready);
        Assert.Equal(HttpStatusCode.Accepted, (await server.Client.PostAsync("/api/slow", null)).StatusCode);
        var full = await GetAsync(server, Ready);
        var alive = await GetAsync(server, Live);
        server.Probe.Open("slow");
        await server.WaitForExecutionAsync(r => r.Status == ExecutionStatus.Succeeded);
        var drained = await WaitForAsync(server, Ready, HttpStatusCode.OK);

        Assert.Equal((HttpStatusCode.OK, "Degraded"), nearlyFull);
        Assert.Equal((HttpStatusCode.OK, "Degraded"), full);   // review 27c F4: out of rotation, its standard routes too, by anyone who fills it
        Assert.Equal((HttpStatusCode.OK, "Healthy"), alive);
        Assert.Equal((HttpStatusCode.OK, "Healthy"), drained);
    }

    // Review 39a F4: handlers that ignore their RequestAborted keep their workers after their time limit; with every
    // worker held so, nothing accepted can run again while the process lives, and the app said Healthy.
    [Fact]
    public async Task Handlers_that_hold_every_worker_past_their_time_limit_fail_liveness_until_they_return()
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/stuck", typeof(IgnoresCancellation), timeLimitSeconds: 60)),
            options: o => o.Background.MaxConcurrency = 2);
        var ids = await StartStuckAsync(server, 2);

        server.FakeTime.Advance(TimeSpan.FromSeconds(60));   // both attempts time out; their handlers go on
        foreach (var id in ids)
        {
            await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.TimedOut);
        }

        var justAbandoned = await GetAsync(server, Live);
        server.FakeTime.Advance(TimeSpan.FromSeconds(59));
        var inTime = await GetAsync(server, Live);
        server.FakeTime.Advance(TimeSpan.FromSeconds(1));   // Health:OverdueAfter, a minute, since the time limit
        var stuck = await GetAsync(server, Live);
        var notReady = await GetAsync(server, Ready);
        server.Probe.Open("stuck");
        var returned = await WaitForHealthyAsync(server, Live);

        Assert.Equal((HttpStatusCode.OK, "Healthy"), justAbandoned);
        Assert.Equal((HttpStatusCode.OK, "Healthy"), inTime);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "Unhealthy"), stuck);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "Unhealthy"), notReady);
        Assert.Equal((HttpStatusCode.OK, "Healthy"), returned);
    }

    // Review 39g F3: a handler that returned but whose response's callbacks ignore their RequestAborted past its time
    // limit holds its worker as an abandoned handler does (its execution has succeeded meanwhile).
    [Fact]
    public async Task Response_callbacks_that_hold_every_worker_past_the_time_limit_fail_liveness_until_they_return()
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/job", typeof(EndsSlowly), timeLimitSeconds: 60)),
            options: o => o.Background.MaxConcurrency = 1,
            services: s => s.AddSingleton<EndRecord>().AddScoped<DisposedWithScope>());
        var id = (await server.Client.PostAsync("/api/job?deaf", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Succeeded);
        await server.Probe.WaitForSignalAsync("callback-started");

        var inTime = await GetAsync(server, Live);
        server.FakeTime.Advance(TimeSpan.FromSeconds(60));   // the time limit: the callback ignores its RequestAborted
        await server.WaitForLogAsync($"ApiRoutes[2028] Warning: Execution {id} of /api/job has ended");
        server.FakeTime.Advance(TimeSpan.FromMinutes(1));   // Health:OverdueAfter since the time limit
        var stuck = await GetAsync(server, Live);
        server.Probe.Open("done");
        var returned = await WaitForHealthyAsync(server, Live);

        Assert.Equal((HttpStatusCode.OK, "Healthy"), inTime);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "Unhealthy"), stuck);
        Assert.Equal((HttpStatusCode.OK, "Healthy"), returned);
    }

    [Fact]
    public async Task Some_workers_held_past_their_time_limit_are_degraded_and_still_alive()
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/stuck", typeof(IgnoresCancellation), timeLimitSeconds: 60)),
            options: o => o.Background.MaxConcurrency = 3);
        var id = Assert.Single(await StartStuckAsync(server, 1));
        server.FakeTime.Advance(TimeSpan.FromSeconds(60));
        await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.TimedOut);
        server.FakeTime.Advance(TimeSpan.FromMinutes(1));

        try
        {
            Assert.Equal((HttpStatusCode.OK, "Degraded"), await GetAsync(server, Live));
            Assert.Equal((HttpStatusCode.OK, "Degraded"), await GetAsync(server, Ready));
        }
        finally
        {
            server.Probe.Open("stuck");
        }
    }

    private static async Task<List<string>> StartStuckAsync(TestServer server, int count)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            using var response = await server.Client.PostAsync("/api/stuck", null);
            ids.Add(response.Headers.GetValues("X-ApiRoutes-Execution-Id").Single());
            await server.Probe.NextAsync();
        }

        return ids;
    }

    // Polls (bounded) until the endpoint says Healthy: handlers let go return one after the other.
    private static async Task<(HttpStatusCode, string)> WaitForHealthyAsync(TestServer server, string path)
    {
        var deadline = DateTime.UtcNow + Probe.Patience;
        while (true)
        {
            var answer = await GetAsync(server, path);
            if (answer == (HttpStatusCode.OK, "Healthy") || DateTime.UtcNow > deadline)
            {
                return answer;
            }

            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task A_sqlite_store_whose_folder_is_gone_is_not_ready_until_it_is_back()
    {
        var storeFolder = Path.Combine(_folder, "store");
        var moved = Path.Combine(_folder, "moved");
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/slow", typeof(Slow))),
            options: o => (o.Store.Provider, o.Store.Path) = (StoreProvider.Sqlite, Path.Combine(storeFolder, "executions.db")));
        var before = await GetAsync(server, Ready);

        Directory.Move(storeFolder, moved);   // as a volume that went away: the open file lives on, nothing new opens
        (HttpStatusCode, string) gone, alive;
        try
        {
            server.FakeTime.Advance(StoreHealthCheck.Reuse);   // the last probe's answer is given for a second
            gone = await GetAsync(server, Ready);
            alive = await GetAsync(server, Live);
        }
        finally
        {
            Directory.Move(moved, storeFolder);
        }

        server.FakeTime.Advance(StoreHealthCheck.Reuse);
        Assert.Equal((HttpStatusCode.OK, "Healthy"), before);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "Unhealthy"), gone);
        Assert.Equal((HttpStatusCode.OK, "Healthy"), alive);
        Assert.Equal((HttpStatusCode.OK, "Healthy"), await GetAsync(server, Ready));
    }

    [Fact]
    public async Task An_occurrence_not_dealt_with_in_time_fails_liveness_until_the_scheduler_moves_on()
    {
        var store = new HangingClaims();
        await using var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/tick", typeof(Tick), "* * * * *")),
            now: new DateTimeOffset(2026, 1, 1, 0, 0, 30, TimeSpan.Zero),
            services: s => s.AddSingleton<IExecutionStore>(store));
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T00:01:00");
        try
        {
            var waiting = await GetAsync(server, Live);
            server.FakeTime.Advance(TimeSpan.FromSeconds(30));   // 00:01:00: the occurrence comes; its claim hangs
            await store.Claiming.Task.WaitAsync(Probe.Patience);
            var inTime = await GetAsync(server, Live);
            server.FakeTime.Advance(TimeSpan.FromSeconds(61));   // a minute and a second past it, the default limit
            var overdue = await GetAsync(server, Live);
            var notReady = await GetAsync(server, Ready);

            Assert.Equal((HttpStatusCode.OK, "Healthy"), waiting);
            Assert.Equal((HttpStatusCode.OK, "Healthy"), inTime);
            Assert.Equal((HttpStatusCode.ServiceUnavailable, "Unhealthy"), overdue);
            Assert.Equal((HttpStatusCode.ServiceUnavailable, "Unhealthy"), notReady);
        }
        finally
        {
            store.Release.TrySetResult();
        }

        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T00:03:00");
        Assert.Equal((HttpStatusCode.OK, "Healthy"), await GetAsync(server, Live));
    }

    [Fact]
    public async Task A_replica_cut_off_from_its_database_is_not_ready_says_nothing_of_it_and_loses_its_lease()
    {
        var postgres = await PostgresServer.SharedAsync();
        var database = await postgres.CreateDatabaseAsync();
        await using var proxy = new TcpProxy(postgres.Port);
        var throughProxy = new NpgsqlConnectionStringBuilder(database) { Port = proxy.Port }.ConnectionString;
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/slow", typeof(Slow))),
            options: o => (o.Store.Provider, o.Store.ConnectionString) = (StoreProvider.PostgreSql, throughProxy));
        var health = server.Services.GetRequiredService<HealthCheckService>();
        var before = await GetAsync(server, Ready);

        await proxy.CutAsync();
        server.FakeTime.Advance(StoreHealthCheck.Reuse);
        using var cut = await server.Client.GetAsync(Ready);
        var body = await cut.Content.ReadAsStringAsync();
        var storeOnly = await health.CheckHealthAsync();
        server.FakeTime.Advance(TimeSpan.FromSeconds(31));     // past the lease: renewals have failed meanwhile
        var leaseLost = await WaitForEntryAsync(health, "apiroutes-lease", HealthStatus.Unhealthy);
        proxy.Open();
        var back = await WaitForAsync(server, Ready, HttpStatusCode.OK, advance: TimeSpan.FromSeconds(10));

        Assert.Equal((HttpStatusCode.OK, "Healthy"), before);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "Unhealthy"), (cut.StatusCode, body));
        Assert.Equal(HealthStatus.Unhealthy, storeOnly.Entries["apiroutes-store"].Status);
        Assert.Equal(HealthStatus.Healthy, storeOnly.Entries["apiroutes-lease"].Status);
        Assert.Equal(HealthStatus.Unhealthy, leaseLost.Entries["apiroutes-lease"].Status);
        Assert.Equal((HttpStatusCode.OK, "Healthy"), back);
    }

    // Review 27c F4: every probe of readiness probed the store (SQLite: a write through its log and flush), and the
    // endpoint answers anyone: a flood of probes halved the background requests accepted a second. Probes that come
    // together share one, and its answer holds for a second.
    [Fact]
    public async Task Readiness_probes_share_one_store_probe_and_its_answer_holds_for_a_second()
    {
        var store = new GatedProbeStore();
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/slow", typeof(Slow))),
            services: s => s.AddSingleton<IExecutionStore>(store));

        var together = Enumerable.Range(0, 8).Select(_ => GetAsync(server, Ready)).ToList();
        await store.Started.WaitAsync(Probe.Patience);
        store.Release();
        var answers = await Task.WhenAll(together);
        var again = await GetAsync(server, Ready);
        var probesWithinTheSecond = store.Probes;
        server.FakeTime.Advance(StoreHealthCheck.Reuse);
        var afterIt = await GetAsync(server, Ready);

        Assert.All(answers, answer => Assert.Equal((HttpStatusCode.OK, "Healthy"), answer));
        Assert.Equal((HttpStatusCode.OK, "Healthy"), again);
        Assert.Equal(1, probesWithinTheSecond);
        Assert.Equal((HttpStatusCode.OK, "Healthy"), afterIt);
        Assert.Equal(2, store.Probes);
    }

    // A store whose probes wait until the test lets them go (once), and are counted.
    private sealed class GatedProbeStore : ForwardingStore, IExecutionStore
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _probes;

        public Task Started => _started.Task;

        public int Probes => Volatile.Read(ref _probes);

        public void Release() => _gate.SetResult();

        async Task IExecutionStore.ProbeAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _probes);
            _started.TrySetResult();
            await _gate.Task.WaitAsync(cancellationToken);
        }
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static async Task<(HttpStatusCode, string)> GetAsync(TestServer server, string path)
    {
        using var response = await server.Client.GetAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    // Polls (bounded) until the endpoint answers with the status; on a fake clock, advancing it between polls.
    private static async Task<(HttpStatusCode, string)> WaitForAsync(TestServer server, string path, HttpStatusCode status, TimeSpan? advance = null)
    {
        var deadline = DateTime.UtcNow + Probe.Patience;
        while (true)
        {
            var answer = await GetAsync(server, path);
            if (answer.Item1 == status || DateTime.UtcNow > deadline)
            {
                return answer;
            }

            if (advance is { } step)
            {
                server.FakeTime.Advance(step);
            }

            await Task.Delay(50);
        }
    }

    private static async Task<HealthReport> WaitForEntryAsync(HealthCheckService health, string entry, HealthStatus status)
    {
        var deadline = DateTime.UtcNow + Probe.Patience;
        while (true)
        {
            var report = await health.CheckHealthAsync();
            if (report.Entries[entry].Status == status || DateTime.UtcNow > deadline)
            {
                return report;
            }

            await Task.Delay(50);
        }
    }

    // A store whose schedule claims hang until released: a scheduler stuck on its store.
    private sealed class HangingClaims : ForwardingStore
    {
        public TaskCompletionSource Claiming { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task<OccurrenceClaim> ClaimOccurrenceAsync(string route, DateTimeOffset occurrence, string executionId, CancellationToken cancellationToken)
        {
            Claiming.TrySetResult();
            await Release.Task;
            return await base.ClaimOccurrenceAsync(route, occurrence, executionId, cancellationToken);
        }
    }
}
