using System.Data.Common;
using System.Globalization;
using ApiRoutes.Diagnostics;
using ApiRoutes.Execution;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Storage;

/// <summary>
/// The embedded default store: one SQLite file (<see cref="SqliteSchema"/>), held by one process. Writes go through
/// the <see cref="GroupCommitWriter{TWrite}"/> on the one write connection: whatever arrived while the last
/// transaction ran goes into the next, so thousands of accepted requests a second cost tens of commits, not
/// thousands. Reads use connections of their own.
/// </summary>
internal sealed class SqliteExecutionStore : IExecutionStore, IAsyncDisposable
{
    private readonly string _connectionString;
    private readonly SqliteConnection _writeConnection;
    private readonly GroupCommitWriter<SqliteWrite> _writer;
    private volatile bool _logNotCut;   // the last prune's checkpoint could not cut the log (one prune runs at a time)
    private readonly SqliteWriteCommands _commands;
    private readonly TimeProvider _time;
    private readonly StoreLock _held;
    private readonly Action<string>? _damaged;
    private readonly ILogger? _logger;
    private volatile bool _closed;

    private SqliteExecutionStore(string path, SqliteConnection writeConnection, StoreLock held, TimeProvider time, ILogger? logger, Action<string>? damaged)
    {
        _held = held;
        _damaged = damaged;
        _logger = logger;
        Path = path;
        _time = time;
        // Reads and the probe open the file that is there, never make one: after the file was deleted, a probe made an
        // empty store in its place, with the umask's mode (review 25d F4).
        _connectionString = new SqliteConnectionStringBuilder(writeConnection.ConnectionString) { Mode = SqliteOpenMode.ReadWrite }.ToString();
        _writeConnection = writeConnection;
        _commands = new SqliteWriteCommands(writeConnection);
        _writer = new GroupCommitWriter<SqliteWrite>(
            CommitAsync,
            // A new execution is not kept on failure (its request was answered 503); changes of state are.
            write => write is { Record: { } record, Request: null } ? record.Id : null,
            (e, kept) => e is SqliteException sqlite && SqliteDamage.Is(sqlite)
                ? Unavailable("written", sqlite)
                : new ExecutionStoreUnavailableException(
                    $"The execution store '{path}' cannot be written: {e.Message}" + (kept ? " The change is kept and written when the store can be written again." : ""), e),
            time,
            // SQLITE_TOOBIG, SQLITE_CONSTRAINT, SQLITE_MISMATCH: that write's data.
            e => WriteFailure.IsDataError(e, error => error is SqliteException { SqliteErrorCode: 18 or 19 or 20 }),
            (write, e) => logger?.KeptWriteDropped(write.Record?.Id ?? "?", e),
            // Who awaits its writes goes on briefly (a 202, a claimed occurrence queued): told a batch at a time.
            releaseTogether: true);
    }

    public string Path { get; }

    public bool IsDurable => true;

    /// <summary>Opens (creating if needed) the database file and its schema.</summary>
    /// <param name="path">The database file.</param>
    /// <param name="time">The clock of schedule claims (for pruning them); the system's by default.</param>
    /// <param name="logger">Where a kept change that is dropped after all is logged (2040).</param>
    /// <param name="damaged">Told what is wrong when SQLite finds the file damaged in a read or a write (<see cref="StoreDamage"/>).</param>
    /// <exception cref="ExecutionStoreUnavailableException">The file cannot be created or opened.</exception>
    public static SqliteExecutionStore Open(string path, TimeProvider? time = null, ILogger? logger = null, Action<string>? damaged = null)
    {
        return Open(path, SqliteSchema.Open(path), time ?? TimeProvider.System, logger, damaged);
    }

    /// <summary>The store on a file <see cref="SqliteSchema.Open"/> opened already (<see cref="SqliteStorePreload"/>).</summary>
    internal static SqliteExecutionStore Open(string path, (SqliteConnection Connection, StoreLock Held) opened, TimeProvider time, ILogger? logger = null, Action<string>? damaged = null)
    {
        try
        {
            return new(path, opened.Connection, opened.Held, time, logger, damaged);
        }
        catch (SqliteException e)
        {
            // The statements are prepared here: one the file refuses failed the start with SQLite's raw error, and kept the
            // file's lock, so the next open in this process said the file was in use by another, this one (review 35c F4).
            opened.Connection.Dispose();
            opened.Held.Dispose();
            throw new ExecutionStoreUnavailableException(
                SqliteDamage.Is(e) ? SqliteDamage.Describe(path, e)
                : $"The execution store '{path}' cannot be opened: {e.Message} {SqliteDamage.Mend}",
                e);
        }
    }

    public Task AddAsync(ExecutionRecord record, RequestSnapshot? request, CancellationToken cancellationToken) =>
        _writer.WriteAsync(request is null ? new SqliteWrite(record, null, null) : new SqliteWrite(record, StoredRequest.ToUtf8Json(request), request.BodyArray()));

    public Task UpdateAsync(ExecutionRecord record, CancellationToken cancellationToken) => _writer.WriteAsync(new SqliteWrite(record, null, null));

    // The insert finds the key taken (in an earlier batch, or earlier in its own): the execution that holds it is read once
    // the batch committed. One that is pruned meanwhile leaves the key free: tried again, a few times.
    public Task<KeyedAdd> AddOnceAsync(ExecutionRecord record, RequestSnapshot request, IdempotencyKey key, CancellationToken cancellationToken)
    {
        var write = new SqliteWrite(record, StoredRequest.ToUtf8Json(request), request.BodyArray()) { Key = key };
        return KeyedAdd.AddOnceAsync(this, record, key, () => _writer.WriteAsync(write), $"The execution store '{Path}'", cancellationToken);
    }

    public async Task<KeyedAdd?> FindKeyAsync(string route, IdempotencyKey key, CancellationToken cancellationToken)
    {
        IReadOnlyList<string[]> held;
        try
        {
            held = await ReadAllAsync(
                "SELECT id, request_hash FROM executions WHERE route = $p0 AND idempotency_key = $p1",
                [route, key.Value],
                reader => new[] { reader.GetString(0), reader.IsDBNull(1) ? "" : reader.GetString(1) },
                cancellationToken);
        }
        catch (SqliteException e)
        {
            throw Unavailable("read", e);
        }

        return held.Count > 0 ? new KeyedAdd(held[0][0], held[0][1] == key.Fingerprint) : null;
    }

    // Claimed once, durably: an occurrence already run is not run again, also after a restart (a replayed external
    // trigger). The claim itself checks the pauses; only a refused one reads again why: claimed before, or paused. A
    // refusal whose reason cannot be read is a refusal still.
    public async Task<OccurrenceClaim> ClaimOccurrenceAsync(string route, DateTimeOffset occurrence, string executionId, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (await _writer.WriteAsync(new SqliteWrite(null, null, null) { Schedule = new ScheduleClaim(route, occurrence, executionId, now) }))
        {
            return new OccurrenceClaim(true);
        }

        try
        {
            return await HeldAsync(route, occurrence, executionId, cancellationToken)
                ?? new OccurrenceClaim(false, Paused: new SchedulePauseHistory([.. (await GetPausesAsync(cancellationToken)).Where(pause => pause.Route == route)]).Skipping(occurrence, now));
        }
        catch (Exception e) when (e is ExecutionStoreUnavailableException or SqliteException or IOException)
        {
            return new OccurrenceClaim(false);
        }
    }

    // The skip's claim, in the same table and the same write as a run's (review 47C F1), so that no claim after it lands.
    public async Task<OccurrenceClaim> SkipOccurrenceAsync(string route, DateTimeOffset occurrence, string runningId, CancellationToken cancellationToken)
    {
        if (await _writer.WriteAsync(new SqliteWrite(null, null, null) { Schedule = new ScheduleClaim(route, occurrence, runningId, _time.GetUtcNow(), Skipped: true) }))
        {
            return new OccurrenceClaim(true);
        }

        try
        {
            return await HeldAsync(route, occurrence, executionId: null, cancellationToken) ?? new OccurrenceClaim(false);
        }
        catch (Exception e) when (e is ExecutionStoreUnavailableException or SqliteException or IOException)
        {
            return new OccurrenceClaim(false);
        }
    }

    // What holds an occurrence's claim, or null when nothing does: a skip (review 47C F1), or a run's claim — this very
    // execution's its claim still, asked again after an answer that was lost (review 38a F2).
    private async Task<OccurrenceClaim?> HeldAsync(string route, DateTimeOffset occurrence, string? executionId, CancellationToken cancellationToken)
    {
        var claimed = await ReadAllAsync(
            "SELECT execution_id, skipped FROM schedule_runs WHERE route = $p0 AND occurrence = $p1",
            [route, Format(occurrence)!],
            reader => Tuple.Create(reader.GetString(0), reader.GetInt64(1) != 0),
            cancellationToken);
        return claimed.Count == 0 ? null
            : claimed[0].Item2 ? new OccurrenceClaim(false, SkippedFor: claimed[0].Item1)
            : new OccurrenceClaim(executionId is not null && claimed[0].Item1 == executionId);
    }

    // Only the claim of that execution: one of the occurrence by another (an external trigger's) stays (review 35b F2).
    // The schedules row, which an earlier release run after a rollback reads, says the latest claim left.
    public Task ReleaseClaimsAsync(string route, IReadOnlyCollection<OccurrenceClaimed> claims, CancellationToken cancellationToken)
    {
        if (claims.Count == 0)
        {
            return Task.CompletedTask;
        }

        var sql = new System.Text.StringBuilder("BEGIN IMMEDIATE;\n");
        var values = new List<(string Name, object Value)> { ("$route", route) };
        foreach (var (claim, index) in claims.Select((claim, index) => (claim, index)))
        {
            sql.Append(CultureInfo.InvariantCulture, $"DELETE FROM schedule_runs WHERE route = $route AND occurrence = $o{index} AND execution_id = $e{index};\n");
            values.Add(($"$o{index}", Format(claim.Occurrence)!));
            values.Add(($"$e{index}", claim.ExecutionId));
        }

        sql.Append($"""
            UPDATE schedules SET last_occurrence = (SELECT max(occurrence) FROM schedule_runs WHERE route = $route AND occurrence GLOB {SqliteWriteCommands.Instant})
                WHERE route = $route AND EXISTS (SELECT 1 FROM schedule_runs WHERE route = $route AND occurrence GLOB {SqliteWriteCommands.Instant});
            COMMIT;
            """);
        return WriteAsync(sql.ToString(), values, cancellationToken);
    }

    // From the claims themselves (the schedules row holds only the latest); a stored value that is not an instant counts as
    // no claim (a stored row is not trusted).
    public async Task<LastClaims> GetLastOccurrenceAsync(string route, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT (SELECT max(occurrence) FROM schedule_runs WHERE route = $route AND occurrence GLOB {SqliteWriteCommands.Instant}),
                (SELECT max(occurrence) FROM schedule_runs WHERE route = $route AND occurrence GLOB {SqliteWriteCommands.Instant} AND occurrence <= $now)
            """;
        command.Parameters.AddWithValue("$route", route);
        command.Parameters.AddWithValue("$now", Format(now));
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            return new LastClaims(Instant(reader, 0), Instant(reader, 1));
        }
        catch (SqliteException e)
        {
            throw Unavailable("read", e);
        }

        static DateTimeOffset? Instant(SqliteDataReader reader, int column) => TryParse(reader.GetValue(column) as string, out var instant) ? instant : null;
    }

    public async Task<ServedSchedule> GetServedScheduleAsync(string route, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT schedule, since FROM schedules_served WHERE route = $route";
        command.Parameters.AddWithValue("$route", route);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            // A value that is not one a start wrote is nothing known (and is replaced at the next start's word).
            return await reader.ReadAsync(cancellationToken) && reader.GetValue(0) is string schedule && TryParse(reader.GetValue(1) as string, out var since)
                ? new ServedSchedule(schedule, since)
                : default;
        }
        catch (SqliteException e)
        {
            throw Unavailable("read", e);
        }
    }

    // One transaction: read what was served, and say what is, when it is not the same.
    public async Task<ServedSchedule> ServeScheduleAsync(string route, string schedule, DateTimeOffset from, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        try
        {
            await using (var durable = connection.CreateCommand())
            {
                durable.CommandText = "PRAGMA synchronous = FULL";
                await durable.ExecuteNonQueryAsync(cancellationToken);
            }

            await using var transaction = connection.BeginTransaction(deferred: false);
            await using var read = connection.CreateCommand();
            read.Transaction = transaction;
            read.CommandText = "SELECT schedule, since FROM schedules_served WHERE route = $route";
            read.Parameters.AddWithValue("$route", route);
            var before = default(ServedSchedule);
            await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
            {
                if (await reader.ReadAsync(cancellationToken))
                {
                    // A value that is not one a start wrote is no schedule known (and is replaced).
                    before = new ServedSchedule(
                        reader.GetValue(0) as string, TryParse(reader.GetValue(1) as string, out var since) ? since : null);
                }
            }

            if (before.Schedule != schedule || before.Since is not { } known || known > from)
            {
                await using var write = connection.CreateCommand();
                write.Transaction = transaction;
                write.CommandText = """
                    INSERT INTO schedules_served (route, schedule, since) VALUES ($route, $schedule, $since)
                    ON CONFLICT (route) DO UPDATE SET schedule = excluded.schedule, since = excluded.since
                    """;
                write.Parameters.AddWithValue("$route", route);
                write.Parameters.AddWithValue("$schedule", schedule);
                write.Parameters.AddWithValue("$since", Format(from)!);
                await write.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            return before.Since is null ? default : before;
        }
        catch (SqliteException e)
        {
            throw Unavailable("written", e);
        }
    }

    public Task RecordOccurrenceAsync(OccurrenceRecord record, CancellationToken cancellationToken) =>
        _writer.WriteAsync(new SqliteWrite(null, null, null) { Occurrence = record });

    public async Task<IReadOnlyList<OccurrenceRecord>> GetOccurrencesAsync(OccurrenceQuery query, CancellationToken cancellationToken)
    {
        var (sql, values) = StoredOccurrence.Select("schedule_occurrences", "executions", query, Placeholder, instant => Format(instant)!);
        return await ReadAllAsync(sql, values, reader => StoredOccurrence.TryRead(reader, ReadInstant), cancellationToken);
    }

    // A claim whose instants are not the store's own text is left out (TryParse), as a claim of no occurrence; so is a
    // skip's, whose execution is the run that still went, not a run of the occurrence (review 47C F1).
    public Task<IReadOnlyList<ClaimNeverRun>> GetClaimsNeverRunAsync(DateTimeOffset since, DateTimeOffset before, CancellationToken cancellationToken) =>
        ReadAllAsync(
            """
            SELECT r.route, r.occurrence, r.claimed_at FROM schedule_runs r
            WHERE r.claimed_at >= $p0 AND r.claimed_at < $p1
                AND r.skipped = 0 AND NOT EXISTS (SELECT 1 FROM executions e WHERE e.id = r.execution_id)
                AND NOT EXISTS (SELECT 1 FROM schedule_occurrences o WHERE o.route = r.route AND o.occurrence = r.occurrence AND o.outcome <> 'refused')
            ORDER BY r.claimed_at LIMIT 1000
            """,
            [Format(since)!, Format(before)!],
            reader => reader.GetValue(0) is not string route || !TryParse(reader.GetValue(1) as string, out var occurrence) || !TryParse(reader.GetValue(2) as string, out var claimedAt)
                ? null
                : new ClaimNeverRun(route, occurrence, claimedAt),
            cancellationToken);

    // As the claims never run, of those whose run is there. Of occurrences since then too: the prune removes records by
    // their occurrence and claims by when they were made, and a catch-up's claim, made long after its occurrence,
    // outlives its record (review 44c F4: each start recorded it ran "after a crash" again). A record that it was
    // claimed elsewhere (a restart's scheduler met the claim) says nothing of the run (44c F5). A skip's claim whether
    // the run it names is there or not (review 48A F1: killed before the skip's record, it was never recorded).
    public Task<IReadOnlyList<ClaimRunUnrecorded>> GetClaimsRunUnrecordedAsync(DateTimeOffset since, DateTimeOffset before, CancellationToken cancellationToken) =>
        ReadAllAsync(
            """
            SELECT r.route, r.occurrence, r.execution_id, r.skipped FROM schedule_runs r
            WHERE r.claimed_at >= $p0 AND r.claimed_at < $p1 AND r.occurrence >= $p0
                AND (r.skipped <> 0 OR EXISTS (SELECT 1 FROM executions e WHERE e.id = r.execution_id))
                AND NOT EXISTS (SELECT 1 FROM schedule_occurrences o WHERE o.route = r.route AND o.occurrence = r.occurrence AND o.outcome NOT IN ('refused', 'claimed_elsewhere'))
            ORDER BY r.claimed_at LIMIT 1000
            """,
            [Format(since)!, Format(before)!],
            reader => reader.GetValue(0) is not string route || !TryParse(reader.GetValue(1) as string, out var occurrence) || reader.GetValue(2) is not string id
                ? null
                : new ClaimRunUnrecorded(route, occurrence, id) { Skipped = reader.GetInt64(3) != 0 },
            cancellationToken);

    // A stored row is not trusted: one whose times are not instants is left out (the schedule is not paused).
    public Task<IReadOnlyList<SchedulePause>> GetPausesAsync(CancellationToken cancellationToken) =>
        ReadAllAsync("SELECT route, until, paused_at, 0 FROM schedule_pauses UNION ALL SELECT route, until, paused_at, 1 FROM schedule_pauses_ended", [], reader =>
            reader.IsDBNull(0) || reader.IsDBNull(2) || !TryParse(reader.GetValue(2) as string, out var pausedAt) ? null
            : reader.IsDBNull(1) ? new SchedulePause(reader.GetString(0), null, pausedAt, reader.GetInt64(3) == 1)
            : TryParse(reader.GetValue(1) as string, out var until) ? new SchedulePause(reader.GetString(0), until, pausedAt, reader.GetInt64(3) == 1)
            : null,
            cancellationToken);

    // Rare and small: on a connection of its own, committed (synchronous FULL) before it returns. The latest pause of
    // another start is kept as ended (SchedulePause.EndedBy) in the same transaction — not one whose times are not
    // instants, which is no pause (review 32c F4: it became a span from its start to the new one's) —; a connection that
    // fails half-way rolls it back as it closes.
    public Task SetPauseAsync(SchedulePause pause, CancellationToken cancellationToken) =>
        WriteAsync(
            $"""
            BEGIN IMMEDIATE;
            INSERT INTO schedule_pauses_ended (route, paused_at, until)
                SELECT route, paused_at, CASE WHEN until GLOB {SqliteWriteCommands.Instant} AND until <= $pausedAt THEN until ELSE $pausedAt END
                FROM schedule_pauses WHERE route = $route AND paused_at GLOB {SqliteWriteCommands.Instant} AND paused_at <> $pausedAt
                    AND (until IS NULL OR until GLOB {SqliteWriteCommands.Instant})
                ON CONFLICT (route, paused_at) DO UPDATE SET until = excluded.until;
            INSERT INTO schedule_pauses (route, until, paused_at) VALUES ($route, $until, $pausedAt)
                ON CONFLICT (route) DO UPDATE SET until = excluded.until, paused_at = excluded.paused_at;
            COMMIT;
            """,
            [("$route", pause.Route), ("$until", (object?)Format(pause.Until) ?? DBNull.Value), ("$pausedAt", Format(pause.PausedAt)!)],
            cancellationToken);

    public Task EndPausesAsync(string route, DateTimeOffset at, CancellationToken cancellationToken) =>
        WriteAsync(
            $"""
            BEGIN IMMEDIATE;
            UPDATE schedule_pauses SET until = $at WHERE route = $route AND paused_at GLOB {SqliteWriteCommands.Instant}
                AND (until IS NULL OR (until GLOB {SqliteWriteCommands.Instant} AND until > $at));
            UPDATE schedule_pauses_ended SET until = $at WHERE route = $route AND until GLOB {SqliteWriteCommands.Instant} AND until > $at;
            COMMIT;
            """,
            [("$route", route), ("$at", Format(at)!)],
            cancellationToken);

    private async Task WriteAsync(string sql, IReadOnlyList<(string Name, object Value)> values, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA synchronous = FULL; " + sql;
        foreach (var (name, value) in values)
        {
            command.Parameters.AddWithValue(name, value);
        }

        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (SqliteException e)
        {
            throw Unavailable("written", e);
        }
    }

    // Only the text Format writes: the store's statements compare instants as text (SqliteWriteCommands).
    private static bool TryParse(string? text, out DateTimeOffset instant) =>
        DateTimeOffset.TryParseExact(text, "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out instant);

    public Task<IReadOnlyList<ExecutionRecord>> QueryAsync(ExecutionQuery query, CancellationToken cancellationToken)
    {
        var (where, values) = query.Where(Placeholder, instant => Format(instant)!);
        return ReadAllAsync(
            $"SELECT {StoredRecord.ListColumns} FROM executions WHERE {where} ORDER BY accepted_at DESC, id LIMIT {Placeholder(values.Count)}",
            [.. values, (long)query.Limit],
            reader => StoredRecord.TryRead(reader, ReadInstant),
            cancellationToken);
    }

    public async Task<RequestSnapshot?> GetRequestAsync(string id, CancellationToken cancellationToken) =>
        (await ReadAllAsync("SELECT request, body FROM executions WHERE id = $p0", [id], StoredRecord.TryReadRequest, cancellationToken)).SingleOrDefault();

    // A connection of its own takes the write lock and lets it go: the file is there, its tables are, and it can be
    // written (a file on a volume gone read-only, or deleted with its folder, fails here). Then the writes themselves:
    // failing for the store's sake lately (a full disk, a log flush that fails), or a write of its own through the
    // group commit that fails or does not land within the check's time (a flush that hangs).
    public async Task ProbeAsync(CancellationToken cancellationToken)
    {
        await ProbeFileAsync(cancellationToken);
        if (_writer.Health.Failing() is { } failing)
        {
            throw new ExecutionStoreUnavailableException($"The execution store '{Path}' cannot be written: {failing}");
        }

        await _writer.WriteAsync(new SqliteWrite(null, null, null) { Probe = true }).WaitAsync(cancellationToken);
    }

    private async Task ProbeFileAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "BEGIN IMMEDIATE; SELECT count(*) FROM executions WHERE id = ''; ROLLBACK;";
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (SqliteException e)
        {
            throw Unavailable("written", e);
        }
    }

    public async Task<ExecutionRecord?> FindAsync(string id, CancellationToken cancellationToken) =>
        (await ReadAllAsync($"SELECT {StoredRecord.Columns} FROM executions WHERE id = $p0", [id], reader => StoredRecord.TryRead(reader, ReadInstant), cancellationToken))
            .SingleOrDefault();

    // With runnableAt, the row ids first, from the index on unfinished rows alone (executions_unfinished_order: retry_at sits
    // after the request and body in each row, and reads that judged it from the rows went through every unfinished row's
    // body: review 42b F1); then those rows. Rows that can run then, oldest first; then retries still waiting, soonest due
    // first (review 42b F2). A retry's due time counts as still to come only on a queued row and in the form this store
    // writes (one on a running row, which recovery runs at once, and a text in another form, which recovery judges by the
    // time it reads, come with the rows that can run: review 42b F3). A row that changes
    // between the reads (this process's own, held here: recovery skips it) may be in both or neither, or finished by the
    // last (then left out).
    public async Task<IReadOnlyList<StoredExecution>> GetUnfinishedAsync(int limit, DateTimeOffset? runnableAt, CancellationToken cancellationToken)
    {
        if (runnableAt is null)
        {
            return await ReadAllAsync(
                $"SELECT {StoredRecord.Columns}, request, body FROM executions WHERE status IN ('Queued', 'Running') ORDER BY accepted_at LIMIT $p0",
                [limit],
                reader => StoredRecord.ReadWithRequest(reader, ReadInstant),
                cancellationToken);
        }

        const string RowIds = "SELECT rowid FROM executions INDEXED BY executions_unfinished_order WHERE status IN ('Queued', 'Running')";
        const string Waits = $"status = 'Queued' AND retry_at > $p1 AND retry_at GLOB '{InstantPattern}'";
        var at = Format(runnableAt)!;
        var rowIds = await ReadAllAsync($"{RowIds} AND NOT coalesce({Waits}, 0) ORDER BY accepted_at LIMIT $p0", [limit, at], RowId, cancellationToken);
        if (rowIds.Count < limit)
        {
            rowIds = [.. rowIds, .. await ReadAllAsync($"{RowIds} AND {Waits} ORDER BY retry_at, accepted_at LIMIT $p0", [limit - rowIds.Count, at], RowId, cancellationToken)];
        }

        if (rowIds.Count == 0)
        {
            return [];
        }

        // The row id last: StoredRecord reads the columns by their place.
        var rows = new Dictionary<string, StoredExecution>(StringComparer.Ordinal);
        await ReadAllAsync(
            $"SELECT {StoredRecord.Columns}, request, body, rowid FROM executions WHERE rowid IN (SELECT value FROM json_each($p0)) AND status IN ('Queued', 'Running')",
            ["[" + string.Join(',', rowIds) + "]"],
            reader => rows[RowIdAt(reader, reader.FieldCount - 1)] = StoredRecord.ReadWithRequest(reader, ReadInstant),
            cancellationToken);
        return [.. rowIds.Distinct(StringComparer.Ordinal).Where(rows.ContainsKey).Select(rowId => rows[rowId])];

        static string RowId(SqliteDataReader reader) => RowIdAt(reader, 0);

        static string RowIdAt(SqliteDataReader reader, int column) => reader.GetInt64(column).ToString(CultureInfo.InvariantCulture);
    }

    // What to do once the file under the store's name is not the one open here (new work and reads are refused).
    private const string ReopenAdvice = "Restart the app to open the store under its name again (an empty one if no file is there).";

    // The form of every instant this store writes (Format), to the tick: 2026-01-01T00:00:00.0000000Z.
    private const string InstantPattern = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9][0-9]Z";

    // Also forgets old schedule claims, but each schedule's latest and its latest not ahead of now (a claim outlives the
    // trigger tolerance by far; the start-up counts what was missed from the latter), and old
    // occurrence records, but each schedule's latest that is not a refusal (the start-up counts what was missed from it).
    /// <summary>How many executions one transaction of <see cref="PruneAsync"/> removes at most.</summary>
    internal int PruneChunk { get; set; } = 1_000;

    public async Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        // What is deleted is zeroed, not only unlinked: a pruned request's query, headers and body stayed readable in the
        // file until SQLite reused the space (review 38b F2). ON, as on the write connection (SqliteSchema.Open).
        await using (var secure = connection.CreateCommand())
        {
            secure.CommandText = "PRAGMA secure_delete = ON";
            await secure.ExecuteNonQueryAsync(cancellationToken);
        }

        var deletedRows = await DeleteAsync("""
            DELETE FROM schedule_runs WHERE claimed_at < $before
                AND occurrence < (SELECT max(m.occurrence) FROM schedule_runs m WHERE m.route = schedule_runs.route AND m.occurrence <= $now)
            """);
        deletedRows += await DeleteAsync("""
            DELETE FROM schedule_occurrences WHERE occurrence < $before
                AND (outcome = 'refused' OR occurrence < (SELECT max(m.occurrence) FROM schedule_occurrences m WHERE m.route = schedule_occurrences.route AND m.outcome <> 'refused'))
            """);
        // A pause that ended stays until the schedule went on past it (a claim, or a start that counted what came while no
        // instance was up, at or after its end): the next start reads it to tell what came while it held (review 31c F6).
        foreach (var table in (string[])["schedule_pauses", "schedule_pauses_ended"])
        {
            deletedRows += await DeleteAsync($"""
                DELETE FROM {table} WHERE until IS NOT NULL AND until < $before
                    AND (until <= (SELECT max(r.occurrence) FROM schedule_runs r WHERE r.route = {table}.route)
                        OR until <= (SELECT s.since FROM schedules_served s WHERE s.route = {table}.route))
                """);
        }

        // The executions in chunks, each its own transaction: one DELETE of millions of rows (the first start after
        // Store:Retention was lowered) held SQLite's one write lock for its whole run, and every 202 waited up to 24 s
        // behind it (review 32b F5). A cursor on rowid: no chunk scans what the ones before it kept.
        // Not the run of a claim kept (each schedule's latest, which the claims' pruning above keeps): a start tells a
        // claim whose run was never written by the run's absence (GetClaimsNeverRunAsync; review 32d F1: pruned, with
        // Store:Retention raised since, it was reported as never run).
        var keep = new List<string>();
        await using (var kept = connection.CreateCommand())
        {
            kept.CommandText = "SELECT execution_id FROM schedule_runs WHERE claimed_at < $before";
            kept.Parameters.AddWithValue("$before", Format(before));
            await using var reader = await kept.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (reader.GetValue(0) is string id)
                {
                    keep.Add(id);
                }
            }
        }

        var (pruned, after) = (0, 0L);
        while (!cancellationToken.IsCancellationRequested)
        {
            await using var chunk = connection.CreateCommand();
            chunk.CommandText = $"""
                DELETE FROM executions WHERE rowid IN (
                    SELECT rowid FROM executions WHERE rowid > $after AND finished_at IS NOT NULL AND finished_at < $before
                        AND status NOT IN ('Queued', 'Running') AND id NOT IN (SELECT value FROM json_each($keep))
                    ORDER BY rowid LIMIT {PruneChunk})
                RETURNING rowid
                """;
            chunk.Parameters.AddWithValue("$after", after);
            chunk.Parameters.AddWithValue("$keep", JsonArray(keep));
            chunk.Parameters.AddWithValue("$before", Format(before));
            var deleted = 0;
            try
            {
                await using var reader = await chunk.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    (after, deleted) = (Math.Max(after, reader.GetInt64(0)), deleted + 1);
                }
            }
            catch (SqliteException e)
            {
                throw Unavailable("written", e);
            }

            pruned += deleted;
            if (deleted < PruneChunk)
            {
                break;
            }
        }

        if (pruned + deletedRows > 0 || _logNotCut)
        {
            _logNotCut = !TruncateLog(connection);
        }

        return pruned;

        async Task<int> DeleteAsync(string sql)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.Parameters.AddWithValue("$before", Format(before));
            if (sql.Contains("$now", StringComparison.Ordinal))
            {
                command.Parameters.AddWithValue("$now", Format(_time.GetUtcNow()));
            }

            try
            {
                return await command.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (SqliteException e)
            {
                throw Unavailable("written", e);
            }
        }
    }

    // A file deleted or replaced while the app ran: SQLite closes leaving that file's log and shared memory under the
    // store's names, and every restart was refused for them (review 37b F1). They are set aside as the connection
    // closes, while the store is still held; the restart opens what the name holds then, an empty store if nothing.
    public async ValueTask DisposeAsync()
    {
        _closed = true;
        await _writer.DisposeAsync();
        _commands.Dispose();
        var (orphaned, why) = _held.Orphaned();   // found by the connection's open files: before it closes
        await _writeConnection.DisposeAsync();
        if (orphaned.Count > 0 && StoreLock.SetAside(orphaned, _time.GetUtcNow()) is { Count: > 0 } moved)
        {
            _logger?.StoreLogSetAside(Path, why!, string.Join("', '", moved));
        }

        _held.Dispose();
    }

    // A JSON array of strings, for json_each (Utf8JsonWriter: no reflection, as under trimming and AOT).
    private static string JsonArray(IEnumerable<string> values)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var value in values)
            {
                writer.WriteStringValue(value);
            }

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    // Round-trip UTC text: sorts as the instants do.
    internal static string? Format(DateTimeOffset? instant) => instant?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static string Placeholder(int index) => $"$p{index}";

    // Every readable row of a query with parameters $p0, $p1, … in order.
    private async Task<IReadOnlyList<T>> ReadAllAsync<T>(string sql, IReadOnlyList<object> values, Func<SqliteDataReader, T?> read, CancellationToken cancellationToken)
        where T : class
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        for (var i = 0; i < values.Count; i++)
        {
            command.Parameters.AddWithValue(Placeholder(i), values[i]);
        }

        var result = new List<T>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (read(reader) is { } item)
                {
                    result.Add(item);
                }
            }
        }
        catch (SqliteException e)
        {
            throw Unavailable("read", e);
        }

        return result;
    }

    // Why the store cannot be used, as its callers are told; a damaged file is also reported (the app stops for it).
    private ExecutionStoreUnavailableException Unavailable(string verb, SqliteException e)
    {
        if (!SqliteDamage.Is(e))
        {
            return new ExecutionStoreUnavailableException($"The execution store '{Path}' cannot be {verb}: {e.Message}", e);
        }

        var description = SqliteDamage.Describe(Path, e);
        _damaged?.Invoke(description);
        return new ExecutionStoreUnavailableException(description, e);
    }

    // One transaction for the batch; per write, whether it applied (a claim lands once per occurrence). A change of
    // state followed by a later change of the same execution in the batch is not written: each change is the whole
    // record, so the later one sets every column the earlier would (a handler that returns at once is started and
    // finished in one batch: one row write, not two).
    internal Task<IReadOnlyList<bool>> CommitAsync(IReadOnlyList<SqliteWrite> batch)
    {
        // New work (an execution, a keyed one, a claimed occurrence) and the probe are refused once the file under the
        // store's name is not the one open here: accepted, it would be lost at the next start (review 25d F4). Changes
        // of state go on into the open file, so what was accepted still runs while the process lives.
        if (batch.Any(write => write.Request is not null || write.Key is not null || write.Schedule is not null || write.Probe)
            && _held.Lost() is { } lost)
        {
            throw new IOException(
                $"its database file {lost}; what this process would accept now would be kept only in the file it has open, "
                + "and lost when it stops. " + ReopenAdvice);
        }

        var applied = new bool[batch.Count];
        var superseded = Superseded(batch);
        using var transaction = _writeConnection.BeginTransaction();
        _commands.Enlist(transaction);
        for (var i = 0; i < batch.Count; i++)
        {
            applied[i] = batch[i] switch
            {
                { Probe: true } => Probe(transaction),
                { Schedule: { } run } => _commands.Claim(run),
                { Occurrence: { } occurrence } => _commands.Record(occurrence),
                { Key: not null } write => _commands.InsertKeyed(write),
                _ when superseded?[i] == true => true,
                var write => _commands.Upsert(write),
            };
        }

        transaction.Commit();
        return Task.FromResult<IReadOnlyList<bool>>(applied);
    }

    // Sets the file's version to the version it has: a page of its own through the log and the flush, as every write.
    private bool Probe(SqliteTransaction transaction)
    {
        using var command = _writeConnection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "PRAGMA user_version";
        var version = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        command.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA user_version = {version}");
        command.ExecuteNonQuery();
        return true;
    }

    // Which writes a later change of the same execution in the batch makes needless; null when none does.
    private static bool[]? Superseded(IReadOnlyList<SqliteWrite> batch)
    {
        bool[]? superseded = null;
        HashSet<string>? changedLater = null;
        for (var i = batch.Count - 1; i >= 0; i--)
        {
            if (batch[i] is not { Record: { } record, Request: null, Schedule: null, Occurrence: null })
            {
                continue;
            }

            changedLater ??= new HashSet<string>(StringComparer.Ordinal);
            if (!changedLater.Add(record.Id))
            {
                (superseded ??= new bool[batch.Count])[i] = true;
            }
        }

        return superseded;
    }

    // The log still holds the page images of before the prune (the requests in them) until later writes overwrite
    // them: it is copied into the file and cut to nothing (review 38b F2). Best effort, and never waiting: this
    // connection has no busy handler, so with a write or a read under way it copies what it can and leaves the rest to
    // the next prune; the prune itself has done its work.
    // Returns whether it was cut: a checkpoint that met a write or a read says so in its first column (busy), not as an
    // error, and the next prune then tries again even if it removes nothing (review 38g: a quiet app's next prune
    // removed nothing, and the log kept the requests).
    private static bool TruncateLog(SqliteConnection connection)
    {
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            using var reader = command.ExecuteReader();
            return reader.Read() && reader.GetInt64(0) == 0;
        }
        catch (SqliteException)
        {
            // Not cut this time: the next prune tries again (a file that cannot be written is reported by the writes).
            return false;
        }
    }

    private async Task<SqliteConnection> OpenReadAsync(CancellationToken cancellationToken)
    {
        if (_closed)
        {
            throw new ExecutionStoreUnavailableException($"The execution store '{Path}' is closed.");
        }

        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
        }
        catch (SqliteException e)
        {
            await connection.DisposeAsync();
            throw Unavailable("read", e);
        }

        // Review 44b F1: a connection opens the file under the store's name, and SQLite reads the log and shared memory
        // under the names beside it. Once that file is not the one held here (replaced, deleted, emptied; its log
        // deleted), those are the held file's, and the first read would copy them into the file put in its place as its
        // own log (damaging it, the work in them lost), and delete them as the connection closed. Told after the open,
        // before any statement: a name that still leads to the held file then led there as the connection opened, and a
        // connection that reached another file is closed unread (reads are not pooled), leaving it and the log untouched.
        if (_held.Lost() is { } lost)
        {
            await connection.DisposeAsync();
            throw new ExecutionStoreUnavailableException(
                $"The execution store '{Path}' cannot be read: its database file {lost}; a read of what is under its name now would take the log of "
                + "the file this process has open for that file's own. " + ReopenAdvice);
        }

        return connection;
    }

    private static DateTimeOffset Parse(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    private static DateTimeOffset ReadInstant(DbDataReader row, int column) => Parse(row.GetString(column));
}
