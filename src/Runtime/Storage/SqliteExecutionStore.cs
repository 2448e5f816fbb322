using System.Data.Common;
using System.Globalization;
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
    private readonly string _connectionString;
    private readonly SqliteConnection _writeConnection;
    private readonly GroupCommitWriter<SqliteWrite> _writer;
    private readonly SqliteWriteCommands _commands;
    private readonly TimeProvider _time;
    private readonly StoreLock _held;

    private SqliteExecutionStore(string path, SqliteConnection writeConnection, StoreLock held, TimeProvider time)
    {
        _held = held;
        Path = path;
        _time = time;
        _connectionString = writeConnection.ConnectionString;
        _writeConnection = writeConnection;
        _commands = new SqliteWriteCommands(writeConnection);
        _writer = new GroupCommitWriter<SqliteWrite>(
            CommitAsync,
            // A new execution is not kept on failure (its request was answered 503); changes of state are.
            write => write is { Record: { } record, Request: null } ? record.Id : null,
            (e, kept) => new ExecutionStoreUnavailableException(
                $"The execution store '{path}' cannot be written: {e.Message}" + (kept ? " The change is kept and written when the store can be written again." : ""), e),
            time);
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
        StoreLock? held = null;
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
            held = StoreLock.Acquire(path);
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
            return new SqliteExecutionStore(path, connection, held, time ?? TimeProvider.System);
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            held?.Dispose();
            throw new ExecutionStoreUnavailableException(
                $"The execution store '{path}' cannot be opened: {e.Message} Set ApiRoutes:Store:Path to a writable file, "
                + "or ApiRoutes:Store:Provider to InMemory.", e);
        }
    }

    public Task AddAsync(ExecutionRecord record, RequestSnapshot request, CancellationToken cancellationToken) =>
        _writer.WriteAsync(new SqliteWrite(record, StoredRequest.ToJson(request), request.Body.ToArray()));

    public Task UpdateAsync(ExecutionRecord record, CancellationToken cancellationToken) => _writer.WriteAsync(new SqliteWrite(record, null, null));

    // Claimed once, durably: an occurrence already run is not run again, also after a restart (a replayed external
    // trigger) or by a second process that opened the same file.
    public async Task<OccurrenceClaim> ClaimOccurrenceAsync(string route, DateTimeOffset occurrence, string executionId, CancellationToken cancellationToken)
    {
        var claimed = await _writer.WriteAsync(new SqliteWrite(null, null, null) { Schedule = new ScheduleClaim(route, occurrence, executionId, _time.GetUtcNow()) });
        return new OccurrenceClaim(claimed);
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
            reader => StoredRecord.TryRead(reader, ReadInstant),
            cancellationToken);

    // Every readable row of a query with one parameter, $limit.
    private async Task<IReadOnlyList<T>> ReadAllAsync<T>(string sql, int limit, Func<SqliteDataReader, T?> read, CancellationToken cancellationToken)
        where T : class
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$limit", limit);
        var result = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (read(reader) is { } item)
            {
                result.Add(item);
            }
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
        await _writer.DisposeAsync();
        _commands.Dispose();
        await _writeConnection.DisposeAsync();
        _held.Dispose();
    }

    // One transaction for the batch; per write, whether it applied (a claim lands once per occurrence).
    private Task<IReadOnlyList<bool>> CommitAsync(IReadOnlyList<SqliteWrite> batch)
    {
        var applied = new bool[batch.Count];
        using var transaction = _writeConnection.BeginTransaction();
        _commands.Enlist(transaction);
        for (var i = 0; i < batch.Count; i++)
        {
            applied[i] = batch[i] switch
            {
                { Schedule: { } run } => _commands.Claim(run),
                var write => _commands.Upsert(write),
            };
        }

        transaction.Commit();
        return Task.FromResult<IReadOnlyList<bool>>(applied);
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
    internal static string? Format(DateTimeOffset? instant) => instant?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

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

        // Out of the write-ahead log too, now: a process killed before its next checkpoint would leave them there.
        Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE)");
    }

}
