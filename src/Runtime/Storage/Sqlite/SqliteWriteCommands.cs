using ApiRoutes.Execution;
using Microsoft.Data.Sqlite;

namespace ApiRoutes.Storage;

/// <summary>
/// One write of the SQLite store: an execution (new, with its request, or a change of state), a schedule claim, or an
/// occurrence record. The request is its JSON in UTF-8 (<see cref="StoredRequest.ToUtf8Json"/>), bound as the text it is.
/// </summary>
internal sealed record SqliteWrite(ExecutionRecord? Record, byte[]? Request, byte[]? Body)
{
    public ScheduleClaim? Schedule { get; init; }

    public OccurrenceRecord? Occurrence { get; init; }

    /// <summary>Writes nothing of its own: readiness's proof that a write still goes through the log and its flush.</summary>
    public bool Probe { get; init; }

    /// <summary>A new execution's idempotency key: inserted only when no execution of its route holds the key.</summary>
    public IdempotencyKey? Key { get; init; }
}

/// <summary>
/// The claim of one schedule occurrence by one execution; with <paramref name="Skipped"/>, its skip: the execution is the
/// run that still went when it came (review 47C F1).
/// </summary>
internal sealed record ScheduleClaim(string Route, DateTimeOffset Occurrence, string ExecutionId, DateTimeOffset ClaimedAt, bool Skipped = false);

/// <summary>The SQLite store's prepared write statements, on its one write connection.</summary>
internal sealed class SqliteWriteCommands : IDisposable
{
    // A stored instant exactly as Format writes it (UTC, seven decimals, Z), so that instants compare as text; any other
    // text, a damaged or hand-edited row's, is no instant (SqliteExecutionStore.TryParse reads them alike).
    internal const string Instant = "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9][0-9]Z'";

    private readonly SqliteRawStatement _insert;
    private readonly SqliteRawStatement _update;
    private readonly SqliteRawStatement _insertKeyed;
    private readonly SqliteCommand _claim;
    private readonly SqliteCommand _skip;
    private readonly SqliteCommand _lastRun;
    private readonly SqliteCommand _occurrence;

    public SqliteWriteCommands(SqliteConnection connection)
    {
        // The hot writes: an accepted execution (a row of its own), and a change of its state (seven columns of it). A
        // success also deletes the request, which nothing reads again (only failures are replayed; review 38b's note:
        // its headers and body stayed for the whole retention); BindRow leaves it out of a row first written succeeded.
        _insert = new SqliteRawStatement(connection, $"""
            INSERT INTO executions ({StoredRecord.Columns}, request, body)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
            ON CONFLICT (id) DO UPDATE SET status = excluded.status, attempt = excluded.attempt, started_at = excluded.started_at,
                finished_at = excluded.finished_at, error = excluded.error, retry_at = excluded.retry_at, earlier_attempts = excluded.earlier_attempts,
                request = CASE WHEN excluded.status = 'Succeeded' THEN NULL ELSE request END,
                body = CASE WHEN excluded.status = 'Succeeded' THEN NULL ELSE body END
            """);
        // A new execution under an idempotency key: nothing when its route has an execution with that key (the unique
        // index executions_idempotency); its id is new, so that is the only conflict it can meet.
        _insertKeyed = new SqliteRawStatement(connection, $"""
            INSERT INTO executions ({StoredRecord.Columns}, request, body, idempotency_key, request_hash)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)
            ON CONFLICT DO NOTHING
            """);
        // The same numbers as the insert's: both are bound by BindState.
        _update = new SqliteRawStatement(connection, """
            UPDATE executions SET status = ?4, attempt = ?5, started_at = ?7, finished_at = ?8, error = ?10, retry_at = ?14, earlier_attempts = ?15,
                request = CASE WHEN ?4 = 'Succeeded' THEN NULL ELSE request END, body = CASE WHEN ?4 = 'Succeeded' THEN NULL ELSE body END
            WHERE id = ?1
            """);
        // Not while paused at the claim's time, nor for an occurrence that came while a pause held (SchedulePauseHistory.Skipping),
        // the latest or one that ended before it; a pause row whose times are not instants does not hold (as
        // GetPausesAsync leaves it out).
        _claim = Prepare(connection, $"""
            INSERT INTO schedule_runs (route, occurrence, execution_id, claimed_at)
            SELECT $route, $occurrence, $execution_id, $claimed_at
            WHERE NOT EXISTS (
                SELECT 1 FROM schedule_pauses WHERE route = $route AND paused_at GLOB {Instant}
                    AND (until IS NULL OR (until GLOB {Instant} AND (until > $claimed_at OR (paused_at <= $occurrence AND until > $occurrence)))))
            AND NOT EXISTS (
                SELECT 1 FROM schedule_pauses_ended WHERE route = $route AND paused_at GLOB {Instant} AND until GLOB {Instant}
                    AND paused_at <= $occurrence AND until > $occurrence)
            ON CONFLICT (route, occurrence) DO NOTHING
            """, "$route", "$occurrence", "$execution_id", "$claimed_at");
        // A skip takes the claim whatever the pauses: the occurrence is not run either way, and its record says why.
        _skip = Prepare(connection, """
            INSERT INTO schedule_runs (route, occurrence, execution_id, claimed_at, skipped) VALUES ($route, $occurrence, $execution_id, $claimed_at, 1)
            ON CONFLICT (route, occurrence) DO NOTHING
            """, "$route", "$occurrence", "$execution_id", "$claimed_at");
        _lastRun = Prepare(connection, $"""
            INSERT INTO schedules (route, last_occurrence) VALUES ($route, $occurrence)
            ON CONFLICT (route) DO UPDATE SET last_occurrence = CASE
                WHEN last_occurrence GLOB {Instant} AND last_occurrence > excluded.last_occurrence THEN last_occurrence
                ELSE excluded.last_occurrence END
            """, "$route", "$occurrence");
        _occurrence = Prepare(connection, """
            INSERT INTO schedule_occurrences (route, occurrence, outcome, execution_id, detail, recorded_at)
            VALUES ($route, $occurrence, $outcome, $execution_id, $detail, $recorded_at)
            ON CONFLICT (route, occurrence, outcome) DO NOTHING
            """, "$route", "$occurrence", "$outcome", "$execution_id", "$detail", "$recorded_at");
    }

    public void Enlist(SqliteTransaction transaction) => _claim.Transaction = _skip.Transaction = _lastRun.Transaction = _occurrence.Transaction = transaction;

    /// <summary>
    /// Writes an execution: a new one as a row of its own, a change of state as an update of its row's state columns
    /// (the whole row when it has none, as for a change that reached the store before its execution did).
    /// </summary>
    public bool Upsert(SqliteWrite write)
    {
        var record = write.Record!;
        if (write.Request is null && BindState(_update, record).Execute() == 1)
        {
            return true;
        }

        BindRow(_insert, write).Execute();
        return true;
    }

    /// <summary>Inserts a new execution under its idempotency key; false when its route has an execution with that key.</summary>
    public bool InsertKeyed(SqliteWrite write)
    {
        BindRow(_insertKeyed, write);
        _insertKeyed.Text(18, write.Key!.Value);
        _insertKeyed.Text(19, write.Key.Fingerprint);
        return _insertKeyed.Execute() == 1;
    }

    /// <summary>
    /// Claims the occurrence; true only for the first claim of it, which also becomes the schedule's last run (the
    /// schedules row: this release reads the claims themselves, an earlier one run after a rollback reads the row), and
    /// never while the schedule is paused.
    /// </summary>
    public bool Claim(ScheduleClaim run)
    {
        var claim = run.Skipped ? _skip : _claim;
        Bind(claim, run.Route, Format(run.Occurrence), run.ExecutionId, Format(run.ClaimedAt));
        if (claim.ExecuteNonQuery() != 1)
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
        _insert.Dispose();
        _insertKeyed.Dispose();
        _update.Dispose();
        _claim.Dispose();
        _skip.Dispose();
        _lastRun.Dispose();
    }

    // The whole row, at the insert's positions (?1 to ?17).
    private static SqliteRawStatement BindRow(SqliteRawStatement statement, SqliteWrite write)
    {
        var record = write.Record!;
        BindState(statement, record);
        statement.Text(2, record.Route);
        statement.Text(3, record.Kind);
        statement.Instant(6, record.AcceptedAt);
        statement.Instant(9, record.Occurrence);
        statement.Text(11, record.ReplayOf);
        statement.Text(12, record.TraceParent);
        statement.Text(13, record.TraceState);
        var kept = record.Status != ExecutionStatus.Succeeded;
        statement.Utf8(16, kept ? write.Request : null);
        statement.Blob(17, kept ? write.Body : null);
        return statement;
    }

    // The id and the columns a change of state sets, at the insert's positions (?1, ?4, ?5, ?7, ?8, ?10, ?14, ?15).
    private static SqliteRawStatement BindState(SqliteRawStatement statement, ExecutionRecord record)
    {
        statement.Text(1, record.Id);
        statement.Text(4, record.Status.ToString());
        statement.Integer(5, record.Attempt);
        statement.Instant(7, record.StartedAt);
        statement.Instant(8, record.FinishedAt);
        statement.Text(10, record.Error);
        statement.Instant(14, record.RetryAt);
        statement.Text(15, StoredAttempts.ToJson(record.EarlierAttempts));
        return statement;
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
