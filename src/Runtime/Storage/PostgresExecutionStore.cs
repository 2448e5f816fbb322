using System.Data.Common;
using ApiRoutes.Diagnostics;
using ApiRoutes.Execution;
using ApiRoutes.Manifest;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace ApiRoutes.Storage;

/// <summary>
/// The store for several replicas of one app: one PostgreSQL database. Each replica registers itself with a lease
/// that it renews; the executions it accepts are its own (it runs them from memory, no polling on the hot path).
/// When a replica stops, or its lease lapses because it died, the others claim its unfinished work, and idle replicas
/// claim first attempts that wait too long at a busy one (<c>FOR UPDATE SKIP LOCKED</c>; never the same row twice).
/// Every write about an execution lands only while this replica holds it, and a start is written before the handler
/// runs, so work that another replica took is skipped here rather than run twice. Each schedule occurrence runs once
/// across all replicas: the replica that inserts the <c>(route, occurrence)</c> row runs it. Writes are
/// group-committed like SQLite's: whatever arrived while the last transaction ran goes into the next.
/// </summary>
internal sealed class PostgresExecutionStore : IExecutionStore, IAsyncDisposable
{
    // Schema versions in order: migration N takes the database from version N to N + 1. Never edit a shipped one.
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE apiroutes_executions (
            id text PRIMARY KEY,
            route text NOT NULL,
            kind text NOT NULL,
            status text NOT NULL,
            attempt integer NOT NULL,
            accepted_at timestamptz NOT NULL,
            started_at timestamptz,
            finished_at timestamptz,
            occurrence timestamptz,
            error text,
            request text,
            body bytea,
            owner text);
        CREATE INDEX apiroutes_executions_unfinished ON apiroutes_executions (accepted_at) WHERE status IN ('Queued', 'Running');
        CREATE INDEX apiroutes_executions_accepted ON apiroutes_executions (accepted_at);
        CREATE TABLE apiroutes_schedule_runs (
            route text NOT NULL,
            occurrence timestamptz NOT NULL,
            execution_id text NOT NULL,
            replica text NOT NULL,
            claimed_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (route, occurrence));
        CREATE TABLE apiroutes_replicas (
            id text PRIMARY KEY,
            started_at timestamptz NOT NULL DEFAULT now(),
            lease_until timestamptz NOT NULL);
        """,
    ];


    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeSpan _lease;
    private readonly ILogger _logger;
    private readonly GroupCommitWriter<Write> _writer;
    private readonly ITimer _renewal;
    private readonly SemaphoreSlim _renewing = new(1, 1);
    private bool _leaseLost;
    private bool _stopped;

    private PostgresExecutionStore(NpgsqlDataSource dataSource, string replica, string description, TimeSpan lease, TimeProvider time, ILogger logger)
    {
        _dataSource = dataSource;
        Replica = replica;
        Description = description;
        _lease = lease;
        _logger = logger;
        // A new execution is not kept on failure (its request was answered 503); changes of state are, so an execution
        // that finished during an outage is not left "running" for another replica to run again.
        _writer = new GroupCommitWriter<Write>(
            CommitAsync,
            write => write.Request is null ? write.Record.Id : null,
            (e, kept) => new ExecutionStoreUnavailableException(
                $"The PostgreSQL execution store {description} cannot be written: {e.Message}" + (kept ? " The change is kept and written when the server is back." : ""), e),
            time);
        var every = lease / 3;
        _renewal = time.CreateTimer(_ => _ = RenewAsync(), null, every, every);
    }

    /// <summary>This process's name among the replicas: host, process id and a random part.</summary>
    public string Replica { get; }

    /// <summary>Where the database is (host, port, database; never the password).</summary>
    public string Description { get; }

    public bool IsDurable => true;

    public bool IsShared => true;

    /// <summary>Connects, creates or migrates the schema, and registers this replica with a lease.</summary>
    /// <exception cref="ExecutionStoreUnavailableException">The connection string is invalid, or the database cannot be reached or migrated.</exception>
    public static PostgresExecutionStore Open(string connectionString, TimeSpan lease, TimeProvider time, ILogger logger)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new ExecutionStoreUnavailableException(
                $"ApiRoutes:Store:ConnectionString is not a valid PostgreSQL connection string: {e.Message} "
                + "Write it as 'Host=…;Port=5432;Database=…;Username=…;Password=…'.", e);
        }

        // Fail in seconds, not the default 15, when the server is gone: requests wait on it before their 503.
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!given.ContainsKey("Timeout"))
        {
            builder.Timeout = 5;
        }

        if (!given.ContainsKey("Application Name") && !given.ContainsKey("ApplicationName"))
        {
            builder.ApplicationName = "ApiRoutes";
        }

        if (!given.ContainsKey("Max Auto Prepare") && !given.ContainsKey("MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = 16;
        }

        var description = $"{builder.Host}:{builder.Port}/{builder.Database ?? builder.Username}";
        var dataSource = NpgsqlDataSource.Create(builder);
        try
        {
            using var connection = dataSource.OpenConnection();
            Migrate(connection, description);
            var replica = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";
            Register(connection, replica, lease);
            return new PostgresExecutionStore(dataSource, replica, description, lease, time, logger);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            dataSource.Dispose();
            throw new ExecutionStoreUnavailableException(
                $"The PostgreSQL execution store {description} cannot be reached: {e.Message} Check ApiRoutes:Store:ConnectionString "
                + "(or ConnectionStrings:ApiRoutes) and that the server accepts connections.", e);
        }
        catch
        {
            dataSource.Dispose();
            throw;
        }
    }

    // Replicas starting together migrate one at a time: the first applies what is missing, the others see it done.
    private static void Migrate(NpgsqlConnection connection, string description)
    {
        using var transaction = connection.BeginTransaction();
        Execute(connection, "SELECT pg_advisory_xact_lock(hashtext('apiroutes_schema'))");
        Execute(connection, "CREATE TABLE IF NOT EXISTS apiroutes_schema (version integer NOT NULL)");
        using var read = new NpgsqlCommand("SELECT max(version) FROM apiroutes_schema", connection);
        var version = read.ExecuteScalar() is int value ? value : 0;
        if (version > Migrations.Length)
        {
            throw new ExecutionStoreUnavailableException(
                $"The PostgreSQL execution store {description} has schema version {version}, newer than this version of ApiRoutes "
                + $"knows ({Migrations.Length}): it was migrated by a newer release. Update the ApiRoutes package.");
        }

        if (version == Migrations.Length)
        {
            return;   // up to date: the transaction ends, and the lock with it
        }

        for (; version < Migrations.Length; version++)
        {
            Execute(connection, Migrations[version]);
        }

        Execute(connection, $"DELETE FROM apiroutes_schema; INSERT INTO apiroutes_schema (version) VALUES ({version})");
        transaction.Commit();
    }

    private static void Register(NpgsqlConnection connection, string replica, TimeSpan lease)
    {
        using var command = new NpgsqlCommand(
            "INSERT INTO apiroutes_replicas (id, lease_until) VALUES ($1, now() + $2) ON CONFLICT (id) DO UPDATE SET lease_until = excluded.lease_until",
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = replica });
        command.Parameters.Add(new NpgsqlParameter { Value = lease });
        command.ExecuteNonQuery();
    }

    // The lease is renewed three times per period; a replica that could not renew in time (it hung, or lost the
    // database) learns it here, re-registers, and logs that some of its work may now run on another replica too.
    private async Task RenewAsync()
    {
        if (!await _renewing.WaitAsync(TimeSpan.Zero))
        {
            return;
        }

        try
        {
            if (_stopped)
            {
                return;   // unregistered: renewing now would register this replica again
            }

            await using var connection = await _dataSource.OpenConnectionAsync();
            await using var renew = new NpgsqlCommand("UPDATE apiroutes_replicas SET lease_until = now() + $2 WHERE id = $1 AND lease_until > now()", connection);
            renew.Parameters.Add(new NpgsqlParameter { Value = Replica });
            renew.Parameters.Add(new NpgsqlParameter { Value = _lease });
            if (await renew.ExecuteNonQueryAsync() == 0)
            {
                _logger.ReplicaLeaseLapsed(Replica, _lease);
                Register(connection, Replica, _lease);
            }

            if (_leaseLost)
            {
                _leaseLost = false;
                _logger.ReplicaLeaseRenewed(Replica);
            }
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            if (!_leaseLost)
            {
                _leaseLost = true;
                _logger.ReplicaLeaseNotRenewed(Replica, Description, e);
            }
        }
        finally
        {
            _renewing.Release();
        }
    }

    public Task AddAsync(ExecutionRecord record, RequestSnapshot request, CancellationToken cancellationToken) =>
        Enqueue(new Write(record, StoredRequest.ToJson(request), request.Body.ToArray()));

    public async Task UpdateAsync(ExecutionRecord record, CancellationToken cancellationToken)
    {
        if (!await Enqueue(new Write(record, null, null)))
        {
            throw new ExecutionStoreUnavailableException(
                $"Execution {record.Id} is held by another replica now; this replica's change to {record.Status} was not recorded.");
        }
    }

    // The same write, awaited: it lands only while this replica holds the execution, and a replica that took the
    // execution over (or claimed it while it waited here) only takes queued ones, so exactly one of them starts it.
    public Task<bool> TryStartAsync(ExecutionRecord running, CancellationToken cancellationToken) => Enqueue(new Write(running, null, null));

    // Rows of replicas whose lease lapsed, or that unregistered when they stopped.
    public Task<IReadOnlyList<StoredExecution>> ClaimUnfinishedAsync(int limit, CancellationToken cancellationToken) =>
        ClaimAsync(
            "e.status IN ('Queued', 'Running') AND NOT EXISTS (SELECT 1 FROM apiroutes_replicas r WHERE r.id = e.owner AND r.lease_until > now())",
            limit,
            null,
            cancellationToken);

    // First attempts still waiting in the queue of a busy replica; that replica skips them when their turn comes.
    public Task<IReadOnlyList<StoredExecution>> ClaimWaitingAsync(int limit, DateTimeOffset acceptedBefore, CancellationToken cancellationToken) =>
        ClaimAsync(
            $"e.status = 'Queued' AND e.attempt = 1 AND e.kind = '{RouteKind.Background.Name()}' AND e.request IS NOT NULL AND e.owner <> $1 AND e.accepted_at < $3",
            limit,
            acceptedBefore,
            cancellationToken);

    // Claims are rare (every half lease per replica), so claimers take turns: each claim then sees the ones before it,
    // and a row is never claimed twice. SKIP LOCKED: a claimer never waits for a row its holder is writing.
    private async Task<IReadOnlyList<StoredExecution>> ClaimAsync(string condition, int limit, DateTimeOffset? acceptedBefore, CancellationToken cancellationToken)
    {
        var result = new List<StoredExecution>();
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var turn = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('apiroutes_claim'))", connection, transaction))
            {
                await turn.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var claim = new NpgsqlCommand(
                $"""
                WITH claimed AS (
                    SELECT e.id FROM apiroutes_executions e
                    WHERE {condition}
                    ORDER BY e.accepted_at
                    LIMIT $2
                    FOR UPDATE OF e SKIP LOCKED)
                UPDATE apiroutes_executions e SET owner = $1 FROM claimed WHERE e.id = claimed.id
                RETURNING {string.Join(", ", StoredRecord.Columns.Split(", ").Select(column => "e." + column))}, e.request, e.body
                """,
                connection,
                transaction))
            {
                claim.Parameters.Add(new NpgsqlParameter { Value = Replica });
                claim.Parameters.Add(new NpgsqlParameter { Value = (long)limit });
                if (acceptedBefore is { } before)
                {
                    claim.Parameters.Add(new NpgsqlParameter { Value = before.ToUniversalTime() });
                }

                await using var reader = await claim.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    result.Add(StoredRecord.ReadWithRequest(reader, ReadInstant));
                }
            }

            await transaction.CommitAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw new ExecutionStoreUnavailableException($"The PostgreSQL execution store {Description} cannot be read: {e.Message}", e);
        }

        return [.. result.OrderBy(execution => execution.Record.AcceptedAt)];
    }

    public async Task<IReadOnlyList<ExecutionRecord>> GetRecentAsync(int limit, CancellationToken cancellationToken)
    {
        var result = new List<ExecutionRecord>();
        await RunAsync(
            $"SELECT {StoredRecord.Columns} FROM apiroutes_executions ORDER BY accepted_at DESC, id LIMIT $1",
            async command =>
            {
                command.Parameters.Add(new NpgsqlParameter { Value = (long)limit });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    if (StoredRecord.TryRead(reader, ReadInstant) is { } record)
                    {
                        result.Add(record);
                    }
                }
            },
            "read",
            cancellationToken);
        return result;
    }

    // One statement: the claim lands only if no run of the schedule still goes on another live replica (its start
    // is written before its handler runs), and only once per (route, occurrence), whoever asks.
    public async Task<OccurrenceClaim> ClaimOccurrenceAsync(string route, DateTimeOffset occurrence, string executionId, CancellationToken cancellationToken)
    {
        var claim = default(OccurrenceClaim);
        await RunAsync(
            $"""
            WITH going AS (
                SELECT e.id FROM apiroutes_executions e
                JOIN apiroutes_replicas r ON r.id = e.owner AND r.lease_until > now()
                WHERE e.route = $1 AND e.kind = '{RouteKind.Scheduled.Name()}' AND e.status IN ('Queued', 'Running') AND e.owner <> $4
                LIMIT 1),
            claimed AS (
                INSERT INTO apiroutes_schedule_runs (route, occurrence, execution_id, replica)
                SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM going)
                ON CONFLICT (route, occurrence) DO NOTHING
                RETURNING 1)
            SELECT (SELECT count(*) FROM claimed), (SELECT id FROM going)
            """,
            async command =>
            {
                command.Parameters.Add(new NpgsqlParameter { Value = route });
                command.Parameters.Add(new NpgsqlParameter { Value = occurrence.ToUniversalTime() });
                command.Parameters.Add(new NpgsqlParameter { Value = executionId });
                command.Parameters.Add(new NpgsqlParameter { Value = Replica });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                await reader.ReadAsync(cancellationToken);
                claim = new OccurrenceClaim(reader.GetInt64(0) == 1, reader.IsDBNull(1) ? null : reader.GetString(1));
            },
            "written",
            cancellationToken);
        return claim;
    }

    public async Task<DateTimeOffset?> GetLastOccurrenceAsync(string route, CancellationToken cancellationToken)
    {
        DateTimeOffset? last = null;
        await RunAsync(
            "SELECT max(occurrence) FROM apiroutes_schedule_runs WHERE route = $1",
            async command =>
            {
                command.Parameters.Add(new NpgsqlParameter { Value = route });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                if (await reader.ReadAsync(cancellationToken) && !reader.IsDBNull(0))
                {
                    last = reader.GetFieldValue<DateTimeOffset>(0);
                }
            },
            "read",
            cancellationToken);
        return last;
    }

    // Also forgets old schedule claims (but each schedule's latest, for catch-up) and replicas long gone.
    public async Task<int> PruneAsync(DateTimeOffset finishedBefore, CancellationToken cancellationToken)
    {
        var count = await DeleteAsync("DELETE FROM apiroutes_executions WHERE finished_at < $1 AND status NOT IN ('Queued', 'Running')");
        await DeleteAsync("""
            DELETE FROM apiroutes_schedule_runs s WHERE s.occurrence < $1
                AND s.occurrence < (SELECT max(m.occurrence) FROM apiroutes_schedule_runs m WHERE m.route = s.route)
            """);
        await DeleteAsync("DELETE FROM apiroutes_replicas WHERE lease_until < $1");
        return count;

        async Task<int> DeleteAsync(string sql)
        {
            var deleted = 0;
            await RunAsync(
                sql,
                async command =>
                {
                    command.Parameters.Add(new NpgsqlParameter { Value = finishedBefore.ToUniversalTime() });
                    deleted = await command.ExecuteNonQueryAsync(cancellationToken);
                },
                "written",
                cancellationToken);
            return deleted;
        }
    }

    /// <summary>Writes what is pending, then unregisters: the unfinished work of this replica is free to claim at once.</summary>
    public async ValueTask DisposeAsync()
    {
        await _renewal.DisposeAsync();
        await _renewing.WaitAsync();   // a renewal under way finishes first
        _stopped = true;
        _renewing.Release();
        await _writer.DisposeAsync();
        try
        {
            await RunAsync(
                "DELETE FROM apiroutes_replicas WHERE id = $1",
                async command =>
                {
                    command.Parameters.Add(new NpgsqlParameter { Value = Replica });
                    await command.ExecuteNonQueryAsync();
                },
                "written",
                CancellationToken.None);
        }
        catch (ExecutionStoreUnavailableException e)
        {
            // The lease runs out by itself; the others take over then.
            _logger.ReplicaLeaseNotRenewed(Replica, Description, e);
        }

        await _dataSource.DisposeAsync();
        _renewing.Dispose();
    }

    // Completes with true once written, false when another replica holds the execution.
    private Task<bool> Enqueue(Write write) => _writer.WriteAsync(write);

    // One transaction; per write, whether it applied (no row: another replica claimed the execution, because this
    // one's lease lapsed or the execution waited too long here).
    private async Task<IReadOnlyList<bool>> CommitAsync(IReadOnlyList<Write> batch)
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var commands = new NpgsqlBatch(connection, transaction);
        foreach (var write in batch)
        {
            commands.BatchCommands.Add(Upsert(write));
        }

        await commands.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
        return [.. commands.BatchCommands.Cast<NpgsqlBatchCommand>().Select(command => command.RecordsAffected > 0)];
    }

    // One statement for a new execution and for every change after it. A change only applies while this replica
    // holds the execution, so a replica that lost its lease cannot overwrite the work of the one that took over.
    private NpgsqlBatchCommand Upsert(Write write)
    {
        var record = write.Record;
        var command = new NpgsqlBatchCommand($"""
            INSERT INTO apiroutes_executions ({StoredRecord.Columns}, request, body, owner)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
            ON CONFLICT (id) DO UPDATE SET status = excluded.status, attempt = excluded.attempt, started_at = excluded.started_at,
                finished_at = excluded.finished_at, error = excluded.error
            WHERE apiroutes_executions.owner = excluded.owner
            """);
        command.Parameters.Add(new NpgsqlParameter<string>(null!, record.Id));
        command.Parameters.Add(new NpgsqlParameter<string>(null!, record.Route));
        command.Parameters.Add(new NpgsqlParameter<string>(null!, record.Kind));
        command.Parameters.Add(new NpgsqlParameter<string>(null!, record.Status.ToString()));
        command.Parameters.Add(new NpgsqlParameter<int>(null!, record.Attempt));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>(null!, record.AcceptedAt.ToUniversalTime()));
        command.Parameters.Add(Instant(record.StartedAt));
        command.Parameters.Add(Instant(record.FinishedAt));
        command.Parameters.Add(Instant(record.Occurrence));
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)record.Error ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)write.Request ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = (object?)write.Body ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter<string>(null!, Replica));
        return command;
    }

    private static NpgsqlParameter Instant(DateTimeOffset? instant) =>
        new() { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = instant is { } value ? value.ToUniversalTime() : DBNull.Value };

    // One command on a pooled connection; a failure to reach the server becomes "unavailable" (503 for new work).
    private async Task RunAsync(string sql, Func<NpgsqlCommand, Task> use, string verb, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            await using var command = new NpgsqlCommand(sql, connection);
            await use(command);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw new ExecutionStoreUnavailableException($"The PostgreSQL execution store {Description} cannot be {verb}: {e.Message}", e);
        }
    }

    private static void Execute(NpgsqlConnection connection, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    private static DateTimeOffset ReadInstant(DbDataReader row, int column) => row.GetFieldValue<DateTimeOffset>(column);

    private sealed record Write(ExecutionRecord Record, string? Request, byte[]? Body);
}
