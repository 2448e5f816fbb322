using ApiRoutes.Execution;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.AspNetCore.Http;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// Accepted work whose route a deploy removed can never run: it is recorded failed with the reason, and a warning names
/// the route and the reason, not only a count at Information that an operator watching warnings never sees (review 25b F5).
/// </summary>
public sealed class RemovedRouteRecoveryTests : IDisposable
{
    private readonly string _database = Path.Combine(Directory.CreateTempSubdirectory("apiroutes-removed-").FullName, "executions.db");

    [Fact]
    public async Task Work_of_a_route_the_deploy_removed_is_recorded_failed_with_a_warning_that_names_it()
    {
        await using (var store = SqliteExecutionStore.Open(_database))
        {
            foreach (var id in new[] { "gone-1", "gone-2" })
            {
                var request = new RequestSnapshot
                {
                    Method = "POST", Scheme = "http", PathBase = PathString.Empty, Path = new PathString("/api/report"),
                    QueryString = QueryString.Empty, Headers = [], RouteValues = [], Body = "{}"u8.ToArray(),
                };
                await store.AddAsync(new ExecutionRecord { Id = id, Route = "/api/report", Kind = "background", Status = ExecutionStatus.Queued, AcceptedAt = DateTimeOffset.UtcNow }, request, default);
            }
        }

        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/flaky", typeof(Flaky))),
            options: o =>
            {
                o.Store.Provider = StoreProvider.Sqlite;
                o.Store.Path = _database;
            });

        await server.WaitForLogAsync(
            "ApiRoutes[2044] Warning: 2 unfinished execution(s) were recorded as failed as they were taken up (their ids and errors are on the dashboard): "
            + "2 × background /api/report: Not finished: its route no longer exists in this deploy.");
        var failed = await server.WaitForExecutionAsync(r => r.Id == "gone-2" && r.Status == ExecutionStatus.Failed);
        Assert.Equal("Not finished: its route no longer exists in this deploy.", failed.Error);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(Path.GetDirectoryName(_database)!, recursive: true);
    }
}
