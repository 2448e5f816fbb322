using ApiRoutes.Storage;
using ApiRoutes.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>
/// Review 6, R6-10: the lease fence's first bound counts from the registration, not from before the connect and the
/// schema's migration (a large table's migration at an upgrade). Here the migration waits on its advisory lock, held
/// by another session, while the app's fake clock passes three quarters of a lease. The suite's PostgreSQL server.
/// </summary>
public sealed class PostgresRegistrationTimeTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_fence_counts_from_the_registration_not_from_before_a_slow_migration()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        var time = new FakeTimeProvider();
        await using var locker = new NpgsqlConnection(database);
        await locker.OpenAsync();
        await Execute(locker, "SELECT pg_advisory_lock(hashtext('apiroutes_schema'))");   // the lock the migration takes

        var opening = Task.Run(() => PostgresExecutionStore.Open(database, Lease, time, NullLogger.Instance));
        await MigrationWaitsAsync(database, opening);
        time.Advance(TimeSpan.FromSeconds(25));   // more than three quarters of the lease (22.5 s) pass while it migrates
        await Execute(locker, "SELECT pg_advisory_unlock(hashtext('apiroutes_schema'))");
        await using var store = await opening.WaitAsync(TimeSpan.FromSeconds(15));
        using var fence = new LeaseFence(time, NullLoggerFactory.Instance, store.Coordination);

        Assert.Equal(time.GetTimestamp(), store.Coordination.RegisteredAt);
        Assert.False(fence.Token.IsCancellationRequested);   // not fenced the moment it is built
        time.Advance(TimeSpan.FromSeconds(22));
        Assert.False(fence.Token.IsCancellationRequested);
        time.Advance(TimeSpan.FromSeconds(1));               // 23 s after the registration: past its bound, no renewal
        Assert.True(fence.Token.IsCancellationRequested);
    }

    // The opening store's connection waits on the advisory lock (bounded: 15 s of polls).
    private static async Task MigrationWaitsAsync(string database, Task opening)
    {
        var name = new NpgsqlConnectionStringBuilder(database).Database;
        for (var i = 0; i < 150; i++)
        {
            var waiting = await PostgresServer.ScalarAsync<long>(database,
                $"SELECT count(*) FROM pg_stat_activity WHERE datname = '{name}' AND wait_event_type = 'Lock' AND wait_event = 'advisory' AND pid <> pg_backend_pid()");
            if (waiting > 0 || opening.IsCompleted)
            {
                Assert.False(opening.IsCompleted, "the store opened without waiting for the migration's lock");
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("the opening store never waited on the migration's lock");
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
