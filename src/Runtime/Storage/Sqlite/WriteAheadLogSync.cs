using Microsoft.Data.Sqlite;
using Microsoft.Win32.SafeHandles;

namespace ApiRoutes.Storage;

/// <summary>
/// The SQLite store's commits made durable beside the next one (see <see cref="GroupCommitWriter{TWrite}"/>): the write
/// connection commits with <c>synchronous = NORMAL</c>, which writes a transaction's frames to the write-ahead log
/// without flushing it, and <see cref="Flush"/> then flushes the log file (fsync) while the next batch is written. A
/// batch counts as committed only once a flush that began after its commit has returned, so what was acknowledged
/// survives a power loss as with <c>synchronous = FULL</c> (which flushes the log inside every commit): SQLite still
/// flushes the log itself before each checkpoint and the log's header when the log starts over. Only in WAL mode, with
/// the log file there to hold: otherwise the store keeps <c>FULL</c> and commits one batch at a time.
/// </summary>
internal sealed class WriteAheadLogSync : IDisposable
{
    private readonly SafeFileHandle _log;

    private WriteAheadLogSync(SafeFileHandle log) => _log = log;

    /// <summary>Switches the write connection to pipelined commits, or returns null (then nothing changed).</summary>
    /// <param name="connection">The store's one write connection, open for as long as the store is: while it is, SQLite
    /// never deletes the log file, so the handle held here flushes the file SQLite writes.</param>
    /// <param name="path">The database file.</param>
    public static WriteAheadLogSync? TryStart(SqliteConnection connection, string path)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        if (!string.Equals(command.ExecuteScalar() as string, "wal", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        SafeFileHandle log;
        try
        {
            log = File.OpenHandle(path + "-wal", FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        command.CommandText = "PRAGMA synchronous = NORMAL";
        command.ExecuteNonQuery();
        return new WriteAheadLogSync(log);
    }

    /// <summary>Flushes everything written to the log so far to the disk.</summary>
    public Task Flush()
    {
        RandomAccess.FlushToDisk(_log);
        return Task.CompletedTask;
    }

    public void Dispose() => _log.Dispose();
}
