using Npgsql;

namespace ApiRoutes.Storage;

/// <summary>
/// The PostgreSQL store's tables (<c>apiroutes_*</c>) and their versions. Replicas starting together migrate one at a
/// time, under an advisory lock: the first applies what is missing, the others see it done. A database migrated by a
/// newer release is refused with what to do.
/// </summary>
internal static class PostgresSchema
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

        // Executions remember what they replay; every occurrence of a schedule is recorded with its outcome, once per
        // (route, occurrence, outcome) across the replicas; executions are filtered by route.
        """
        ALTER TABLE apiroutes_executions ADD COLUMN replay_of text;
        CREATE INDEX apiroutes_executions_route ON apiroutes_executions (route, accepted_at);
        CREATE TABLE apiroutes_schedule_occurrences (
            route text NOT NULL,
            occurrence timestamptz NOT NULL,
            outcome text NOT NULL,
            execution_id text,
            detail text,
            recorded_at timestamptz NOT NULL,
            PRIMARY KEY (route, occurrence, outcome));
        CREATE INDEX apiroutes_schedule_occurrences_occurrence ON apiroutes_schedule_occurrences (occurrence);
        """,

        // 2 → 3: the W3C trace context an execution's attempts continue (across a restart and a take-over).
        """
        ALTER TABLE apiroutes_executions ADD COLUMN trace_parent text, ADD COLUMN trace_state text;
        """,

        // 3 → 4: schedules paused from the dashboard, for every replica and across restarts.
        """
        CREATE TABLE apiroutes_schedule_pauses (
            route text PRIMARY KEY,
            until timestamptz,
            paused_at timestamptz NOT NULL);
        """,

        // 4 → 5: when a retry waiting out its delay is due, so that a restart or a take-over waits out the rest of it.
        """
        ALTER TABLE apiroutes_executions ADD COLUMN retry_at timestamptz;
        """,

        // 5 → 6: a background request's Idempotency-Key and its request's fingerprint; one execution per (route, key)
        // across the replicas.
        """
        ALTER TABLE apiroutes_executions ADD COLUMN idempotency_key text, ADD COLUMN request_hash text;
        CREATE UNIQUE INDEX apiroutes_executions_idempotency ON apiroutes_executions (route, idempotency_key) WHERE idempotency_key IS NOT NULL;
        """,

        // 6 → 7: the routes each replica serves (kind and template), so that in a rolling deploy no replica takes work
        // of a route it does not have while a replica that has it lives; null for a replica of an earlier release.
        """
        ALTER TABLE apiroutes_replicas ADD COLUMN routes text[];
        """,

        // 7 → 8: the schedule each route is served with and since when, so that a start after a deploy that changed it
        // does not count the new schedule's occurrences before it existed as missed.
        """
        CREATE TABLE apiroutes_schedules_served (
            route text PRIMARY KEY,
            schedule text NOT NULL,
            since timestamptz NOT NULL);
        """,

        // 8 → 9: the pauses of a schedule that ended before its latest, kept as the record of what came while each held.
        """
        CREATE TABLE apiroutes_schedule_pauses_ended (
            route text NOT NULL,
            paused_at timestamptz NOT NULL,
            until timestamptz NOT NULL,
            PRIMARY KEY (route, paused_at));
        """,

        // 9 → 10: an execution's earlier attempts (when each ran, why it failed), kept when a later one succeeds.
        """
        ALTER TABLE apiroutes_executions ADD COLUMN earlier_attempts text;
        """,

        // 10 → 11: a schedule's recent claims found without reading all its claims kept (each claim looks for another
        // live replica's claim of the last minutes whose run is not written yet: 5–16 ms through the primary key for an
        // every-minute schedule kept 7 days, 0.4 ms through this), while the schedule's claims wait their turn.
        """
        CREATE INDEX apiroutes_schedule_runs_claimed ON apiroutes_schedule_runs (route, claimed_at);
        """,

        // 11 → 12: a claim that is a skip (review 47C F1): the occurrence came while the run it names still went, and no
        // claim of it after the skip runs it; a take-over never takes it for a run that did not start.
        """
        ALTER TABLE apiroutes_schedule_runs ADD COLUMN skipped boolean NOT NULL DEFAULT false;
        """,
    ];

    /// <exception cref="ExecutionStoreUnavailableException">The database was migrated by a newer release.</exception>
    public static void Migrate(NpgsqlConnection connection, string description)
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

    // A migration may take long on a big database, and the lock waits for another replica's: not the store's short
    // command timeout (PostgresDatabase.DefaultCommandTimeout).
    private static void Execute(NpgsqlConnection connection, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = PostgresDatabase.LongCommandTimeout };
        command.ExecuteNonQuery();
    }
}
