using ApiRoutes.Storage;
using Microsoft.Data.Sqlite;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>The SQLite store passes the durable contract, on a file of its own per test.</summary>
public sealed class SqliteExecutionStoreContractTests : DurableExecutionStoreContract
{
    private readonly string _folder = Directory.CreateTempSubdirectory("apiroutes-contract-").FullName;

    private string DatabasePath => Path.Combine(_folder, "executions.db");

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private protected override Task<IExecutionStore> OpenAsync() => Task.FromResult<IExecutionStore>(SqliteExecutionStore.Open(DatabasePath, Time));

    // A time in a format the store never writes: the row's record cannot be read.
    private protected override async Task CorruptAsync(string id)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE executions SET accepted_at = 'yesterday' WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }
}
