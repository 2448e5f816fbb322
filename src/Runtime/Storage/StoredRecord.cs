using System.Data.Common;
using ApiRoutes.Execution;

namespace ApiRoutes.Storage;

/// <summary>
/// An <see cref="ExecutionRecord"/> as the stores' tables keep it: the same columns in both, in this order. A stored
/// row is input like any other: one that cannot be read never stops the reading of the others.
/// </summary>
internal static class StoredRecord
{
    /// <summary>The record's columns, in the order <see cref="TryRead"/> expects them.</summary>
    public const string Columns = "id, route, kind, status, attempt, accepted_at, started_at, finished_at, occurrence, error, replay_of, trace_parent, trace_state, retry_at, earlier_attempts";

    /// <summary>
    /// <see cref="Columns"/> without the earlier attempts (read as none), for lists: none shows them, and a page of 200
    /// would read and parse each row's history, up to ten errors of 4 KB (review 41b F2). One execution
    /// (<c>FindAsync</c>) and unfinished work are read with them.
    /// </summary>
    public const string ListColumns = "id, route, kind, status, attempt, accepted_at, started_at, finished_at, occurrence, error, replay_of, trace_parent, trace_state, retry_at, NULL AS earlier_attempts";

    /// <summary>
    /// The highest attempt a stored row may hold: more than any configuration makes (ApiRoutes:Background:RetryDelays
    /// has at most <c>MaxAttempt - 1</c> items), far from where counting on would overflow.
    /// </summary>
    public const int MaxAttempt = 1000;

    // The request's columns follow the record's.
    private const int RequestColumn = 15;

    /// <summary>
    /// Reads an unfinished execution: the record, then its request (JSON) and body, as the columns after
    /// <see cref="Columns"/>. The request is null for a scheduled run, which is not repeated. A row that cannot be read
    /// comes back with <see cref="StoredExecution.Unreadable"/> set and as much of its record as could be read.
    /// </summary>
    public static StoredExecution ReadWithRequest(DbDataReader reader, Func<DbDataReader, int, DateTimeOffset> instant)
    {
        try
        {
            var request = reader.IsDBNull(RequestColumn) ? null
                : StoredRequest.FromJson(reader.GetString(RequestColumn), reader.IsDBNull(RequestColumn + 1) ? [] : (byte[])reader[RequestColumn + 1]);
            return new StoredExecution(Read(reader, instant), request);
        }
#pragma warning disable CA1031 // Whatever is wrong with a row is that row's problem, reported with it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            var record = new ExecutionRecord
            {
                Id = Text(reader, 0) ?? "",
                Route = Text(reader, 1) ?? "",
                Kind = Text(reader, 2) ?? "",
                Status = ExecutionStatus.Queued,
                AcceptedAt = DateTimeOffset.UnixEpoch,
            };
            return new StoredExecution(record, null) { Unreadable = $"{e.GetType().Name}: {e.Message}" };
        }
    }

    /// <summary>
    /// Reads a request alone (its JSON and body as the first two columns), or null when there is none or it cannot be read.
    /// </summary>
    public static RequestSnapshot? TryReadRequest(DbDataReader reader)
    {
        try
        {
            return reader.IsDBNull(0) ? null : StoredRequest.FromJson(reader.GetString(0), reader.IsDBNull(1) ? [] : (byte[])reader[1]);
        }
#pragma warning disable CA1031 // See ReadWithRequest.
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    /// <summary>Reads the record from the current row, or null when the row cannot be read.</summary>
    public static ExecutionRecord? TryRead(DbDataReader reader, Func<DbDataReader, int, DateTimeOffset> instant)
    {
        try
        {
            return Read(reader, instant);
        }
#pragma warning disable CA1031 // See ReadWithRequest.
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    private static ExecutionRecord Read(DbDataReader reader, Func<DbDataReader, int, DateTimeOffset> instant) => new()
    {
        Id = reader.GetString(0),
        Route = reader.GetString(1),
        Kind = reader.GetString(2),
        Status = Status(reader.GetString(3)),
        Attempt = Attempt(reader.GetValue(4)),
        AcceptedAt = instant(reader, 5),
        StartedAt = reader.IsDBNull(6) ? null : instant(reader, 6),
        FinishedAt = reader.IsDBNull(7) ? null : instant(reader, 7),
        Occurrence = reader.IsDBNull(8) ? null : instant(reader, 8),
        Error = reader.IsDBNull(9) ? null : reader.GetString(9),
        ReplayOf = reader.IsDBNull(10) ? null : reader.GetString(10),
        TraceParent = reader.IsDBNull(11) ? null : reader.GetString(11),
        TraceState = reader.IsDBNull(12) ? null : reader.GetString(12),
        RetryAt = reader.IsDBNull(13) ? null : instant(reader, 13),
        EarlierAttempts = reader.IsDBNull(14) ? [] : StoredAttempts.FromJson(reader.GetString(14)),
    };

    private static ExecutionStatus Status(string text) =>
        Enum.GetNames<ExecutionStatus>().Contains(text, StringComparer.Ordinal)
            ? Enum.Parse<ExecutionStatus>(text)
            : throw new FormatException($"The status '{text}' is not one ApiRoutes writes.");

    // A row outside 1 … MaxAttempt was not written by ApiRoutes (damaged, or edited by hand): unreadable, recorded as failed.
    private static int Attempt(object value) => value switch
    {
        long n when n is >= 1 and <= MaxAttempt => (int)n,
        int n when n is >= 1 and <= MaxAttempt => n,
        _ => throw new FormatException($"The attempt '{value}' is not a number from 1 to {MaxAttempt}."),
    };

    private static string? Text(DbDataReader reader, int column)
    {
        try
        {
            return reader.IsDBNull(column) ? null : reader.GetValue(column).ToString();
        }
#pragma warning disable CA1031 // See ReadWithRequest.
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }
}
