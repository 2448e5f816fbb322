using System.Data;
using ApiRoutes.Diagnostics;
using ApiRoutes.Execution;
using ApiRoutes.Manifest;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ApiRoutes.Storage;

/// <summary>
/// The store for several replicas of one app: one PostgreSQL database (<see cref="PostgresDatabase"/>, schema in
/// <see cref="PostgresSchema"/>). This is its persistence; the replicas' lease, take-over and ownership-checked starts
/// are its <see cref="Coordination"/>. The executions a replica accepts are its own (it runs them from memory, no
/// polling on the hot path), and every write about one lands only while the replica holds it
/// (<see cref="PostgresWriter"/>). Each schedule occurrence runs once across all replicas: the replica that inserts the
/// <c>(route, occurrence)</c> row runs it.
/// </summary>
internal sealed class PostgresExecutionStore : IExecutionStore, ICoordinatingStore, IAsyncDisposable
{
    private readonly PostgresDatabase _database;
    private readonly PostgresWriter _writer;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    private PostgresExecutionStore(PostgresDatabase database, TimeSpan lease, TimeProvider time, ILogger logger)
    {
        _database = database;
        _writer = new PostgresWriter(database, time, logger);
        _time = time;
        _logger = logger;
        Coordination = new PostgresReplicaCoordination(database, _writer, lease, database.RegisteredAt);
    }

    /// <summary>The replicas' coordination through this database.</summary>
    public PostgresReplicaCoordination Coordination { get; }

    IReplicaCoordination ICoordinatingStore.Coordination => Coordination;

    /// <summary>This process's name among the replicas.</summary>
    public string Replica => _database.Replica;

    /// <summary>Where the database is (host, port, database; never the password).</summary>
    public string Description => _database.Description;

    public bool IsDurable => true;

    /// <summary>Connects, creates or migrates the schema, and registers this replica with a lease.</summary>
    /// <exception cref="ExecutionStoreUnavailableException">The connection string is invalid, or the database cannot be reached or migrated.</exception>
    public static PostgresExecutionStore Open(string connectionString, TimeSpan lease, TimeProvider time, ILogger logger, string key = "ApiRoutes:Store:ConnectionString")
        => new(PostgresDatabase.Open(connectionString, lease, time, key), lease, time, logger);

    public Task AddAsync(ExecutionRecord record, RequestSnapshot? request, CancellationToken cancellationToken) => _writer.WriteAsync(record, request);

    // The insert finds the key taken, by a row of this replica or another's (committed, or waited for until it was): the
    // execution that holds it is read then. Its own id when a lost commit's answer was settled (PostgresWriter). One
    // that is pruned meanwhile leaves the key free: tried again, a few times.
    public Task<KeyedAdd> AddOnceAsync(ExecutionRecord record, RequestSnapshot request, IdempotencyKey key, CancellationToken cancellationToken) =>
        KeyedAdd.AddOnceAsync(this, record, key, () => _writer.WriteAsync(record, request, key), $"The PostgreSQL execution store {Description}", cancellationToken);

    public async Task<KeyedAdd?> FindKeyAsync(string route, IdempotencyKey key, CancellationToken cancellationToken)
    {
        var held = await ReadAllAsync(
            "SELECT id, request_hash FROM apiroutes_executions WHERE route = $1 AND idempotency_key = $2",
            [route, key.Value],
            reader => new[] { reader.GetString(0), reader.IsDBNull(1) ? "" : reader.GetString(1) },
            cancellationToken);
        return held.Count > 0 ? new KeyedAdd(held[0][0], held[0][1] == key.Fingerprint) : null;
    }

    public async Task UpdateAsync(ExecutionRecord record, CancellationToken cancellationToken)
    {
        if (!await _writer.WriteAsync(record))
        {
            throw new ExecutionStoreUnavailableException(
                $"Execution {record.Id} is held by another replica now; this replica's change to {record.Status} was not recorded.")
            {
                HeldElsewhere = true,
            };
        }
    }

    // Reachable, not a read-only server (a standby after a failover, or default_transaction_read_only), and its writes
    // not failing lately (a full disk on the server, a batch it refuses for its own sake).
    public async Task ProbeAsync(CancellationToken cancellationToken)
    {
        var readOnly = false;
        await _database.RunAsync(
            "SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on'",
            async command => readOnly = await command.ExecuteScalarAsync(cancellationToken) is true,
            "read",
            cancellationToken);
        if (readOnly)
        {
            throw new ExecutionStoreUnavailableException($"The PostgreSQL execution store {Description} is read-only.");
        }

        if (_writer.Health.Failing() is { } failing)
        {
            throw new ExecutionStoreUnavailableException($"The PostgreSQL execution store {Description} cannot be written: {failing}");
        }
    }

    public async Task<ExecutionRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        ExecutionRecord? found = null;
        await _database.RunAsync(
            $"SELECT {StoredRecord.Columns} FROM apiroutes_executions WHERE id = $1",
            async command =>
            {
                command.Parameters.Add(new NpgsqlParameter { Value = id });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                if (await reader.ReadAsync(cancellationToken))
                {
                    found = StoredRecord.TryRead(reader, PostgresDatabase.ReadInstant);
                }
            },
            "read",
            cancellationToken);
        return found;
    }

    public async Task<IReadOnlyList<ExecutionRecord>> QueryAsync(ExecutionQuery query, CancellationToken cancellationToken)
    {
        var (where, values) = query.Where(Placeholder, instant => instant.ToUniversalTime());
        return await ReadAllAsync(
            $"SELECT {StoredRecord.ListColumns} FROM apiroutes_executions WHERE {where} ORDER BY accepted_at DESC, id LIMIT {Placeholder(values.Count)}",
            [.. values, (long)query.Limit],
            reader => StoredRecord.TryRead(reader, PostgresDatabase.ReadInstant),
            cancellationToken);
    }

    public async Task<RequestSnapshot?> GetRequestAsync(string id, CancellationToken cancellationToken) =>
        (await ReadAllAsync("SELECT request, body FROM apiroutes_executions WHERE id = $1", [id], StoredRecord.TryReadRequest, cancellationToken)).SingleOrDefault();

    // Every replica records into the one table: an outcome recorded twice (by two replicas, by a replayed trigger) is one row.
    public Task RecordOccurrenceAsync(OccurrenceRecord record, CancellationToken cancellationToken) =>
        _database.RunAsync(
            """
            INSERT INTO apiroutes_schedule_occurrences (route, occurrence, outcome, execution_id, detail, recorded_at)
            VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (route, occurrence, outcome) DO NOTHING
            """,
            async command =>
            {
                command.Parameters.Add(new NpgsqlParameter<string>(null!, record.Route));
                command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>(null!, record.Occurrence.ToUniversalTime()));
                command.Parameters.Add(new NpgsqlParameter<string>(null!, OccurrenceRecord.Name(record.Outcome)));
                command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text, Value = (object?)record.ExecutionId ?? DBNull.Value });
                command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text, Value = (object?)PostgresText.Storable(StoredOccurrence.Bounded(record.Detail)) ?? DBNull.Value });
                command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>(null!, record.RecordedAt.ToUniversalTime()));
                await command.ExecuteNonQueryAsync(cancellationToken);
            },
            "written",
            cancellationToken);

    public async Task<IReadOnlyList<OccurrenceRecord>> GetOccurrencesAsync(OccurrenceQuery query, CancellationToken cancellationToken)
    {
        var (sql, values) = StoredOccurrence.Select("apiroutes_schedule_occurrences", "apiroutes_executions", query, Placeholder, instant => instant.ToUniversalTime());
        return await ReadAllAsync(sql, values, reader => StoredOccurrence.TryRead(reader, PostgresDatabase.ReadInstant), cancellationToken);
    }

    // Every replica's: what is still to run is taken only through the coordination (ClaimUnfinishedAsync).
    public async Task<IReadOnlyList<StoredExecution>> GetUnfinishedAsync(int limit, DateTimeOffset? runnableAt, CancellationToken cancellationToken)
    {
        var result = new List<StoredExecution>();
        await _database.RunAsync(
            $"SELECT {StoredRecord.Columns}, request, body FROM apiroutes_executions WHERE status IN ('Queued', 'Running') ORDER BY coalesce(status = 'Queued' AND retry_at > $2, false), CASE WHEN status = 'Queued' AND retry_at > $2 THEN retry_at END, accepted_at LIMIT $1",
            async command =>
            {
                command.Parameters.Add(new NpgsqlParameter { Value = (long)limit });
                command.Parameters.Add(new NpgsqlParameter { Value = runnableAt is { } at ? at.ToUniversalTime() : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    result.Add(StoredRecord.ReadWithRequest(reader, PostgresDatabase.ReadInstant));
                }
            },
            "read",
            cancellationToken);
        return result;
    }

    /// <summary>
    /// The statement that takes a schedule's turn to claim an occurrence (parameter: its route), until the end of the
    /// transaction that claims.
    /// </summary>
    internal const string ClaimTurn = "SELECT pg_advisory_xact_lock(hashtext('apiroutes_occurrence_claim ' || $1))";

    // A pause row whose times are instants .NET holds: one the store did not write (beyond year 9999, infinity, edited or
    // restored by another tool) is no pause, for the claim as for the reads, as in the SQLite store; it stopped its
    // schedule on every replica, unrecorded, and failed every read of the pauses (review 24d F2).
    private const string Holds =
        "paused_at >= '0001-01-01 00:00:00+00' AND paused_at < '10000-01-01 00:00:00+00' "
        + "AND (until IS NULL OR (until >= '0001-01-01 00:00:00+00' AND until < '10000-01-01 00:00:00+00'))";

    // One statement: the claim lands only if no run of the schedule still goes on another live replica (its start
    // is written before its handler runs), and only once per (route, occurrence), whoever asks. An occurrence claimed
    // already is claimed elsewhere, whatever runs: a replica a moment late took the run of that very occurrence for an
    // overlap with it, and recorded it skipped (review 24d F3). Claimed by this very execution, and no run of it written
    // yet, it is its claim still: asked again after an answer that was lost (the statement committed, the link broke
    // before its answer came: review 38a F2); once a row of that id exists (a take-over closed the claim), it is not, and
    // the answer says that it was closed (review 38g F3: the claimant recorded "claimed elsewhere" for its own claim).
    // A claim that meets a run going elsewhere takes the occurrence as skipped, in the same statement, so that a claim of it
    // after that run ended (a trigger sent again, on any replica) is refused as skipped, whenever the skip's record lands
    // (review 47C F1); one that meets a skip is told so (SkippedFor), never that it is its own.
    // The schedule's claims one at a time (ClaimTurn, then the claim, one batch in one transaction): two claims of different occurrences sent
    // at the same moment each saw no run going, their snapshots taken before the other's claim committed, and both ran at
    // once (review 43a F4); the claim's statement takes its snapshot once the one before it has committed.
    public async Task<OccurrenceClaim> ClaimOccurrenceAsync(string route, DateTimeOffset occurrence, string executionId, CancellationToken cancellationToken)
    {
        var claim = default(OccurrenceClaim);
        await _database.RunAsync(
            $"""
            WITH taken AS (SELECT execution_id, skipped FROM apiroutes_schedule_runs WHERE route = $1 AND occurrence = $2),
            own AS (SELECT 1 FROM taken WHERE execution_id = $3 AND NOT skipped AND NOT EXISTS (SELECT 1 FROM apiroutes_executions WHERE id = $3)),
            closed AS (SELECT 1 FROM taken WHERE execution_id = $3 AND NOT skipped AND EXISTS (SELECT 1 FROM apiroutes_executions WHERE id = $3 AND owner <> $4)),
            going AS (SELECT id FROM ({ScheduleRunElsewhere.Select("$1", "$4")}) g WHERE NOT EXISTS (SELECT 1 FROM taken)),
            paused AS (
                (SELECT until, paused_at FROM apiroutes_schedule_pauses WHERE route = $1 AND {Holds}
                    AND (until IS NULL OR until > $5 OR (paused_at <= $2 AND until > $2))
                    AND NOT EXISTS (SELECT 1 FROM taken))
                UNION ALL
                (SELECT until, paused_at FROM apiroutes_schedule_pauses_ended WHERE route = $1 AND {Holds}
                    AND paused_at <= $2 AND until > $2
                    AND NOT EXISTS (SELECT 1 FROM taken))
                ORDER BY until DESC NULLS FIRST LIMIT 1),
            claimed AS (
                INSERT INTO apiroutes_schedule_runs (route, occurrence, execution_id, replica)
                SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM going) AND NOT EXISTS (SELECT 1 FROM paused)
                ON CONFLICT (route, occurrence) DO NOTHING
                RETURNING 1),
            skip AS (
                INSERT INTO apiroutes_schedule_runs (route, occurrence, execution_id, replica, skipped)
                SELECT $1, $2, g.id, $4, true FROM going g WHERE NOT EXISTS (SELECT 1 FROM paused)
                ON CONFLICT (route, occurrence) DO NOTHING
                RETURNING 1)
            SELECT (SELECT count(*) FROM claimed) + (SELECT count(*) FROM own), (SELECT id FROM going), (SELECT count(*) FROM paused),
                (SELECT until FROM paused), (SELECT paused_at FROM paused), (SELECT count(*) FROM closed),
                (SELECT execution_id FROM taken WHERE skipped), (SELECT count(*) FROM skip)
            """,
            command => InTurnAsync(
                command,
                route,
                [route, occurrence.ToUniversalTime(), executionId, _database.Replica, new NpgsqlParameter<DateTimeOffset>(null!, _time.GetUtcNow())],   // pauses end on the app's clock
                reader =>
                {
                    var paused = reader.GetInt64(2) == 1
                        ? new SchedulePause(route, reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3), reader.GetFieldValue<DateTimeOffset>(4))
                        : null;
                    claim = new OccurrenceClaim(reader.GetInt64(0) == 1, reader.IsDBNull(1) ? null : reader.GetString(1), paused, reader.GetInt64(5) == 1, reader.IsDBNull(6) ? null : reader.GetString(6));
                },
                cancellationToken),
            "written",
            cancellationToken);
        return claim;
    }

    // In the schedule's turn, as a claim (ClaimTurn): the skip's claim, marked skipped, or what holds the occurrence.
    public async Task<OccurrenceClaim> SkipOccurrenceAsync(string route, DateTimeOffset occurrence, string runningId, CancellationToken cancellationToken)
    {
        var claim = default(OccurrenceClaim);
        await _database.RunAsync(
            """
            WITH taken AS (SELECT execution_id, skipped FROM apiroutes_schedule_runs WHERE route = $1 AND occurrence = $2),
            skip AS (
                INSERT INTO apiroutes_schedule_runs (route, occurrence, execution_id, replica, skipped)
                SELECT $1, $2, $3, $4, true WHERE NOT EXISTS (SELECT 1 FROM taken)
                ON CONFLICT (route, occurrence) DO NOTHING
                RETURNING 1)
            SELECT (SELECT count(*) FROM skip), (SELECT execution_id FROM taken WHERE skipped)
            """,
            command => InTurnAsync(
                command,
                route,
                [route, occurrence.ToUniversalTime(), runningId, _database.Replica],
                reader => claim = new OccurrenceClaim(reader.GetInt64(0) == 1, SkippedFor: reader.IsDBNull(1) ? null : reader.GetString(1)),
                cancellationToken),
            "written",
            cancellationToken);
        return claim;
    }

    // The command's statement in the schedule's turn (ClaimTurn, then it: one batch, one transaction), its one row read.
    // Read committed, whatever the database's default: under repeatable read the statement's snapshot would be the turn's,
    // taken before the wait (review 44c F3). The transaction's BEGIN goes with the batch.
    private static async Task InTurnAsync(NpgsqlCommand command, string route, object[] values, Action<NpgsqlDataReader> read, CancellationToken cancellationToken)
    {
        await using var transaction = await command.Connection!.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        await using var batch = new NpgsqlBatch(command.Connection, transaction)
        {
            BatchCommands = { new NpgsqlBatchCommand(ClaimTurn) { Parameters = { new NpgsqlParameter<string>(null!, route) } }, new NpgsqlBatchCommand(command.CommandText) },
        };
        foreach (var value in values)
        {
            batch.BatchCommands[1].Parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value });
        }

        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            await reader.NextResultAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            read(reader);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<SchedulePause>> GetPausesAsync(CancellationToken cancellationToken)
    {
        var result = new List<SchedulePause>();
        await _database.RunAsync(
            $"SELECT route, until, paused_at, false FROM apiroutes_schedule_pauses WHERE {Holds} UNION ALL SELECT route, until, paused_at, true FROM apiroutes_schedule_pauses_ended WHERE {Holds}",
            async command =>
            {
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    result.Add(new SchedulePause(
                        reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetBoolean(3)));
                }
            },
            "read",
            cancellationToken);
        return result;
    }

    // In the schedule's turn (PauseWriteAsync), one statement: the latest pause of another start is kept as ended
    // (SchedulePause.EndedBy), and this one becomes the latest.
    public Task SetPauseAsync(SchedulePause pause, CancellationToken cancellationToken) =>
        PauseWriteAsync(
            pause.Route,
            $"""
            WITH latest AS (
                SELECT route, paused_at, until FROM apiroutes_schedule_pauses WHERE route = $1 AND paused_at <> $3 AND {Holds}),
            kept AS (
                INSERT INTO apiroutes_schedule_pauses_ended (route, paused_at, until)
                SELECT route, paused_at, CASE WHEN until IS NOT NULL AND until <= $3 THEN until ELSE $3 END FROM latest
                ON CONFLICT (route, paused_at) DO UPDATE SET until = excluded.until)
            INSERT INTO apiroutes_schedule_pauses (route, until, paused_at) VALUES ($1, $2, $3)
            ON CONFLICT (route) DO UPDATE SET until = excluded.until, paused_at = excluded.paused_at
            """,
            parameters =>
            {
                parameters.Add(new NpgsqlParameter<string>(null!, pause.Route));
                parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz, Value = (object?)pause.Until?.ToUniversalTime() ?? DBNull.Value });
                parameters.Add(new NpgsqlParameter<DateTimeOffset>(null!, pause.PausedAt.ToUniversalTime()));
            },
            cancellationToken);

    public Task EndPausesAsync(string route, DateTimeOffset at, CancellationToken cancellationToken) =>
        PauseWriteAsync(
            route,
            $"""
            WITH ended AS (UPDATE apiroutes_schedule_pauses_ended SET until = $2 WHERE route = $1 AND until > $2 AND {Holds})
            UPDATE apiroutes_schedule_pauses SET until = $2 WHERE route = $1 AND (until IS NULL OR until > $2) AND {Holds}
            """,
            parameters =>
            {
                parameters.Add(new NpgsqlParameter<string>(null!, route));
                parameters.Add(new NpgsqlParameter<DateTimeOffset>(null!, at.ToUniversalTime()));
            },
            cancellationToken);

    // A schedule's pauses are written one change at a time (a transaction-level advisory lock per route): each change
    // reads the latest pause after the one before it committed. Two replicas pausing in the same moment each read the
    // same latest, and the second upsert replaced the first one's pause without keeping it as ended (its span was lost).
    private Task PauseWriteAsync(string route, string sql, Action<NpgsqlParameterCollection> parameters, CancellationToken cancellationToken) =>
        _database.RunAsync(
            sql,
            async command =>
            {
                await using var transaction = await command.Connection!.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);   // as the claim's (44c F3)
                await using (var turn = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('apiroutes_pause ' || $1))", command.Connection, transaction))
                {
                    turn.Parameters.Add(new NpgsqlParameter<string>(null!, route));
                    await turn.ExecuteNonQueryAsync(cancellationToken);
                }

                command.Transaction = transaction;
                parameters(command.Parameters);
                await command.ExecuteNonQueryAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            },
            "written",
            cancellationToken);

    // Only this replica's claim by that execution: one of the occurrence by another replica or an external trigger
    // stays (review 35b F2).
    public Task ReleaseClaimsAsync(string route, IReadOnlyCollection<OccurrenceClaimed> claims, CancellationToken cancellationToken) =>
        claims.Count == 0 ? Task.CompletedTask : _database.RunAsync(
            """
            DELETE FROM apiroutes_schedule_runs s USING unnest($3::timestamptz[], $4::text[]) AS r(occurrence, execution_id)
            WHERE s.route = $1 AND s.replica = $2 AND s.occurrence = r.occurrence AND s.execution_id = r.execution_id
            """,
            async command =>
            {
                command.Parameters.Add(new NpgsqlParameter<string>(null!, route));
                command.Parameters.Add(new NpgsqlParameter<string>(null!, _database.Replica));
                command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]>(null!, [.. claims.Select(claim => claim.Occurrence.ToUniversalTime())]));
                command.Parameters.Add(new NpgsqlParameter<string[]>(null!, [.. claims.Select(claim => claim.ExecutionId)]));
                await command.ExecuteNonQueryAsync(cancellationToken);
            },
            "written",
            cancellationToken);

    public async Task<LastClaims> GetLastOccurrenceAsync(string route, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var last = default(LastClaims);
        await _database.RunAsync(
            """
            SELECT max(occurrence), max(occurrence) FILTER (WHERE occurrence <= $2)
            FROM apiroutes_schedule_runs WHERE route = $1
            """,
            async command =>
            {
                command.Parameters.Add(new NpgsqlParameter<string>(null!, route));
                command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>(null!, now.ToUniversalTime()));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                if (await reader.ReadAsync(cancellationToken))
                {
                    last = new LastClaims(
                        reader.IsDBNull(0) ? null : reader.GetFieldValue<DateTimeOffset>(0),
                        reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1));
                }
            },
            "read",
            cancellationToken);
        return last;
    }

    public async Task<ServedSchedule> GetServedScheduleAsync(string route, CancellationToken cancellationToken)
    {
        var served = default(ServedSchedule);
        await _database.RunAsync(
            "SELECT schedule, since FROM apiroutes_schedules_served WHERE route = $1",
            async command =>
            {
                command.Parameters.Add(new NpgsqlParameter<string>(null!, route));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                if (await reader.ReadAsync(cancellationToken))
                {
                    served = new ServedSchedule(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1));
                }
            },
            "read",
            cancellationToken);
        return served;
    }

    // One statement: what was served is read as the statement's snapshot saw it, and replaced when it differs.
    public async Task<ServedSchedule> ServeScheduleAsync(string route, string schedule, DateTimeOffset from, CancellationToken cancellationToken)
    {
        var before = default(ServedSchedule);
        await _database.RunAsync(
            """
            WITH before AS (SELECT schedule, since FROM apiroutes_schedules_served WHERE route = $1),
            served AS (
                INSERT INTO apiroutes_schedules_served (route, schedule, since) VALUES ($1, $2, $3)
                ON CONFLICT (route) DO UPDATE SET schedule = excluded.schedule, since = excluded.since
                    WHERE apiroutes_schedules_served.schedule <> excluded.schedule OR apiroutes_schedules_served.since > excluded.since)
            SELECT schedule, since FROM before
            """,
            async command =>
            {
                command.Parameters.Add(new NpgsqlParameter<string>(null!, route));
                command.Parameters.Add(new NpgsqlParameter<string>(null!, schedule));
                command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>(null!, from.ToUniversalTime()));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                if (await reader.ReadAsync(cancellationToken))
                {
                    before = new ServedSchedule(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1));
                }
            },
            "written",
            cancellationToken);
        return before;
    }

    // Also forgets old schedule claims (but each schedule's latest, and its latest not ahead of this replica's clock: the
    // start-up counts what was missed from it) and replicas long gone. Those two are
    // judged by the database's clock, as leases are (claimed_at and lease_until are its now()): a replica whose clock
    // runs ahead by more than the retention must not delete the rows of live replicas (whose work the others would
    // then take over) nor claims the others still rely on. The retention is what `before` is short of this replica's
    // now (RetentionService); finished executions, occurrences and pauses are times of the app's clock.
    public async Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        var retention = _time.GetUtcNow() - before;
        // A claim, and its run, stay while the take-overs look at the claim, and a lease more, whatever the retention: one
        // pruned before was never recorded missed, and a claim whose run was pruned would be closed as never run (review
        // 38g F6: under a short retention). By the database's clock, the claims' own.
        var examined = IReplicaCoordination.ClaimsExamined(retention, Coordination.LeaseDuration) + Coordination.LeaseDuration;
        var count = await DeleteAsync(
            """
            DELETE FROM apiroutes_executions e WHERE e.finished_at < $1 AND e.status NOT IN ('Queued', 'Running')
                AND NOT EXISTS (SELECT 1 FROM apiroutes_schedule_runs s
                    WHERE s.route = e.route AND s.occurrence = e.occurrence AND s.execution_id = e.id AND s.claimed_at >= now() - $2)
            """,
            before.ToUniversalTime(),
            examined);
        await DeleteAsync(
            """
            DELETE FROM apiroutes_schedule_runs s WHERE s.claimed_at < now() - greatest($1, $3)
                AND s.occurrence < (SELECT max(m.occurrence) FROM apiroutes_schedule_runs m WHERE m.route = s.route AND m.occurrence <= $2)
            """,
            retention,
            _time.GetUtcNow().ToUniversalTime(),
            examined);
        await DeleteAsync(
            """
            DELETE FROM apiroutes_schedule_occurrences o WHERE o.occurrence < $1
                AND (o.outcome = 'refused' OR o.occurrence < (SELECT max(m.occurrence) FROM apiroutes_schedule_occurrences m WHERE m.route = o.route AND m.outcome <> 'refused'))
            """,
            before.ToUniversalTime());
        await DeleteAsync("DELETE FROM apiroutes_replicas WHERE lease_until < now() - $1", retention);
        // A pause that ended stays until the schedule went on past it (a claim, or a start that counted what came while no
        // instance was up, at or after its end): the next start reads it to tell what came while it held (review 31c F6).
        foreach (var table in (string[])["apiroutes_schedule_pauses", "apiroutes_schedule_pauses_ended"])
        {
            await DeleteAsync(
                $"""
                DELETE FROM {table} p WHERE p.until < $1
                    AND (p.until <= (SELECT max(r.occurrence) FROM apiroutes_schedule_runs r WHERE r.route = p.route)
                        OR p.until <= (SELECT s.since FROM apiroutes_schedules_served s WHERE s.route = p.route))
                """,
                before.ToUniversalTime());
        }

        return count;

        async Task<int> DeleteAsync(string sql, params object[] values)
        {
            var deleted = 0;
            await _database.RunAsync(
                sql,
                async command =>
                {
                    command.CommandTimeout = PostgresDatabase.LongCommandTimeout;   // millions of rows, the first time
                    foreach (var value in values)
                    {
                        command.Parameters.Add(new NpgsqlParameter { Value = value });
                    }

                    deleted = await command.ExecuteNonQueryAsync(cancellationToken);
                },
                "written",
                cancellationToken);
            return deleted;
        }
    }

    private static string Placeholder(int index) => $"${index + 1}";

    // Every readable row of a query with parameters $1, $2, … in order.
    private async Task<IReadOnlyList<T>> ReadAllAsync<T>(string sql, IReadOnlyList<object> values, Func<NpgsqlDataReader, T?> read, CancellationToken cancellationToken)
        where T : class
    {
        var result = new List<T>();
        await _database.RunAsync(
            sql,
            async command =>
            {
                foreach (var value in values)
                {
                    command.Parameters.Add(new NpgsqlParameter { Value = value });
                }

                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    if (read(reader) is { } item)
                    {
                        result.Add(item);
                    }
                }
            },
            "read",
            cancellationToken);
        return result;
    }

    /// <summary>Writes what is pending, then unregisters: the unfinished work of this replica is free to claim at once.</summary>
    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync();
        try
        {
            await Coordination.UnregisterAsync();
        }
        catch (ExecutionStoreUnavailableException e)
        {
            // The lease runs out by itself; the others take over then.
            _logger.ReplicaLeaseNotRenewed(_database.Replica, _database.Description, e);
        }

        await _database.DisposeAsync();
    }
}
