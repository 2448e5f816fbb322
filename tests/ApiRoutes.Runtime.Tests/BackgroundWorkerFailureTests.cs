using ApiRoutes.Execution;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// A background worker never dies: a failure of its own while it handles one execution (a bug, or a stored row no
/// configuration makes) is logged and recorded, and the next execution runs (review 4, finding 5).
/// </summary>
public sealed class BackgroundWorkerFailureTests : IDisposable
{
    private readonly string _database = Path.Combine(Directory.CreateTempSubdirectory("apiroutes-worker-").FullName, "executions.db");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_database)!, recursive: true);

    [Fact]
    public async Task A_failure_of_the_worker_itself_records_the_execution_as_failed_and_the_worker_goes_on()
    {
        var store = new ThrowingStartStore();
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/hello", typeof(Hello))),
            options: o => o.Background.MaxConcurrency = 1,
            services: s => s.AddSingleton<IExecutionStore>(store));

        var broken = await PostAsync(server, "/api/hello");
        var failed = await server.WaitForExecutionAsync(r => r.Id == broken && r.Status == ExecutionStatus.Failed);
        var next = await PostAsync(server, "/api/hello");
        await server.WaitForExecutionAsync(r => r.Id == next && r.Status == ExecutionStatus.Succeeded);

        Assert.StartsWith("internal error: System.InvalidOperationException: the store broke its contract", failed.Error, StringComparison.Ordinal);
        Assert.Equal(1, server.Probe.Count(nameof(Hello)));
        Assert.Contains(server.Logs, line => line.StartsWith($"ApiRoutes[2024] Error: The runtime failed while it ran execution {broken} of /api/hello", StringComparison.Ordinal));
        Assert.Contains($"Update {broken} Failed", store.Writes);
    }

    // The reviewer's row: Running with attempt int.MaxValue, whose next attempt wrapped to int.MinValue and whose
    // failure indexed the retry delays at int.MaxValue, which killed the only worker.
    [Fact]
    public async Task A_stored_row_with_the_largest_attempt_is_recorded_as_failed_and_new_work_runs()
    {
        await using (var store = SqliteExecutionStore.Open(_database))
        {
            await store.AddAsync(
                new ExecutionRecord { Id = "poison", Route = "/api/throws", Kind = "background", Status = ExecutionStatus.Running, Attempt = int.MaxValue, AcceptedAt = DateTimeOffset.UnixEpoch, StartedAt = DateTimeOffset.UnixEpoch },
                RequestSnapshot.Synthetic("/api/throws", "{}"u8.ToArray()),
                default);
        }

        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/throws", typeof(Throws)), BackgroundRoute("/api/hello", typeof(Hello))),
            options: o =>
            {
                o.Store.Provider = StoreProvider.Sqlite;
                o.Store.Path = _database;
                o.Background.MaxConcurrency = 1;
            });

        var poison = await server.WaitForExecutionAsync(r => r.Id == "poison" && r.Status == ExecutionStatus.Failed);
        var hello = await PostAsync(server, "/api/hello");
        await server.WaitForExecutionAsync(r => r.Id == hello && r.Status == ExecutionStatus.Succeeded);

        Assert.StartsWith("Not run: its stored row cannot be read (", poison.Error, StringComparison.Ordinal);
        Assert.Contains("The attempt '2147483647' is not a number from 1 to 1000.", poison.Error, StringComparison.Ordinal);
        Assert.Equal(0, server.Probe.Count(nameof(Throws)));
    }

    private static async Task<string> PostAsync(TestServer server, string path)
    {
        using var response = await server.Client.PostAsync(path, null);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return response.Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
    }

    // Breaks its contract once: the first start write throws instead of returning a failed task, out of the worker.
    private sealed class ThrowingStartStore : ForwardingStore
    {
        private int _starts;

        public System.Collections.Concurrent.ConcurrentQueue<string> Writes { get; } = new();

        public override Task UpdateAsync(ExecutionRecord record, CancellationToken cancellationToken)
        {
            Writes.Enqueue($"Update {record.Id} {record.Status}");
            return record.Status == ExecutionStatus.Running && Interlocked.Increment(ref _starts) == 1
                ? throw new InvalidOperationException("the store broke its contract")
                : base.UpdateAsync(record, cancellationToken);
        }
    }
}
