using ApiRoutes.Execution;
using Npgsql;
using NpgsqlTypes;

namespace ApiRoutes.Storage;

/// <summary>
/// Every write about an execution, for the store and for the coordination alike, through the one
/// <see cref="GroupCommitWriter{TWrite}"/>: whatever arrived while the last transaction ran goes into the next. A
/// write lands only while this replica holds the execution (the row's owner), so a replica that lost its lease
/// cannot overwrite the work of the one that took over.
/// </summary>
internal sealed class PostgresWriter : IAsyncDisposable
{
    private readonly PostgresDatabase _database;
    private readonly GroupCommitWriter<Write> _writer;

    public PostgresWriter(PostgresDatabase database, TimeProvider time)
    {
        _database = database;
        // A new execution is not kept on failure (its request was answered 503); changes of state are, so an execution
        // that finished during an outage is not left "running" for another replica to run again.
        _writer = new GroupCommitWriter<Write>(
            CommitAsync,
            write => write.Request is null ? write.Record.Id : null,
            (e, kept) => new ExecutionStoreUnavailableException(
                $"The PostgreSQL execution store {database.Description} cannot be written: {e.Message}" + (kept ? " The change is kept and written when the server is back." : ""), e),
            time);
    }

    /// <summary>Completes once written: true, or false when another replica holds the execution.</summary>
    /// <param name="record">The execution, new or changed.</param>
    /// <param name="request">For a new background execution, its request.</param>
    public Task<bool> WriteAsync(ExecutionRecord record, RequestSnapshot? request = null) =>
        _writer.WriteAsync(request is null ? new Write(record, null, null) : new Write(record, StoredRequest.ToJson(request), request.Body.ToArray()));

    /// <summary>Writes what is queued, then refuses more.</summary>
    public ValueTask DisposeAsync() => _writer.DisposeAsync();

    // One transaction; per write, whether it applied (no row: another replica claimed the execution, because this
    // one's lease lapsed or the execution waited too long here).
    private async Task<IReadOnlyList<bool>> CommitAsync(IReadOnlyList<Write> batch)
    {
        await using var connection = await _database.OpenAsync(CancellationToken.None);
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

    // One statement for a new execution and for every change after it; a change applies only to this replica's row.
    private NpgsqlBatchCommand Upsert(Write write)
    {
        var record = write.Record;
        var command = new NpgsqlBatchCommand($"""
            INSERT INTO apiroutes_executions ({StoredRecord.Columns}, request, body, owner)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
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
        command.Parameters.Add(Text(record.Error));
        command.Parameters.Add(Text(record.ReplayOf));
        command.Parameters.Add(Text(record.TraceParent));
        command.Parameters.Add(Text(record.TraceState));
        command.Parameters.Add(Text(write.Request));
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = (object?)write.Body ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter<string>(null!, _database.Replica));
        return command;
    }

    private static NpgsqlParameter Text(string? text) => new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)text ?? DBNull.Value };

    private static NpgsqlParameter Instant(DateTimeOffset? instant) =>
        new() { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = instant is { } value ? value.ToUniversalTime() : DBNull.Value };

    private sealed record Write(ExecutionRecord Record, string? Request, byte[]? Body);
}
