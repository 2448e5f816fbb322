using System.Net.Http.Json;
using System.Text.Json;
using ApiRoutes.Execution;
using ApiRoutes.Hosting;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using ApiRoutes.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// Review 17a: attacks on c5c2386 with replicas sharing PostgreSQL. F2 failed on 2dfa201; Q2 passed there and guards what
/// held. (F3, a replica whose clock lags by more than the delay, is a known gap: README.)
/// </summary>
public sealed class PostgresRetryDueTests : IAsyncLifetime
{
    private const string Key = "0123456789abcdef0123456789abcdef-status-key";
    private static readonly TimeSpan ClockJumps = TimeSpan.FromMinutes(10);

    private string _database = null!;

    public async Task InitializeAsync() => _database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    // F2 (replicas). RetryDelays shortened by a deploy (1 hour -> 1 minute): the replica that takes the retry over waits
    // one minute (clamped in memory), but the row keeps the old due time, and the status URL served by any other replica
    // tells the caller to come back in an hour (Retry-After: 3600) for a retry that runs within the minute.
    [Fact]
    public async Task F2_another_replicas_status_url_shows_the_unclamped_due_time()
    {
        var manifest = Create(BackgroundRoute("/api/flaky", typeof(Flaky)));
        await using var taker = await StartAsync(manifest, lease: ClockJumps, delay: TimeSpan.FromMinutes(1));
        await Recovered(taker);
        string id;
        Uri statusUrl;
        await using (var old = await StartAsync(manifest, delay: TimeSpan.FromHours(1)))
        {
            var accepted = await old.Client.PostAsync("/api/flaky", null);
            id = accepted.Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
            statusUrl = accepted.Headers.Location!;
            await old.WaitForExecutionAsync(r => r.Id == id && r is { Status: ExecutionStatus.Queued, Attempt: 2 });
            await Poll.UntilAsync(async () => await Count("attempt = 2 AND retry_at IS NOT NULL") == 1);
            await old.StopAsync();
        }

        taker.FakeTime.Advance(TimeSpan.FromMinutes(5));
        await taker.WaitForLogAsync("ApiRoutes[2014] Information: Took over 1 unfinished execution(s)");
        var due = taker.Services.GetRequiredService<ApiRoutes.Background.RetryService>().PendingDue(id);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 6, 0, TimeSpan.Zero), due);   // clamped: 00:05 + 1 minute

        // A third replica, of the new deploy too, started now: it takes nothing over (the taker is alive), it serves the URL.
        await using var other = await StartAsync(manifest, delay: TimeSpan.FromMinutes(1));
        await Recovered(other);
        var response = await other.Client.GetAsync(statusUrl);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var shown = body.GetProperty("retryAt").GetDateTimeOffset();
        var observed = $"retryAt={shown:O}, Retry-After={response.Headers.RetryAfter?.Delta}, the taker runs it at {due:O}";

        Assert.True(shown <= due, observed);   // was: 01:00:00, Retry-After 01:00:00
    }

    // Q2 (confirmation, passes). A replica whose lease lapsed while its retry waited: another takes the row over and
    // waits out the rest; the stale owner's own write of the row (its retry_at included) is refused, and when its timer
    // fires its start is refused too: the retry runs once, on the taker.
    [Fact]
    public async Task Q2_a_stale_owners_retry_write_and_start_are_fenced()
    {
        var manifest = Create(BackgroundRoute("/api/flaky", typeof(Flaky)));
        await using var stale = await StartAsync(manifest, lease: ClockJumps, delay: TimeSpan.FromMinutes(10));
        await Recovered(stale);
        var id = (await stale.Client.PostAsync("/api/flaky", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        var waiting = await stale.WaitForExecutionAsync(r => r.Id == id && r is { Status: ExecutionStatus.Queued, Attempt: 2 });
        await Poll.UntilAsync(async () => await Count("attempt = 2 AND retry_at IS NOT NULL") == 1);

        // Its lease lapses (a long pause); the taker's first look at start-up claims the row.
        await PostgresServer.ScalarAsync<int>(_database, "UPDATE apiroutes_replicas SET lease_until = now() - interval '1 second' RETURNING 1");
        await using var taker = await StartAsync(manifest, lease: ClockJumps, delay: TimeSpan.FromMinutes(10));
        await Recovered(taker);
        await Poll.UntilAsync(() => taker.Services.GetRequiredService<ApiRoutes.Background.RetryService>().PendingDue(id) is not null);

        var store = stale.Services.GetRequiredService<IExecutionStore>();
        await Assert.ThrowsAsync<ExecutionStoreUnavailableException>(() => store.UpdateAsync(waiting with { RetryAt = waiting.RetryAt!.Value.AddDays(1) }, default));
        var row = await PostgresServer.ScalarAsync<string>(_database, $"SELECT owner || ' ' || status || ' ' || attempt || ' ' || coalesce(to_char(retry_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), 'null') FROM apiroutes_executions WHERE id = '{id}'");
        Assert.EndsWith("Queued 2 2026-01-01 00:10:00", row, StringComparison.Ordinal);   // the stale write did not land

        stale.FakeTime.Advance(TimeSpan.FromMinutes(10));   // its timer fires: its start is refused (held elsewhere)
        await stale.WaitForLogAsync("ApiRoutes[2015]");
        taker.FakeTime.Advance(TimeSpan.FromMinutes(10));
        var failed = await taker.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Failed);
        Assert.Equal((2, 1, 1), (failed.Attempt, stale.Probe.Count(nameof(Flaky)), taker.Probe.Count(nameof(Flaky))));
        await Poll.UntilAsync(async () => await Count($"id = '{id}' AND status = 'Failed' AND retry_at IS NULL") == 1);   // written soon after (group commit)
    }

    private static Task Recovered(TestServer server) =>
        server.Services.GetServices<IHostedService>().OfType<StartupRecoveryService>().Single().Recovered.WaitAsync(Probe.Patience);

    private Task<TestServer> StartAsync(ApiRoutes.Manifest.RouteManifest manifest, TimeSpan delay, TimeSpan? lease = null, DateTimeOffset? now = null) =>
        TestServer.StartAsync(
            manifest,
            "Production",
            now: now,
            options: options =>
            {
                options.Background.MaxConcurrency = 1;
                options.Background.RetryDelays = [delay];
                options.Background.StatusUrls = true;
                options.Background.StatusUrlKey = Key;
                options.Store.LeaseDuration = lease ?? options.Store.LeaseDuration;
            },
            services: services => services.AddApiRoutesPostgreSql(_database));

    private Task<long> Count(string condition) => PostgresServer.ScalarAsync<long>(_database, $"SELECT count(*) FROM apiroutes_executions WHERE {condition}");
}
