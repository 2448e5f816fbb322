using ApiRoutes.Execution;
using ApiRoutes.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;

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
    private readonly ILogger _logger;

    public PostgresWriter(PostgresDatabase database, TimeProvider time, ILogger logger)
    {
        _database = database;
        _logger = logger;
        // A new execution is not kept on failure (its request was answered 503); changes of state are, so an execution
        // that finished during an outage is not left "running" for another replica to run again.
        _writer = new GroupCommitWriter<Write>(
            CommitAsync,
            write => write.Request is null ? write.Record.Id : null,
            (e, kept) => new ExecutionStoreUnavailableException(
                $"The PostgreSQL execution store {database.Description} cannot be written: {e.Message}" + (kept ? " The change is kept and written when the server is back." : ""), e),
            time,
            // Classes 22 (data exception) and 23 (integrity constraint violation): that write's data.
            e => WriteFailure.IsDataError(e, error => error is PostgresException { SqlState: ['2', '2' or '3', ..] }),
            dropped: (write, e) => logger.KeptWriteDropped(write.Record.Id, e));
    }

    /// <summary>Whether the writes are failing for the server's sake, as the latest batch found.</summary>
    public WriteHealth Health => _writer.Health;

    /// <summary>Completes once written: true, or false when another replica holds the execution.</summary>
    /// <param name="record">The execution, new or changed.</param>
    /// <param name="request">For a new background execution, its request.</param>
    /// <param name="key">For a new background execution, its idempotency key: false when its route has an execution with that key.</param>
    public Task<bool> WriteAsync(ExecutionRecord record, RequestSnapshot? request = null, IdempotencyKey? key = null) =>
        _writer.WriteAsync(request is null ? new Write(record, null, null) : new Write(record, StoredRequest.ToJson(request), request.BodyArray()) { Key = key });

    /// <summary>Writes what is queued, then refuses more.</summary>
    public ValueTask DisposeAsync() => _writer.DisposeAsync();

    // One round trip and one transaction for the batch, and one statement per run of distinct executions (almost always
    // the whole batch): the rows go as arrays, one per column. No BEGIN and COMMIT of its own: the statements of one
    // batch run in one implicit transaction, all or none. Per write, whether it applied (RETURNING names the rows
    // written; one not named is held by another replica, because this one's lease lapsed or the execution waited too
    // long here).
    internal async Task<IReadOnlyList<bool>> CommitAsync(IReadOnlyList<Write> batch)
    {
        await using var connection = await _database.OpenAsync(CancellationToken.None);
        try
        {
            return await ExecuteAsync(connection, batch);
        }
        catch (NpgsqlException e) when (e is not PostgresException && batch.Any(write => write.Request is not null))
        {
            // The connection failed with the batch sent (or part of it): whether it committed is unknown. A new
            // background request must not be answered 503 when its row is there and will run (a client retrying would
            // run the work twice: review 16b F3), so the outcome is settled first, all or none.
            var news = batch.Where(write => write.Request is not null).ToList();
            if (await MissingAsync(news) is not { Count: 0 })
            {
                throw;   // not settled, or a new row is not there: the batch did not commit
            }

            // It committed. A new row under an idempotency key is there, or its key is another execution's: the store
            // reads which (its own id, or the other's). The changes of state in the batch are written again to learn
            // which applied (the same upserts: written twice, the same row; one another replica holds is refused again).
            var applied = batch.Select(write => write.Request is not null && write.Key is null).ToArray();
            var changes = Enumerable.Range(0, batch.Count).Where(i => batch[i].Request is null).ToList();
            var again = changes.Count == 0 ? [] : await CommitAsync([.. changes.Select(i => batch[i])]);
            for (var i = 0; i < changes.Count; i++)
            {
                applied[changes[i]] = again[i];
            }

            _logger.CommitAnswerLost(news.Count, e);
            return applied;
        }
    }

    // Which new rows of a batch whose connection failed before the answer are not there: each is inserted again, with its
    // route and idempotency key, in a transaction rolled back at once. An insert waits for a transaction still inserting
    // the same id or the same key (the indexes make it: no process id needed, so also behind a pooler such as
    // PgBouncer), then finds it there (the batch committed; for a keyed row, or its key is another execution's) or not
    // (it never came, or rolled back). Null when that cannot be settled within 5 s or at all (a batch sent in part, which
    // its server process holds until it notices the lost connection; the server away): then the request is refused, as
    // before, and a row that did land runs anyway (README says so).
    private async Task<HashSet<string>?> MissingAsync(IReadOnlyList<Write> news)
    {
        try
        {
            await using var connection = await _database.OpenAsync(CancellationToken.None);
            await using var transaction = await connection.BeginTransactionAsync();
            await using (var wait = new NpgsqlCommand("SET LOCAL lock_timeout = '5s'", connection, transaction))
            {
                await wait.ExecuteNonQueryAsync();
            }

            await using var probe = new NpgsqlCommand(
                """
                INSERT INTO apiroutes_executions (id, route, kind, status, attempt, accepted_at, idempotency_key)
                SELECT p.id, p.route, '', 'Probe', 0, now(), p.key FROM unnest($1::text[], $2::text[], $3::text[]) AS p(id, route, key)
                ON CONFLICT DO NOTHING
                RETURNING id
                """,
                connection,
                transaction);
            probe.Parameters.Add(new NpgsqlParameter { Value = news.Select(write => write.Record.Id).ToArray() });
            probe.Parameters.Add(new NpgsqlParameter { Value = news.Select(write => write.Record.Route).ToArray() });
            probe.Parameters.Add(new NpgsqlParameter { Value = news.Select(write => write.Key?.Value).ToArray() });
            var missing = new HashSet<string>(StringComparer.Ordinal);
            await using (var reader = await probe.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    missing.Add(reader.GetString(0));
                }
            }

            await transaction.RollbackAsync();
            return missing;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or ExecutionStoreUnavailableException)
        {
            return null;
        }
    }

    private async Task<IReadOnlyList<bool>> ExecuteAsync(NpgsqlConnection connection, IReadOnlyList<Write> batch)
    {
        var runs = PostgresUpsert.Runs(batch);
        await using var commands = new NpgsqlBatch(connection);
        foreach (var (start, count) in runs)
        {
            commands.BatchCommands.Add(PostgresUpsert.Command(batch, start, count, _database.Replica));
        }

        var written = new HashSet<string>(StringComparer.Ordinal);
        var applied = new bool[batch.Count];
        await using (var reader = await commands.ExecuteReaderAsync())
        {
            foreach (var (start, count) in runs)
            {
                written.Clear();
                while (await reader.ReadAsync())
                {
                    written.Add(reader.GetString(0));
                }

                for (var i = start; i < start + count; i++)
                {
                    applied[i] = written.Contains(batch[i].Record.Id);
                }

                await reader.NextResultAsync();
            }
        }

        return applied;
    }

    /// <summary>One write: an execution, new (with its request, and perhaps an idempotency key) or changed.</summary>
    internal sealed record Write(ExecutionRecord Record, string? Request, byte[]? Body)
    {
        public IdempotencyKey? Key { get; init; }
    }
}
