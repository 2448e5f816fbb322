using System.Data.Common;
using System.Globalization;
using System.Threading.Channels;
using ApiRoutes.Execution;
using Microsoft.Data.Sqlite;

namespace ApiRoutes.Storage;

/// <summary>
/// The embedded default store: one SQLite file (WAL, synchronous FULL, so a committed execution survives a crash of
/// the process or the machine). Writes are group-committed: whatever arrived while the last transaction ran goes
/// into the next one, so thousands of accepted requests a second cost tens of commits, not thousands.
/// </summary>
internal sealed class SqliteExecutionStore : IExecutionStore, IAsyncDisposable
{
    private const int MaxBatch = 1000;

    private readonly string _connectionString;
    private readonly SqliteConnection _writeConnection;
    private readonly Channel<Write> _writes = Channel.CreateUnbounded<Write>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;
    private readonly TimeProvider _time;

    private SqliteExecutionStore(string path, SqliteConnection writeConnection, TimeProvider time)
    {
        Path = path;
        _time = time;
        _connectionString = writeConnection.ConnectionString;
        _writeConnection = writeConnection;
        _writer = Task.Run(WriteLoopAsync);
    }

    public string Path { get; }

    public bool IsDurable => true;

    public bool IsShared => false;

    /// <summary>Opens (creating if needed) the database file and its schema.</summary>
    /// <param name="path">The database file.</param>
    /// <param name="time">The clock of schedule claims (for pruning them); the system's by default.</param>
    /// <exception cref="ExecutionStoreUnavailableException">The file cannot be created or opened.</exception>
    public static SqliteExecutionStore Open(string path, TimeProvider? time = null)
    {
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
            var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
            connection.Open();
            Execute(connection, """
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = FULL;
                PRAGMA busy_timeout = 5000;
                CREATE TABLE IF NOT EXISTS executions (
                    id TEXT PRIMARY KEY,
                    route TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    status TEXT NOT NULL,
                    attempt INTEGER NOT NULL,
                    accepted_at TEXT NOT NULL,
                    started_at TEXT,
                    finished_at TEXT,
                    occurrence TEXT,
                    error TEXT,
                    request TEXT,
                    body BLOB);
                CREATE INDEX IF NOT EXISTS executions_unfinished ON executions (status) WHERE status IN ('Queued', 'Running');
                CREATE INDEX IF NOT EXISTS executions_accepted ON executions (accepted_at);
                CREATE TABLE IF NOT EXISTS schedules (
                    route TEXT PRIMARY KEY,
                    last_occurrence TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS schedule_runs (
                    route TEXT NOT NULL,
                    occurrence TEXT NOT NULL,
                    execution_id TEXT NOT NULL,
                    claimed_at TEXT NOT NULL,
                    PRIMARY KEY (route, occurrence));
                """);
            ScrubCredentials(connection);
            return new SqliteExecutionStore(path, connection, time ?? TimeProvider.System);
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            throw new ExecutionStoreUnavailableException(
                $"The execution store '{path}' cannot be opened: {e.Message} Set ApiRoutes:Store:Path to a writable file, "
                + "or ApiRoutes:Store:Provider to InMemory.", e);
        }
    }

    public Task AddAsync(ExecutionRecord record, RequestSnapshot request, CancellationToken cancellationToken) =>
        Enqueue(new Write(record, StoredRequest.ToJson(request), request.Body.ToArray()));

    public Task UpdateAsync(ExecutionRecord record, CancellationToken cancellationToken) => Enqueue(new Write(record, null, null));

    // Claimed once, durably: an occurrence already run is not run again, also after a restart (a replayed external
    // trigger) or by a second process that opened the same file.
    public async Task<OccurrenceClaim> ClaimOccurrenceAsync(string route, DateTimeOffset occurrence, string executionId, CancellationToken cancellationToken)
    {
        var claim = new Write(null, null, null) { Schedule = new ScheduleClaim(route, occurrence, executionId, _time.GetUtcNow()) };
        await Enqueue(claim);
        return new OccurrenceClaim(claim.Claimed);
    }

    public async Task<DateTimeOffset?> GetLastOccurrenceAsync(string route, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT last_occurrence FROM schedules WHERE route = $route";
        command.Parameters.AddWithValue("$route", route);
        return await command.ExecuteScalarAsync(cancellationToken) is string text ? Parse(text) : null;
    }

    public Task<IReadOnlyList<StoredExecution>> ClaimUnfinishedAsync(int limit, CancellationToken cancellationToken) =>
        ReadAllAsync(
            $"SELECT {StoredRecord.Columns}, request, body FROM executions WHERE status IN ('Queued', 'Running') ORDER BY accepted_at LIMIT $limit",
            limit,
            reader => StoredRecord.ReadWithRequest(reader, ReadInstant),
            cancellationToken);

    // One process holds the file: nothing waits elsewhere, and every start is this process's.
    public Task<IReadOnlyList<StoredExecution>> ClaimWaitingAsync(int limit, DateTimeOffset acceptedBefore, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<StoredExecution>>([]);

    public async Task<bool> TryStartAsync(ExecutionRecord running, CancellationToken cancellationToken)
    {
        await UpdateAsync(running, cancellationToken);
        return true;
    }

    public Task<IReadOnlyList<ExecutionRecord>> GetRecentAsync(int limit, CancellationToken cancellationToken) =>
        ReadAllAsync(
            $"SELECT {StoredRecord.Columns} FROM executions ORDER BY accepted_at DESC, id LIMIT $limit",
            limit,
            reader => StoredRecord.Read(reader, ReadInstant),
            cancellationToken);

    // Every row of a query with one parameter, $limit.
    private async Task<IReadOnlyList<T>> ReadAllAsync<T>(string sql, int limit, Func<SqliteDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$limit", limit);
        var result = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(read(reader));
        }

        return result;
    }

    // Also forgets old schedule claims, but each schedule's latest (a claim outlives the trigger tolerance by far).
    public async Task<int> PruneAsync(DateTimeOffset finishedBefore, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        await DeleteAsync("""
            DELETE FROM schedule_runs WHERE claimed_at < $before
                AND occurrence < (SELECT max(m.occurrence) FROM schedule_runs m WHERE m.route = schedule_runs.route)
            """);
        return await DeleteAsync("DELETE FROM executions WHERE finished_at IS NOT NULL AND finished_at < $before AND status NOT IN ('Queued', 'Running')");

        async Task<int> DeleteAsync(string sql)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.Parameters.AddWithValue("$before", Format(finishedBefore));
            return await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _writes.Writer.TryComplete();
        await _writer;
        await _writeConnection.DisposeAsync();
    }


    private Task Enqueue(Write write)
    {
        return _writes.Writer.TryWrite(write)
            ? write.Done.Task
            : Task.FromException(new ExecutionStoreUnavailableException("The execution store is closed."));
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Write>(MaxBatch);
        using var insert = _writeConnection.CreateCommand();
        insert.CommandText = $"""
            INSERT INTO executions ({StoredRecord.Columns}, request, body)
            VALUES ($id, $route, $kind, $status, $attempt, $accepted_at, $started_at, $finished_at, $occurrence, $error, $request, $body)
            ON CONFLICT (id) DO UPDATE SET status = excluded.status, attempt = excluded.attempt, started_at = excluded.started_at,
                finished_at = excluded.finished_at, error = excluded.error
            """;
        foreach (var name in new[] { "$id", "$route", "$kind", "$status", "$attempt", "$accepted_at", "$started_at", "$finished_at", "$occurrence", "$error", "$request", "$body" })
        {
            insert.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        using var claim = _writeConnection.CreateCommand();
        claim.CommandText = """
            INSERT INTO schedule_runs (route, occurrence, execution_id, claimed_at) VALUES ($route, $occurrence, $execution_id, $claimed_at)
            ON CONFLICT (route, occurrence) DO NOTHING
            """;
        foreach (var name in new[] { "$route", "$occurrence", "$execution_id", "$claimed_at" })
        {
            claim.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        using var schedule = _writeConnection.CreateCommand();
        schedule.CommandText = """
            INSERT INTO schedules (route, last_occurrence) VALUES ($route, $occurrence)
            ON CONFLICT (route) DO UPDATE SET last_occurrence = max(last_occurrence, excluded.last_occurrence)
            """;
        schedule.Parameters.Add(new SqliteParameter { ParameterName = "$route" });
        schedule.Parameters.Add(new SqliteParameter { ParameterName = "$occurrence" });

        while (await _writes.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _writes.Reader.TryRead(out var write))
            {
                batch.Add(write);
            }

            try
            {
                using var transaction = _writeConnection.BeginTransaction();
                insert.Transaction = transaction;
                claim.Transaction = transaction;
                schedule.Transaction = transaction;
                foreach (var write in batch)
                {
                    if (write.Schedule is { } run)
                    {
                        claim.Parameters[0].Value = run.Route;
                        claim.Parameters[1].Value = Format(run.Occurrence);
                        claim.Parameters[2].Value = run.ExecutionId;
                        claim.Parameters[3].Value = Format(run.ClaimedAt);
                        write.Claimed = claim.ExecuteNonQuery() == 1;
                        if (write.Claimed)
                        {
                            schedule.Parameters[0].Value = run.Route;
                            schedule.Parameters[1].Value = Format(run.Occurrence);
                            schedule.ExecuteNonQuery();
                        }

                        continue;
                    }

                    Bind(insert, write);
                    insert.ExecuteNonQuery();
                }

                transaction.Commit();
                batch.ForEach(write => write.Done.TrySetResult());
            }
            catch (SqliteException e)
            {
                var error = new ExecutionStoreUnavailableException($"The execution store '{Path}' cannot be written: {e.Message}", e);
                batch.ForEach(write => write.Done.TrySetException(error));
            }
        }
    }

    private static void Bind(SqliteCommand command, Write write)
    {
        var record = write.Record!;
        var values = new object?[]
        {
            record.Id, record.Route, record.Kind, record.Status.ToString(), record.Attempt, Format(record.AcceptedAt),
            Format(record.StartedAt), Format(record.FinishedAt), Format(record.Occurrence), record.Error, write.Request, write.Body,
        };
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
    }

    private async Task<SqliteConnection> OpenReadAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch (SqliteException e)
        {
            await connection.DisposeAsync();
            throw new ExecutionStoreUnavailableException($"The execution store '{Path}' cannot be read: {e.Message}", e);
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    // Round-trip UTC text: sorts as the instants do.
    private static string? Format(DateTimeOffset? instant) => instant?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset Parse(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    private static DateTimeOffset ReadInstant(DbDataReader row, int column) => Parse(row.GetString(column));

    // Files written before credentials were dropped at capture may hold some in stored requests: remove them once.
    private static void ScrubCredentials(SqliteConnection connection)
    {
        using var version = connection.CreateCommand();
        version.CommandText = "PRAGMA user_version";
        if (Convert.ToInt64(version.ExecuteScalar(), CultureInfo.InvariantCulture) >= 1)
        {
            return;
        }

        var paths = string.Join(", ", SecretHeaders.AlwaysDropped.SelectMany(name => new[] { name, name.ToLowerInvariant() }).Select(name => $"'$.headers.\"{name}\"'"));
        Execute(connection, $"""
            PRAGMA secure_delete = ON;
            UPDATE executions SET request = json_remove(request, {paths}) WHERE request IS NOT NULL AND json_valid(request);
            PRAGMA user_version = 1;
            PRAGMA secure_delete = OFF;
            """);
    }

    private sealed record ScheduleClaim(string Route, DateTimeOffset Occurrence, string ExecutionId, DateTimeOffset ClaimedAt);

    private sealed record Write(ExecutionRecord? Record, string? Request, byte[]? Body)
    {
        public ScheduleClaim? Schedule { get; init; }

        /// <summary>For a schedule claim: whether it landed; set before <see cref="Done"/> completes.</summary>
        public bool Claimed { get; set; }

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
