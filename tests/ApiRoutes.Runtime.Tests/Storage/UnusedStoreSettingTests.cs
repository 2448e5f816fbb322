using ApiRoutes.Execution;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>
/// A setting of another store than the one chosen is said at start-up (review 25b F11): a connection string without
/// Provider=PostgreSql left every replica on a SQLite file of its own, and a Store:Path kept after a switch hid the work
/// left in that file.
/// </summary>
public sealed class UnusedStoreSettingTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("apiroutes-unused-").FullName;

    [Fact]
    public async Task A_connection_string_without_the_postgresql_store_is_said_to_be_unused()
    {
        await using var server = await TestServer.StartAsync(
            Create(StandardRoute("/api/hello/{name}", typeof(Hello))),
            options: o =>
            {
                o.Store.Provider = StoreProvider.InMemory;
                o.Store.ConnectionString = "Host=db;Database=shop;Username=app;Password=s3cret";
            });

        await server.WaitForLogAsync(
            "ApiRoutes[4011] Warning: ApiRoutes:Store:ConnectionString is set, but the store is InMemory (ApiRoutes:Store:Provider): it is not used; "
            + "set ApiRoutes:Store:Provider=PostgreSql to use the database it names");
        Assert.DoesNotContain(server.Logs, line => line.Contains("s3cret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_store_file_left_by_a_switch_of_store_is_named_with_the_work_it_may_hold()
    {
        var left = Path.Combine(_folder, "executions.db");
        File.WriteAllBytes(left, []);

        await using var server = await TestServer.StartAsync(
            Create(StandardRoute("/api/hello/{name}", typeof(Hello))),
            options: o =>
            {
                o.Store.Provider = StoreProvider.InMemory;
                o.Store.Path = left;
            });

        await server.WaitForLogAsync(
            $"ApiRoutes[4011] Warning: ApiRoutes:Store:Path is set, but the store is InMemory (ApiRoutes:Store:Provider): it is not used; the work still queued or running in '{left}' is not run by this store");
    }

    // The rest of 25b F11: how much work the file holds, counted once the app serves (and for the default file too).
    [Fact]
    public async Task The_work_a_store_file_left_by_a_switch_of_store_holds_unfinished_is_counted()
    {
        var left = Path.Combine(_folder, "executions.db");
        await using (var sqlite = SqliteExecutionStore.Open(left))
        {
            foreach (var (id, status) in new[] { ("a", ExecutionStatus.Queued), ("b", ExecutionStatus.Queued), ("c", ExecutionStatus.Running), ("d", ExecutionStatus.Succeeded) })
            {
                await sqlite.AddAsync(new ExecutionRecord { Id = id, Route = "/api/job", Kind = "background", Status = status, AcceptedAt = DateTimeOffset.UnixEpoch }, RequestSnapshot.Synthetic("/api/job", []), default);
            }
        }

        await using var server = await TestServer.StartAsync(
            Create(StandardRoute("/api/hello/{name}", typeof(Hello))),
            options: o =>
            {
                o.Store.Provider = StoreProvider.InMemory;
                o.Store.Path = left;
            });
        await server.Client.GetAsync("/api/hello/x");   // the first answer opens the start-up work

        await server.WaitForLogAsync(
            $"ApiRoutes[4012] Warning: The SQLite store file '{left}' holds 3 execution(s) queued or running, which the store of this app (InMemory) does not run");
    }

    [Fact]
    public async Task The_settings_of_the_store_chosen_are_not_said_to_be_unused()
    {
        await using var server = await TestServer.StartAsync(
            Create(StandardRoute("/api/hello/{name}", typeof(Hello))),
            options: o =>
            {
                o.Store.Provider = StoreProvider.Sqlite;
                o.Store.Path = Path.Combine(_folder, "used.db");
            });

        Assert.Equal(System.Net.HttpStatusCode.OK, (await server.Client.GetAsync("/api/hello/x")).StatusCode);
        Assert.DoesNotContain(server.Logs, line => line.StartsWith("ApiRoutes[4011]", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
