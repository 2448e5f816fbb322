using Microsoft.Data.Sqlite;

namespace ApiRoutes.Storage;

/// <summary>
/// One write of the SQLite store: an execution (new, with its request, or a change of state), a schedule claim, or an
/// occurrence record.
/// </summary>
internal sealed record SqliteWrite(ExecutionRecord? Record, string? Request, byte[]? Body)
{
    public ScheduleClaim? Schedule { get; init; }

    public OccurrenceRecord? Occurrence { get; init; }
}

/// <summary>The claim of one schedule occurrence by one execution.</summary>
internal sealed record ScheduleClaim(string Route, DateTimeOffset Occurrence, string ExecutionId, DateTimeOffset ClaimedAt);

/// <summary>The SQLite store's prepared write statements, on its one write connection.</summary>
internal sealed class SqliteWriteCommands : IDisposable
{
    private readonly SqliteCommand _upsert;
    private readonly SqliteCommand _claim;
    private readonly SqliteCommand _lastRun;
    private readonly SqliteCommand _occurrence;

    public SqliteWriteCommands(SqliteConnection connection)
    {
        _upsert = Prepare(connection, $"""
            INSERT INTO executions ({StoredRecord.Columns}, request, body)
            VALUES ($id, $route, $kind, $status, $attempt, $accepted_at, $started_at, $finished_at, $occurrence, $error, $replay_of, $trace_parent, $trace_state, $request, $body)
            ON CONFLICT (id) DO UPDATE SET status = excluded.status, attempt = excluded.attempt, started_at = excluded.started_at,
                finished_at = excluded.finished_at, error = excluded.error
            """, "$id", "$route", "$kind", "$status", "$attempt", "$accepted_at", "$started_at", "$finished_at", "$occurrence", "$error", "$replay_of", "$trace_parent", "$trace_state", "$request", "$body");
        _claim = Prepare(connection, """
            INSERT INTO schedule_runs (route, occurrence, execution_id, claimed_at) VALUES ($route, $occurrence, $execution_id, $claimed_at)
            ON CONFLICT (route, occurrence) DO NOTHING
            """, "$route", "$occurrence", "$execution_id", "$claimed_at");
        _lastRun = Prepare(connection, """
            INSERT INTO schedules (route, last_occurrence) VALUES ($route, $occurrence)
            ON CONFLICT (route) DO UPDATE SET last_occurrence = CASE
                WHEN last_occurrence GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*'
                    AND last_occurrence > excluded.last_occurrence THEN last_occurrence
                ELSE excluded.last_occurrence END
            """, "$route", "$occurrence");
        _occurrence = Prepare(connection, """
            INSERT INTO schedule_occurrences (route, occurrence, outcome, execution_id, detail, recorded_at)
            VALUES ($route, $occurrence, $outcome, $execution_id, $detail, $recorded_at)
            ON CONFLICT (route, occurrence, outcome) DO NOTHING
            """, "$route", "$occurrence", "$outcome", "$execution_id", "$detail", "$recorded_at");
    }

    public void Enlist(SqliteTransaction transaction) => _upsert.Transaction = _claim.Transaction = _lastRun.Transaction = _occurrence.Transaction = transaction;

    public bool Upsert(SqliteWrite write)
    {
        var record = write.Record!;
        Bind(_upsert, record.Id, record.Route, record.Kind, record.Status.ToString(), record.Attempt, Format(record.AcceptedAt),
            Format(record.StartedAt), Format(record.FinishedAt), Format(record.Occurrence), record.Error, record.ReplayOf, record.TraceParent, record.TraceState, write.Request, write.Body);
        _upsert.ExecuteNonQuery();
        return true;
    }

    /// <summary>Claims the occurrence; true only for the first claim of it, which also becomes the schedule's last run.</summary>
    public bool Claim(ScheduleClaim run)
    {
        Bind(_claim, run.Route, Format(run.Occurrence), run.ExecutionId, Format(run.ClaimedAt));
        if (_claim.ExecuteNonQuery() != 1)
        {
            return false;
        }

        Bind(_lastRun, run.Route, Format(run.Occurrence));
        _lastRun.ExecuteNonQuery();
        return true;
    }

    /// <summary>Records an occurrence's outcome; false when that outcome of it was recorded before.</summary>
    public bool Record(OccurrenceRecord record)
    {
        Bind(_occurrence, record.Route, Format(record.Occurrence), OccurrenceRecord.Name(record.Outcome), record.ExecutionId,
            StoredOccurrence.Bounded(record.Detail), Format(record.RecordedAt));
        return _occurrence.ExecuteNonQuery() == 1;
    }

    public void Dispose()
    {
        _occurrence.Dispose();
        _upsert.Dispose();
        _claim.Dispose();
        _lastRun.Dispose();
    }

    private static string? Format(DateTimeOffset? instant) => SqliteExecutionStore.Format(instant);

    private static SqliteCommand Prepare(SqliteConnection connection, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }

    private static void Bind(SqliteCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
    }
}
