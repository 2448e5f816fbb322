using System.Buffers;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace ApiRoutes.Storage;

/// <summary>
/// One statement prepared once on the write connection's own handle, bound by position and stepped through
/// SQLitePCLRaw directly: the store's hot writes (every accepted execution, every change of its state) pay for no
/// command, data reader or parameter-name lookup of Microsoft.Data.Sqlite per write, and text is bound as UTF-8 from
/// the stack or a pooled buffer. It runs in whatever transaction the connection has open.
/// </summary>
internal sealed class SqliteRawStatement : IDisposable
{
    private const int StackLimit = 256;

    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    public SqliteRawStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("The write connection is not open.");
        var rc = raw.sqlite3_prepare_v2(_db, sql, out _statement);
        SqliteException.ThrowExceptionForRC(rc, _db);
    }

    public void Text(int index, string? value)
    {
        if (value is null)
        {
            Null(index);
            return;
        }

        var length = Encoding.UTF8.GetMaxByteCount(value.Length);
        byte[]? rented = null;
        var buffer = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var written = Encoding.UTF8.GetBytes(value, buffer);
            Check(raw.sqlite3_bind_text(_statement, index, buffer[..written]));   // copied by SQLite (SQLITE_TRANSIENT)
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Text that is UTF-8 already.</summary>
    public void Utf8(int index, byte[]? value)
    {
        if (value is null)
        {
            Null(index);
            return;
        }

        Check(raw.sqlite3_bind_text(_statement, index, value));   // copied by SQLite (SQLITE_TRANSIENT)
    }

    /// <summary>Round-trip UTC text (as <see cref="SqliteExecutionStore.Format"/> writes it), formatted on the stack.</summary>
    public void Instant(int index, DateTimeOffset? value)
    {
        if (value is not { } instant)
        {
            Null(index);
            return;
        }

        Span<byte> buffer = stackalloc byte[64];
        if (!instant.UtcDateTime.TryFormat(buffer, out var written, "O", CultureInfo.InvariantCulture))
        {
            throw new FormatException($"The instant {instant} cannot be formatted.");
        }

        Check(raw.sqlite3_bind_text(_statement, index, buffer[..written]));
    }

    public void Integer(int index, long value) => Check(raw.sqlite3_bind_int64(_statement, index, value));

    public void Blob(int index, byte[]? value)
    {
        if (value is null)
        {
            Null(index);
            return;
        }

        // An empty body is an empty blob, not NULL.
        Check(value.Length == 0 ? raw.sqlite3_bind_zeroblob(_statement, index, 0) : raw.sqlite3_bind_blob(_statement, index, value));
    }

    /// <summary>Runs the statement with what is bound; returns the rows it changed.</summary>
    /// <exception cref="SqliteException">It failed.</exception>
    public int Execute()
    {
        var rc = raw.sqlite3_step(_statement);
        try
        {
            if (rc != raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(rc, _db);
                throw new SqliteException($"The statement returned a row ({rc}) where none was expected.", rc);
            }

            return raw.sqlite3_changes(_db);
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    public void Dispose() => _statement.Dispose();

    private void Null(int index) => Check(raw.sqlite3_bind_null(_statement, index));

    private void Check(int rc) => SqliteException.ThrowExceptionForRC(rc, _db);
}
