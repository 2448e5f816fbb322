using System.Data.Common;
using ApiRoutes.Execution;

namespace ApiRoutes.Storage;

/// <summary>An <see cref="ExecutionRecord"/> as the stores' tables keep it: the same columns in both, in this order.</summary>
internal static class StoredRecord
{
    /// <summary>The record's columns, in the order <see cref="Read"/> expects them.</summary>
    public const string Columns = "id, route, kind, status, attempt, accepted_at, started_at, finished_at, occurrence, error";

    /// <summary>
    /// Reads an unfinished execution: the record, then its request (JSON) and body, as the columns after
    /// <see cref="Columns"/>. The request is null for a scheduled run, which is not repeated.
    /// </summary>
    public static StoredExecution ReadWithRequest(DbDataReader reader, Func<DbDataReader, int, DateTimeOffset> instant)
    {
        var request = reader.IsDBNull(10) ? null : StoredRequest.FromJson(reader.GetString(10), reader.IsDBNull(11) ? [] : (byte[])reader[11]);
        return new StoredExecution(Read(reader, instant), request);
    }

    /// <summary>Reads the record from the current row; <paramref name="instant"/> reads a timestamp the store's way.</summary>
    public static ExecutionRecord Read(DbDataReader reader, Func<DbDataReader, int, DateTimeOffset> instant) => new()
    {
        Id = reader.GetString(0),
        Route = reader.GetString(1),
        Kind = reader.GetString(2),
        Status = Enum.Parse<ExecutionStatus>(reader.GetString(3)),
        Attempt = reader.GetInt32(4),
        AcceptedAt = instant(reader, 5),
        StartedAt = reader.IsDBNull(6) ? null : instant(reader, 6),
        FinishedAt = reader.IsDBNull(7) ? null : instant(reader, 7),
        Occurrence = reader.IsDBNull(8) ? null : instant(reader, 8),
        Error = reader.IsDBNull(9) ? null : reader.GetString(9),
    };
}
