using ApiRoutes.Storage;
using ApiRoutes.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>The PostgreSQL store passes the durable contract, against a real server, on a database of its own per test.</summary>
public sealed class PostgresExecutionStoreContractTests : DurableExecutionStoreContract
{
    private string _database = null!;

    public override async Task InitializeAsync()
    {
        _database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        await base.InitializeAsync();
    }

    private protected override Task<IExecutionStore> OpenAsync() =>
        Task.FromResult<IExecutionStore>(PostgresExecutionStore.Open(_database, TimeSpan.FromSeconds(30), Time, NullLogger.Instance));

    // An attempt below 1, which the store never writes: the row's record cannot be read.
    private protected override async Task CorruptAsync(string id) =>
        Assert.Equal(1, await PostgresServer.ScalarAsync<int>(_database, $"WITH changed AS (UPDATE apiroutes_executions SET attempt = 0 WHERE id = '{id}' RETURNING 1) SELECT count(*)::int FROM changed"));
}
