using System.Data.Common;

namespace ApiRoutes.Storage;

/// <summary>
/// An <see cref="OccurrenceRecord"/> as the durable stores keep it (<c>schedule_occurrences</c>: one row per route,
/// occurrence and outcome), read with the status of its execution. A row that cannot be read is left out.
/// </summary>
internal static class StoredOccurrence
{
    /// <summary>
    /// The query's SELECT (newest occurrence first) over <paramref name="occurrences"/> joined with
    /// <paramref name="executions"/>, with its values in order (see <see cref="ExecutionQuery.Where"/>).
    /// </summary>
    public static (string Sql, IReadOnlyList<object> Values) Select(
        string occurrences, string executions, OccurrenceQuery query, Func<int, string> placeholder, Func<DateTimeOffset, object> instant)
    {
        var conditions = new List<string>();
        var values = new List<object>();
        string Add(object value)
        {
            values.Add(value);
            return placeholder(values.Count - 1);
        }

        if (query.Route is { } route)
        {
            conditions.Add($"o.route = {Add(route)}");
        }

        if (query.Since is { } since)
        {
            conditions.Add($"o.occurrence >= {Add(instant(since))}");
        }

        if (query.Until is { } until)
        {
            conditions.Add($"o.occurrence < {Add(instant(until))}");
        }

        var where = conditions.Count == 0 ? "" : "WHERE " + string.Join(" AND ", conditions);
        var sql = $"""
            SELECT o.route, o.occurrence, o.outcome, o.execution_id, o.detail, o.recorded_at, e.status
            FROM {occurrences} o LEFT JOIN {executions} e ON e.id = o.execution_id
            {where}
            ORDER BY o.occurrence DESC, o.route, o.outcome
            LIMIT {Add((long)query.Limit)}
            """;
        return (sql, values);
    }

    /// <summary>The record of the current row (columns as <see cref="Select"/> names them), or null when it cannot be read.</summary>
    public static OccurrenceRecord? TryRead(DbDataReader reader, Func<DbDataReader, int, DateTimeOffset> instant)
    {
        try
        {
            return new OccurrenceRecord
            {
                Route = reader.GetString(0),
                Occurrence = instant(reader, 1),
                Outcome = OccurrenceRecord.Parse(reader.GetString(2)) ?? throw new FormatException($"The outcome '{reader.GetString(2)}' is not one ApiRoutes writes."),
                ExecutionId = reader.IsDBNull(3) ? null : reader.GetString(3),
                Detail = reader.IsDBNull(4) ? null : reader.GetString(4),
                RecordedAt = instant(reader, 5),
                ExecutionStatus = reader.IsDBNull(6) || !Enum.TryParse<ExecutionStatus>(reader.GetString(6), out var status) ? null : status,
            };
        }
#pragma warning disable CA1031 // A stored row is input like any other: one that cannot be read is left out.
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    /// <summary>The longest detail kept with a record (a refusal's reason), so no row grows without bound.</summary>
    public static string? Bounded(string? detail) => detail is { Length: > 1000 } ? detail[..1000] + "…" : detail;
}
