using Microsoft.Data.Sqlite;

namespace ApiRoutes.Storage;

/// <summary>
/// Loads SQLite's native library and JIT-compiles Microsoft.Data.Sqlite's paths for opening a connection and running
/// statements, on a thread-pool thread while the main thread builds the app. The store itself is opened later, as
/// always (<see cref="SqliteSchema.Open"/>; its errors still stop start-up), but then finds that work done: opening it
/// was the longest step before an app with the SQLite store could answer (bench/load/README.md, "Start-up").
/// Microsoft.Data.Sqlite and SQLitePCLRaw ship as IL only; an app's Release build and publish ReadyToRun-compile them
/// (build/ApiRoutes.ReadyToRun.targets), which leaves the native library's load and SQLite's own first work to warm up.
/// </summary>
internal static class SqliteWarmUp
{
    /// <summary>Starts the warm-up; it runs on a private in-memory database and never fails.</summary>
    public static Task Start() => Task.Run(Run);

    private static void Run()
    {
        try
        {
            using var connection = new SqliteConnection("Data Source=:memory:");
            connection.Open();
            using var transaction = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "CREATE TABLE warm_up (id TEXT PRIMARY KEY, at TEXT); PRAGMA user_version;";
            command.ExecuteNonQuery();
            command.CommandText = "SELECT count(*) FROM warm_up WHERE id = $id";
            command.Parameters.AddWithValue("$id", "");
            command.ExecuteScalar();
            transaction.Commit();
        }
#pragma warning disable CA1031 // A warm-up only: whatever fails here fails again, and is reported, when the store opens.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
