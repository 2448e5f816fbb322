using ApiRoutes.Storage;
using ApiRoutes.Testing;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>
/// The PostgreSQL store opens on a UTF8 database alone (review 5, finding 1): one of another encoding refuses any
/// character it lacks in an execution's text (SQLSTATE 22P05) and would leave executions unfinished, so it is refused
/// when the store opens, with the fix.
/// </summary>
public sealed class PostgresEncodingTests
{
    [Theory]
    [InlineData("LATIN1")]      // no '€', no U+FFFD
    [InlineData("SQL_ASCII")]   // stores bytes unchecked
    public async Task A_database_that_is_not_UTF8_is_refused_when_the_store_opens(string encoding)
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync(encoding);

        var refused = Assert.Throws<ExecutionStoreUnavailableException>(() => PostgresDatabase.Open(database, TimeSpan.FromMinutes(1)));

        Assert.Contains($"has the encoding {encoding}, not UTF8", refused.Message, StringComparison.Ordinal);
        Assert.Contains("ApiRoutes:Store:ConnectionString", refused.Message, StringComparison.Ordinal);
        Assert.EndsWith("at a database created with CREATE DATABASE <name> ENCODING 'UTF8' TEMPLATE template0.", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0L, await PostgresServer.ScalarAsync<long>(database, "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'apiroutes%'"));   // refused before any table
    }
}
