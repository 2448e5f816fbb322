using Npgsql;
using NpgsqlTypes;

namespace ApiRoutes.Storage;

/// <summary>
/// The PostgreSQL store's one write statement, for many executions at once: each column's values as one array
/// parameter, unnested into rows, so a batch of writes is one statement (planned once: its text never changes, and the
/// data source prepares it) rather than one per write. New executions are inserted; a change of state updates the
/// row only while this replica owns it (a success deletes the request: only failures are replayed); and a start (Running) lands only while this replica's lease is live as well, by
/// the database's clock, whether it updates the row or inserts it (a scheduled run's start can be its row's first
/// write: the group commit keeps only the latest change of an execution): work never starts on a lapsed lease,
/// whatever the replica's own clock says. RETURNING names the rows written.
/// </summary>
internal static class PostgresUpsert
{
    // The record's columns, then its request and body, as the arrays Command binds ($1 to $17); $18 is the replica.
    private const string RowArrays = """
        $1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::timestamptz[], $7::timestamptz[], $8::timestamptz[],
        $9::timestamptz[], $10::text[], $11::text[], $12::text[], $13::text[], $14::timestamptz[], $15::text[], $16::text[], $17::bytea[]
        """;

    public const string Sql = $"""
        INSERT INTO apiroutes_executions ({StoredRecord.Columns}, request, body, owner)
        SELECT r.*, $18 FROM unnest({RowArrays})
            AS r({StoredRecord.Columns}, request, body)
        WHERE r.status <> 'Running' OR EXISTS (SELECT 1 FROM apiroutes_replicas l WHERE l.id = $18 AND l.lease_until > now())
        ON CONFLICT (id) DO UPDATE SET status = excluded.status, attempt = excluded.attempt, started_at = excluded.started_at,
            finished_at = excluded.finished_at, error = excluded.error, retry_at = excluded.retry_at, earlier_attempts = excluded.earlier_attempts,
            request = CASE WHEN excluded.status = 'Succeeded' THEN NULL ELSE apiroutes_executions.request END,
            body = CASE WHEN excluded.status = 'Succeeded' THEN NULL ELSE apiroutes_executions.body END
        WHERE apiroutes_executions.owner = excluded.owner
            AND (excluded.status <> 'Running'
                OR EXISTS (SELECT 1 FROM apiroutes_replicas r WHERE r.id = excluded.owner AND r.lease_until > now()))
        RETURNING id
        """;

    /// <summary>
    /// New executions under idempotency keys: a row only where its route has no execution with that key (the unique
    /// index <c>apiroutes_executions_idempotency</c>, which also makes a replica inserting the same key wait for the
    /// other's transaction, then skip). Their ids are new, so that is the only conflict they can meet.
    /// </summary>
    public const string KeyedSql = $"""
        INSERT INTO apiroutes_executions ({StoredRecord.Columns}, request, body, idempotency_key, request_hash, owner)
        SELECT r.*, $18 FROM unnest({RowArrays}, $19::text[], $20::text[])
            AS r({StoredRecord.Columns}, request, body, idempotency_key, request_hash)
        ON CONFLICT DO NOTHING
        RETURNING id
        """;

    /// <summary>
    /// The batch cut into runs (start, count) in which no execution occurs twice: one statement cannot insert or update
    /// a row twice, and the later change must land after the earlier one. Writes under an idempotency key go in runs
    /// of their own (<see cref="KeyedSql"/>). Nearly every batch is one run.
    /// </summary>
    public static IReadOnlyList<(int Start, int Count)> Runs(IReadOnlyList<PostgresWriter.Write> batch)
    {
        var runs = new List<(int, int)>(1);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var start = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            if (!seen.Add(batch[i].Record.Id) || (batch[i].Key is null) != (batch[start].Key is null))
            {
                runs.Add((start, i - start));
                seen.Clear();
                seen.Add(batch[i].Record.Id);
                start = i;
            }
        }

        if (batch.Count > start)
        {
            runs.Add((start, batch.Count - start));
        }

        return runs;
    }

    /// <summary>The statement for the writes batch[start..start+count].</summary>
    public static NpgsqlBatchCommand Command(IReadOnlyList<PostgresWriter.Write> batch, int start, int count, string replica)
    {
        var ids = new string[count];
        var routes = new string[count];
        var kinds = new string[count];
        var statuses = new string[count];
        var attempts = new int[count];
        var accepted = new DateTimeOffset[count];
        var started = new DateTimeOffset?[count];
        var finished = new DateTimeOffset?[count];
        var occurrences = new DateTimeOffset?[count];
        var errors = new string?[count];
        var replays = new string?[count];
        var parents = new string?[count];
        var states = new string?[count];
        var retries = new DateTimeOffset?[count];
        var earlier = new string?[count];
        var requests = new string?[count];
        var bodies = new byte[]?[count];
        for (var i = 0; i < count; i++)
        {
            var (record, request, body) = batch[start + i];
            ids[i] = record.Id;
            routes[i] = record.Route;
            kinds[i] = record.Kind;
            statuses[i] = record.Status.ToString();
            attempts[i] = record.Attempt;
            accepted[i] = record.AcceptedAt.ToUniversalTime();
            started[i] = record.StartedAt?.ToUniversalTime();
            finished[i] = record.FinishedAt?.ToUniversalTime();
            occurrences[i] = record.Occurrence?.ToUniversalTime();
            errors[i] = PostgresText.Storable(record.Error);
            replays[i] = record.ReplayOf;
            parents[i] = record.TraceParent;
            states[i] = PostgresText.Storable(record.TraceState);
            retries[i] = record.RetryAt?.ToUniversalTime();
            earlier[i] = PostgresText.Storable(StoredAttempts.ToJson(record.EarlierAttempts));
            // A success deletes the request, which nothing reads again (only failures are replayed); so does the update.
            (requests[i], bodies[i]) = record.Status == ExecutionStatus.Succeeded ? (null, null) : (request, body);
        }

        var keyed = batch[start].Key is not null;
        var command = new NpgsqlBatchCommand(keyed ? KeyedSql : Sql);
        command.Parameters.Add(Array(ids, NpgsqlDbType.Text));
        command.Parameters.Add(Array(routes, NpgsqlDbType.Text));
        command.Parameters.Add(Array(kinds, NpgsqlDbType.Text));
        command.Parameters.Add(Array(statuses, NpgsqlDbType.Text));
        command.Parameters.Add(Array(attempts, NpgsqlDbType.Integer));
        command.Parameters.Add(Array(accepted, NpgsqlDbType.TimestampTz));
        command.Parameters.Add(Array(started, NpgsqlDbType.TimestampTz));
        command.Parameters.Add(Array(finished, NpgsqlDbType.TimestampTz));
        command.Parameters.Add(Array(occurrences, NpgsqlDbType.TimestampTz));
        command.Parameters.Add(Array(errors, NpgsqlDbType.Text));
        command.Parameters.Add(Array(replays, NpgsqlDbType.Text));
        command.Parameters.Add(Array(parents, NpgsqlDbType.Text));
        command.Parameters.Add(Array(states, NpgsqlDbType.Text));
        command.Parameters.Add(Array(retries, NpgsqlDbType.TimestampTz));
        command.Parameters.Add(Array(earlier, NpgsqlDbType.Text));
        command.Parameters.Add(Array(requests, NpgsqlDbType.Text));
        command.Parameters.Add(Array(bodies, NpgsqlDbType.Bytea));
        command.Parameters.Add(new NpgsqlParameter<string>(null!, replica));
        if (keyed)
        {
            var keys = new string[count];
            var hashes = new string[count];
            for (var i = 0; i < count; i++)
            {
                (keys[i], hashes[i]) = (batch[start + i].Key!.Value, batch[start + i].Key!.Fingerprint);
            }

            command.Parameters.Add(Array(keys, NpgsqlDbType.Text));
            command.Parameters.Add(Array(hashes, NpgsqlDbType.Text));
        }

        return command;
    }

    private static NpgsqlParameter Array<TElement>(TElement[] values, NpgsqlDbType elementType) =>
        new() { NpgsqlDbType = NpgsqlDbType.Array | elementType, Value = values };
}
