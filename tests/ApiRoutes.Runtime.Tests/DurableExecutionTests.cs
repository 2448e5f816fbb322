using System.Net;
using ApiRoutes.Execution;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>With the SQLite store, accepted work survives a stop; without a store to write to, nothing is accepted.</summary>
public sealed class DurableExecutionTests : IDisposable
{
    private readonly string _database = Path.Combine(Directory.CreateTempSubdirectory("apiroutes-durable-").FullName, "executions.db");

    [Fact]
    public async Task Work_queued_or_running_at_shutdown_runs_at_the_next_start()
    {
        var manifest = Create(BackgroundRoute("/api/slow", typeof(Slow)));
        string running, queued;
        await using (var first = await TestServer.StartAsync(manifest, options: Sqlite))
        {
            running = await PostAsync(first);
            await first.Probe.NextAsync();
            queued = await PostAsync(first);

            var stopping = first.StopAsync();
            await first.WaitForLogAsync("ApiRoutes[2008]");
            first.FakeTime.Advance(TimeSpan.FromSeconds(30));
            await stopping.WaitAsync(Probe.Patience);
            Assert.Contains(first.Logs, line => line.StartsWith("ApiRoutes[2011] Information: Shutting down: 2 unfinished execution(s) stay in the store", StringComparison.Ordinal));
        }

        await using var second = await TestServer.StartAsync(manifest, options: Sqlite);
        second.Probe.Open("slow");

        var again = await second.WaitForExecutionAsync(r => r.Id == running && r.Status == ExecutionStatus.Succeeded);
        var later = await second.WaitForExecutionAsync(r => r.Id == queued && r.Status == ExecutionStatus.Succeeded);
        Assert.Equal((2, 1), (again.Attempt, later.Attempt));   // the interrupted run counts as an attempt
        Assert.Contains(second.Logs, line => line.StartsWith("ApiRoutes[2009] Information: Recovered 2 unfinished execution(s)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_store_to_write_to_background_routes_answer_503_and_recover_when_it_returns()
    {
        var store = new SwitchableStore();
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/slow", typeof(Slow))),
            services: s => s.AddSingleton<IExecutionStore>(store));
        server.Probe.Open("slow");

        store.Available = false;
        var refused = await server.Client.PostAsync("/api/slow", null);
        store.Available = true;
        var accepted = await server.Client.PostAsync("/api/slow", null);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        await server.WaitForExecutionAsync(r => r.Status == ExecutionStatus.Succeeded);
        Assert.Equal(1, server.Probe.Count(nameof(Slow)));
    }

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_database)!, recursive: true);

    private void Sqlite(ApiRoutesOptions options)
    {
        options.Store.Provider = StoreProvider.Sqlite;
        options.Store.Path = _database;
        options.Background.MaxConcurrency = 1;
    }

    private static async Task<string> PostAsync(TestServer server) =>
        (await server.Client.PostAsync("/api/slow", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();

    private sealed class SwitchableStore : IExecutionStore
    {
        public bool Available { get; set; } = true;

        public bool IsDurable => true;

        public Task AddAsync(ExecutionRecord record, RequestSnapshot request, CancellationToken cancellationToken) =>
            Available ? Task.CompletedTask : throw new ExecutionStoreUnavailableException("The execution store 'test' cannot be written: disk I/O error");

        public Task UpdateAsync(ExecutionRecord record, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<IReadOnlyList<StoredExecution>> GetUnfinishedAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<StoredExecution>>([]);

        public Task<IReadOnlyList<ExecutionRecord>> GetRecentAsync(int limit, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<ExecutionRecord>>([]);

        public Task<int> PruneAsync(DateTimeOffset finishedBefore, CancellationToken cancellationToken) => Task.FromResult(0);
    }
}
