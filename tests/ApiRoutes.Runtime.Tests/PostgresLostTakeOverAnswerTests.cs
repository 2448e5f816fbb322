using System.Text;
using ApiRoutes.Execution;
using ApiRoutes.Hosting;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using ApiRoutes.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// Review 45a F1: a take-over's claim commits, and the answer to its commit is lost with the connection. The claimed rows
/// were the survivor's in the store and held by nobody: a stopped replica's running execution showed "running" for as long
/// as the survivor lived, and its queued one came back only as an accept answered 503 (2048). Each replica now takes up
/// every unfinished row of its own that it does not hold.
/// </summary>
public sealed class PostgresLostTakeOverAnswerTests : IAsyncLifetime
{
    private static readonly TimeSpan ClockJumps = TimeSpan.FromMinutes(10);
    private string _database = null!;

    public async Task InitializeAsync() => _database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task The_work_a_take_over_claimed_when_the_answer_to_its_commit_was_lost_runs_once_on_that_replica()
    {
        var server = await PostgresServer.SharedAsync();
        await using var proxy = new TcpProxy(server.Port);
        var throughProxy = new NpgsqlConnectionStringBuilder(_database) { Port = proxy.Port }.ConnectionString;
        var manifest = Create(BackgroundRoute("/api/slow", typeof(Slow)));
        await using var survivor = await StartAsync(manifest, throughProxy);
        await survivor.Services.GetServices<IHostedService>().OfType<StartupRecoveryService>().Single().Recovered.WaitAsync(Probe.Patience);

        string running, queued;
        await using (var stopping = await StartAsync(manifest, _database, lease: ClockJumps))
        {
            running = await PostAsync(stopping);
            await stopping.Probe.NextAsync();
            queued = await PostAsync(stopping);
            var stop = stopping.StopAsync();
            await stopping.WaitForLogAsync("ApiRoutes[2008]");
            stopping.FakeTime.Advance(TimeSpan.FromSeconds(35));
            await stop.WaitAsync(Probe.Patience);
        }

        Assert.Equal(1L, await PostgresServer.ScalarAsync<long>(_database, "SELECT count(*) FROM apiroutes_replicas"));
        survivor.Probe.Open("slow");

        // The take-over's claim transaction commits on the server; its answer never reaches the survivor.
        proxy.DropReplyTo([(byte)'Q', 0, 0, 0, 11, .. Encoding.ASCII.GetBytes("COMMIT"), 0]);   // the COMMIT message itself, not "READ COMMITTED"
        survivor.FakeTime.Advance(TimeSpan.FromSeconds(15));
        await Poll.UntilAsync(() => proxy.DroppedReply);
        await survivor.WaitForLogAsync("ApiRoutes[2045]");

        // The claim landed: both rows are the survivor's now, and it holds neither.
        var survivorId = survivor.Services.GetRequiredService<IReplicaCoordination>().Replica;
        Assert.Equal(2L, await PostgresServer.ScalarAsync<long>(_database, $"SELECT count(*) FROM apiroutes_executions WHERE owner = '{survivorId}'"));

        // Two minutes of the survivor's life: eight take-overs, every renewal landing.
        for (var i = 0; i < 12; i++)
        {
            await survivor.AdvanceToRenewalAsync(TimeSpan.FromSeconds(10));
            await Task.Delay(200);
        }

        var state = await PostgresServer.ScalarAsync<string>(
            _database, $"SELECT string_agg(id || ' ' || status || ' attempt ' || attempt || ' owner ' || owner, '; ') FROM apiroutes_executions");
        var logs = string.Join("\n", survivor.Logs.Where(l => l.Contains("[20", StringComparison.Ordinal) || l.Contains("Error", StringComparison.Ordinal)));
        Assert.True(survivor.Executions.Find(queued) is { Status: ExecutionStatus.Succeeded }, $"queued: {state}\n{logs}");
        Assert.True(survivor.Executions.Find(running) is { Status: ExecutionStatus.Succeeded, Attempt: 2 }, $"running never ran again: {state}\n{logs}");
        Assert.Equal(2, survivor.Probe.Count(nameof(Slow)));   // each once here
        Assert.Single(survivor.Logs, line => line.StartsWith("ApiRoutes[2052] Warning: Took up 1 unfinished execution(s) of this replica that it did not hold", StringComparison.Ordinal));
        Assert.Single(survivor.Logs, line => line.StartsWith("ApiRoutes[2048] Warning: Took up 1 execution(s)", StringComparison.Ordinal));
    }

    private static Task<TestServer> StartAsync(ApiRoutes.Manifest.RouteManifest manifest, string connectionString, TimeSpan? lease = null) =>
        TestServer.StartAsync(
            manifest,
            "Production",
            options: options =>
            {
                options.Background.MaxConcurrency = 1;
                options.Store.LeaseDuration = lease ?? options.Store.LeaseDuration;
            },
            services: services => services.AddApiRoutesPostgreSql(connectionString));

    private static async Task<string> PostAsync(TestServer server) =>
        (await server.Client.PostAsync("/api/slow", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
}
