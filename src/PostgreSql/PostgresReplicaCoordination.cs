using System.Data;
using System.Diagnostics;
using ApiRoutes.Execution;
using ApiRoutes.Manifest;
using Npgsql;

namespace ApiRoutes.Storage;

/// <summary>
/// The replicas' coordination through their PostgreSQL database. Each replica registers with a lease
/// (<c>apiroutes_replicas</c>) that <see cref="LeaseRenewalService"/> renews. When a replica stops (it unregisters) or
/// dies (its lease lapses), the others claim its unfinished work; idle replicas claim first attempts that wait too
/// long at a busy one (<c>FOR UPDATE SKIP LOCKED</c>; never the same row twice). A start is written before the handler
/// runs and lands only while this replica holds the execution, so work another replica took is skipped here rather
/// than run twice.
/// </summary>
internal sealed class PostgresReplicaCoordination(PostgresDatabase database, PostgresWriter writer, TimeSpan lease, long registeredAt) : IReplicaCoordination
{
    // A renewal and the unregistering at stop never overlap: renewing after it would register this replica again.
    private readonly SemaphoreSlim _registration = new(1, 1);
    private bool _unregistered;

    public string Replica => database.Replica;

    public string Description => database.Description;

    public TimeSpan LeaseDuration => lease;

    public long? RegisteredAt => registeredAt;

    public ClockReading? Clock { get; private set; }

    public static void Register(NpgsqlConnection connection, string replica, TimeSpan lease)
    {
        using var command = new NpgsqlCommand(
            "INSERT INTO apiroutes_replicas (id, lease_until) VALUES ($1, now() + $2) ON CONFLICT (id) DO UPDATE SET lease_until = excluded.lease_until",
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = replica });
        command.Parameters.Add(new NpgsqlParameter { Value = lease });
        command.ExecuteNonQuery();
    }

    // A replica that could not renew in time (it hung, or lost the database) learns it here and registers again.
    public async Task<LeaseRenewal> RenewLeaseAsync(CancellationToken cancellationToken)
    {
        await _registration.WaitAsync(cancellationToken);
        try
        {
            if (_unregistered)
            {
                throw new ExecutionStoreUnavailableException($"Replica {Replica} has unregistered from {Description}; its lease is not renewed.");
            }

            var renewal = LeaseRenewal.Renewed;
            await database.RunAsync(
                "UPDATE apiroutes_replicas SET lease_until = now() + $2 WHERE id = $1 AND lease_until > now() RETURNING clock_timestamp()",
                async command =>
                {
                    command.Parameters.Add(new NpgsqlParameter { Value = Replica });
                    command.Parameters.Add(new NpgsqlParameter { Value = lease });
                    // This machine's clock, whatever the app's TimeProvider. The row's presence says whether the lease was
                    // live; its value is read as an instant whatever type mapping the app chose (NodaTime's, the legacy
                    // local DateTime), as every time of the store is.
                    var (sent, started) = (DateTimeOffset.UtcNow, Stopwatch.GetTimestamp());
                    DateTimeOffset? read = null;
                    await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
                    {
                        if (await reader.ReadAsync(cancellationToken))
                        {
                            read = reader.GetFieldValue<DateTimeOffset>(0);
                        }
                    }

                    if (read is { } database)
                    {
                        Clock = ClockReading.Of(sent, Stopwatch.GetElapsedTime(started), database);
                    }
                    else
                    {
                        renewal = LeaseRenewal.Lapsed;
                        Register(command.Connection!, Replica, lease);
                    }
                },
                "written",
                cancellationToken);
            return renewal;
        }
        finally
        {
            _registration.Release();
        }
    }

    // In the schedule's claim turn (PostgresExecutionStore.ClaimTurn), as a claim of an occurrence is made: the look for a
    // run going elsewhere, then this run's row (Queued, this replica's), one transaction read committed. A read alone
    // let two replicas starting by hand at one moment, or one starting by hand as another claimed, both pass (note 44):
    // now the later of the two sees the other's claim or row. The row is the writer's own statement (PostgresUpsert), so
    // the accept's write that follows it updates the same row.
    // A failure before the row's statement was sent leaves nothing written; after it, the row may have landed with its
    // answer lost (MayHaveLanded), and the caller records the run failed.
    public async Task<string?> StartByHandAsync(ExecutionRecord run, CancellationToken cancellationToken)
    {
        string? other = null;
        var sent = false;
        try
        {
            await database.RunAsync(
                ScheduleRunElsewhere.Select("$1", "$2"),
                async command =>
                {
                    await using var transaction = await command.Connection!.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
                    await using (var look = new NpgsqlBatch(command.Connection, transaction)
                    {
                        BatchCommands =
                        {
                            new NpgsqlBatchCommand(PostgresExecutionStore.ClaimTurn) { Parameters = { new NpgsqlParameter<string>(null!, run.Route) } },
                            new NpgsqlBatchCommand(command.CommandText) { Parameters = { new NpgsqlParameter<string>(null!, run.Route), new NpgsqlParameter<string>(null!, Replica) } },
                        },
                    })
                    {
                        await using var reader = await look.ExecuteReaderAsync(cancellationToken);
                        await reader.NextResultAsync(cancellationToken);
                        other = await reader.ReadAsync(cancellationToken) ? reader.GetString(0) : null;
                    }

                    if (other is not null)
                    {
                        return;   // the transaction rolls back as it is disposed, and the turn is given up with it
                    }

                    await using (var write = new NpgsqlBatch(command.Connection, transaction) { BatchCommands = { PostgresUpsert.Command([new PostgresWriter.Write(run, null, null)], 0, 1, Replica) } })
                    {
                        sent = true;
                        if (await write.ExecuteScalarAsync(cancellationToken) is null)
                        {
                            throw new InvalidOperationException($"The row of run {run.Id} of {run.Route} was not written: another replica holds that id.");
                        }
                    }

                    await transaction.CommitAsync(cancellationToken);
                },
                "written",
                cancellationToken);
        }
        catch (ExecutionStoreUnavailableException e) when (sent)
        {
            throw new ExecutionStoreUnavailableException(e.Message, e.InnerException) { MayHaveLanded = true };
        }

        return other;
    }

    // One statement: the insert's ON CONFLICT DO NOTHING is what makes each claim closed once across replicas (and not
    // at all when the claimant's own row landed first); RETURNING names those this replica closed. A claimant back from
    // a pause inserts or starts its row as its owner and meets this one, another's: not run there (TryStartAsync). A
    // live claimant's claim with no run after ClaimWithoutRunLimit is closed too (review 38a F2: its claim landed and its
    // answer was lost; it never runs it, and the others had recorded it claimed elsewhere). A lapsed replica's claim is
    // closed only when the caller says its own renewals held ($6), and never this replica's own: it lives, and may be
    // asking that claim again before its renewal after an outage has landed (review 38g F3).
    public async Task<IReadOnlyList<ClaimNeverRun>> CloseClaimsNeverRunAsync(
        int limit, TimeSpan window, bool lapsed, IReadOnlyCollection<string> routes, CancellationToken cancellationToken)
    {
        var closed = new List<ClaimNeverRun>();
        var scheduled = RouteKind.Scheduled.Name();
        await database.RunAsync(
            $"""
            WITH orphaned AS (
                SELECT s.route, s.occurrence, s.execution_id, s.replica, s.claimed_at,
                    EXISTS (SELECT 1 FROM apiroutes_replicas r WHERE r.id = s.replica AND r.lease_until > now()) AS live
                FROM apiroutes_schedule_runs s
                WHERE {Examined("NOT s.skipped AND NOT EXISTS (SELECT 1 FROM apiroutes_executions e WHERE e.id = s.execution_id)")}
                ORDER BY s.claimed_at
                LIMIT $4),
            closed AS (
                INSERT INTO apiroutes_executions (id, route, kind, status, attempt, accepted_at, finished_at, occurrence, error, owner)
                SELECT execution_id, route, '{scheduled}', 'Failed', 1, claimed_at, now(), occurrence,
                    'Not run: replica ' || replica || ' claimed this occurrence at ' || to_char(claimed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
                        || CASE WHEN live THEN ' and wrote no run of it within {(int)IReplicaCoordination.ClaimWithoutRunLimit.TotalMinutes} minutes (its claim landed, and its answer was lost)'
                            ELSE ' and stopped (or let its lease lapse) before it wrote its run' END
                        || '; recorded missed, not run late.',
                    $1
                FROM orphaned
                ON CONFLICT (id) DO NOTHING
                RETURNING id)
            SELECT o.route, o.occurrence, o.claimed_at, o.replica, o.live FROM orphaned o JOIN closed c ON c.id = o.execution_id
            """,
            async command =>
            {
                AddExamined(command, limit, window, lapsed, routes);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    closed.Add(new ClaimNeverRun(
                        reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetString(3), reader.GetBoolean(4)));
                }
            },
            "written",
            cancellationToken);
        return [.. closed.OrderBy(claim => claim.ClaimedAt)];
    }

    // A run of the claimant's (or one that started, taken over since): not the row a take-over wrote to close the claim
    // (CloseClaimsNeverRunAsync: another replica's, never started), whose missed record may still be on its way. Of
    // occurrences whose record the prune keeps ($7; review 44c F4), whatever another replica recorded of it as claimed
    // elsewhere (44c F5). And a skip's claim, whether the run it names is there or not (review 48A F1: its replica stopped
    // between the skip's claim and its record, and no one recorded it).
    public async Task<IReadOnlyList<ClaimRunUnrecorded>> GetClaimsRunUnrecordedAsync(
        int limit, TimeSpan window, bool lapsed, DateTimeOffset occurrencesSince, IReadOnlyCollection<string> routes, CancellationToken cancellationToken)
    {
        var found = new List<ClaimRunUnrecorded>();
        const string Unrecorded =
            "s.occurrence >= $7 AND NOT EXISTS (SELECT 1 FROM apiroutes_schedule_occurrences o WHERE o.route = s.route AND o.occurrence = s.occurrence AND o.outcome NOT IN ('refused', 'claimed_elsewhere'))";
        // How the claimant stands (ClaimantState): this replica, another whose lease holds, or one gone.
        var claimant = $"CASE WHEN s.replica = $1 THEN {(int)ClaimantState.Own} WHEN EXISTS (SELECT 1 FROM apiroutes_replicas r WHERE r.id = s.replica AND r.lease_until > now()) THEN {(int)ClaimantState.Live} ELSE {(int)ClaimantState.Gone} END";
        // The row a take-over wrote to close a claim never run: never started, failed with why. Its owner is the closer,
        // which is the claimant when a replica closed its own claim (live, with no run after ClaimWithoutRunLimit): such a
        // row was read as the claimant's run, recorded ran, while the closer's missed record was on its way (review 48A F3).
        const string Closing = "e.started_at IS NULL AND e.status = 'Failed' AND coalesce(e.error, '') LIKE 'Not run: replica %'";   // never null: it is negated
        // Also a claim a take-over closed whose answer was lost, so that it wrote no missed record (review 45a F2): its
        // closing row (CloseClaimsNeverRunAsync: never started; of another replica's claim, or of the closer's own), older than ClaimWithoutRunLimit by the
        // database's clock, in which its closer's record has landed if it ever will (records are written again every 5 s).
        await database.RunAsync(
            $"""
            (SELECT s.route, s.occurrence, s.execution_id, s.replica, s.claimed_at, false, false, s.skipped, {claimant} FROM apiroutes_schedule_runs s
            WHERE {Examined($"(s.skipped OR EXISTS (SELECT 1 FROM apiroutes_executions e WHERE e.id = s.execution_id AND (e.owner = s.replica OR e.started_at IS NOT NULL) AND NOT ({Closing}))) AND " + Unrecorded)})
            UNION ALL
            (SELECT s.route, s.occurrence, s.execution_id, s.replica, s.claimed_at, true, e.error LIKE '% wrote no run of it within %', false, {claimant}
            FROM apiroutes_schedule_runs s JOIN apiroutes_executions e ON e.id = s.execution_id
            WHERE s.claimed_at >= now() - $2 AND NOT s.skipped AND {Closing} AND e.finished_at < now() - $5 AND {Unrecorded}
                AND {Served(ScheduleKey)})
            ORDER BY 5
            LIMIT $4
            """,
            async command =>
            {
                AddExamined(command, limit, window, lapsed, routes);
                command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>(null!, occurrencesSince.ToUniversalTime()));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    found.Add(new ClaimRunUnrecorded(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), reader.GetString(3))
                    {
                        Closed = reader.GetBoolean(5) ? new ClaimNeverRun(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(4), reader.GetString(3), reader.GetBoolean(6)) : null,
                        Skipped = reader.GetBoolean(7),
                        Claimant = (ClaimantState)reader.GetInt32(8),
                    });
                }
            },
            "read",
            cancellationToken);
        return found;
    }

    // The claims a take-over looks at (parameters: AddExamined), whose run is as `run` says: within the window; of other
    // replicas that stopped or let their lease lapse (with lapsed only), or older than ClaimWithoutRunLimit; of the routes
    // this replica serves, or of schedules no live replica serves.
    // A skip's claim only where `run` asks for one (review 47C F1): its execution is the run that went then, not a run of
    // the occurrence, whether that run's row is there or not, and it is never closed as a claim never run; one whose
    // record the replica that skipped never wrote is recorded skipped (GetClaimsRunUnrecordedAsync, review 48A F1).
    private static string Examined(string run) => $"""
        s.claimed_at >= now() - $2
            AND (s.claimed_at < now() - $5
                OR ($6 AND s.replica <> $1 AND NOT EXISTS (SELECT 1 FROM apiroutes_replicas r WHERE r.id = s.replica AND r.lease_until > now())))
            AND {run}
            AND {Served(ScheduleKey)}
        """;

    private void AddExamined(NpgsqlCommand command, int limit, TimeSpan window, bool lapsed, IReadOnlyCollection<string> routes)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = Replica });
        command.Parameters.Add(new NpgsqlParameter { Value = window });
        command.Parameters.Add(new NpgsqlParameter { Value = routes.ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = (long)limit });
        command.Parameters.Add(new NpgsqlParameter { Value = IReplicaCoordination.ClaimWithoutRunLimit });
        command.Parameters.Add(new NpgsqlParameter { Value = lapsed });
    }

    /// <summary>Removes this replica: its unfinished work is free for the others to claim at once.</summary>
    public async Task UnregisterAsync()
    {
        await _registration.WaitAsync();
        try
        {
            _unregistered = true;
            await database.RunAsync(
                "DELETE FROM apiroutes_replicas WHERE id = $1",
                async command =>
                {
                    command.Parameters.Add(new NpgsqlParameter { Value = Replica });
                    await command.ExecuteNonQueryAsync();
                },
                "written",
                CancellationToken.None);
        }
        finally
        {
            _registration.Release();
        }
    }

    // The same write as every change, awaited: it lands only while this replica holds the execution and its lease is
    // live, and a replica that took the execution over (or claimed it while it waited here) only takes queued ones, so
    // exactly one of them starts it. A refusal (rare) is told apart by a read of the row's owner: still this replica (or
    // no row yet: a scheduled run's start may be its row's first write), so its lease had lapsed, is "the start could not
    // be recorded" (tried again once the renewal has registered this replica anew), not "held elsewhere".
    public async Task<bool> TryStartAsync(ExecutionRecord running, CancellationToken cancellationToken)
    {
        if (await writer.WriteAsync(running))
        {
            return true;
        }

        // Mine: its row is this replica's, or there is none yet (a start that would have inserted it): refused for the
        // lapsed lease, not for another owner.
        var mine = false;
        await database.RunAsync(
            "SELECT NOT EXISTS (SELECT 1 FROM apiroutes_executions WHERE id = $1 AND owner <> $2)",
            async command =>
            {
                command.Parameters.Add(new NpgsqlParameter { Value = running.Id });
                command.Parameters.Add(new NpgsqlParameter { Value = Replica });
                mine = await command.ExecuteScalarAsync(cancellationToken) is true;
            },
            "read",
            cancellationToken);
        return mine
            ? throw new ExecutionStoreUnavailableException(
                $"The lease of replica {Replica} had lapsed in {Description}, so the start of execution {running.Id} was refused; it is tried again once the lease is renewed.")
            : false;
    }

    // Rows of replicas whose lease lapsed, or that unregistered when they stopped: of a route this replica serves, or of
    // one that no other live replica serves (a replica of an earlier release, which names none, is taken to serve every
    // route). In a rolling deploy, a replica without a route took the waiting work of a live replica that has it, and
    // recorded it failed: "its route no longer exists" (review 25b F4).
    public Task<IReadOnlyList<StoredExecution>> ClaimUnfinishedAsync(int limit, IReadOnlyCollection<string> routes, CancellationToken cancellationToken) =>
        ClaimAsync(
            "e.status IN ('Queued', 'Running') AND NOT EXISTS (SELECT 1 FROM apiroutes_replicas r WHERE r.id = e.owner AND r.lease_until > now()) "
            + $"AND {Served(RouteKeyOf("e"))}",
            limit,
            routes,
            null,
            cancellationToken);

    // First attempts of a route this replica serves still waiting in the queue of a busy replica; that replica skips them
    // when their turn comes.
    public Task<IReadOnlyList<StoredExecution>> ClaimWaitingAsync(int limit, DateTimeOffset acceptedBefore, IReadOnlyCollection<string> routes, CancellationToken cancellationToken) =>
        ClaimAsync(
            $"e.status = 'Queued' AND e.attempt = 1 AND e.kind = '{RouteKind.Background.Name()}' AND e.request IS NOT NULL AND e.owner <> $1 AND e.accepted_at < $4 "
            + $"AND {RouteKeyOf("e")} = ANY($3)",
            limit,
            routes,
            acceptedBefore,
            cancellationToken);

    // This replica's own unfinished rows that this process does not hold. Queued first attempts whose accept was answered
    // 503, the settling of a commit whose answer was lost having failed (PostgresWriter.MissingAsync), and whose row
    // landed after all (the server finished the statement of a client gone, or a partition healed and delivered it); and
    // any row a take-over of this replica claimed when the answer to its commit was lost (review 45a F1: a stopped
    // replica's running execution, its queued retries, a scheduled run, owned here and run by nobody while this replica
    // lived). Nothing else takes them while this replica lives: the others' take-over only takes rows of lapsed replicas,
    // and first attempts waiting at another replica (review 38a F3). Those held here ($5), queued, running or finished
    // with their end still to be written, are left alone: taking one again would run it twice. Of any route: this replica
    // took it (one whose route a reload removed is recorded as failed, as at a restart).
    public Task<IReadOnlyList<StoredExecution>> ClaimLandedAsync(
        int limit, DateTimeOffset acceptedBefore, IReadOnlyCollection<string> held, IReadOnlyCollection<string> routes, CancellationToken cancellationToken) =>
        ClaimAsync(
            "e.status IN ('Queued', 'Running') AND e.owner = $1 AND e.accepted_at < $4 AND NOT (e.id = ANY($5))",
            limit,
            routes,
            acceptedBefore,
            cancellationToken,
            held);

    // IReplicaCoordination.RouteKey, in SQL.
    private static string RouteKeyOf(string table) => $"{table}.kind || ' ' || {table}.route";

    // The route key of the schedule of a claim (apiroutes_schedule_runs s).
    private static readonly string ScheduleKey = $"'{RouteKind.Scheduled.Name()} ' || s.route";

    // A route this replica serves ($3, its route keys), or one that no other live replica serves (a replica of an earlier
    // release, which names none, is taken to serve every route); $1 is this replica.
    private static string Served(string routeKey) =>
        $"({routeKey} = ANY($3) OR NOT EXISTS (SELECT 1 FROM apiroutes_replicas r WHERE r.id <> $1 AND r.lease_until > now() "
        + $"AND (r.routes IS NULL OR {routeKey} = ANY(r.routes))))";

    // Claims are rare (every half lease per replica), so claimers take turns: each claim then sees the ones before it,
    // and a row is never claimed twice. SKIP LOCKED: a claimer never waits for a row its holder is writing.
    private async Task<IReadOnlyList<StoredExecution>> ClaimAsync(
        string condition, int limit, IReadOnlyCollection<string> routes, DateTimeOffset? acceptedBefore, CancellationToken cancellationToken, IReadOnlyCollection<string>? held = null)
    {
        var result = new List<StoredExecution>();
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            // A claimer frozen inside this transaction (a paused process or VM, a long GC pause, a network cut) held the
            // turn, and the rows it had updated, until it came back, or until TCP noticed after hours: every other
            // replica's take-over, and its writes of those rows, waited (review 24d F4). The server ends such a
            // transaction once it has sat idle for a lease (the frozen replica's own lease has lapsed by then), and a
            // claimer waits for its turn no longer than a lease either.
            var limitMs = (long)Math.Max(1000, lease.TotalMilliseconds);
            await using (var turn = new NpgsqlCommand(
                $"SET LOCAL idle_in_transaction_session_timeout = {limitMs}; SET LOCAL lock_timeout = {limitMs}; SELECT pg_advisory_xact_lock(hashtext('apiroutes_claim'))",
                connection,
                transaction))
            {
                await turn.ExecuteNonQueryAsync(cancellationToken);
            }

            // The routes this replica serves, for the claims of the others (its registration does not know them yet).
            var served = routes.ToArray();
            await using (var register = new NpgsqlCommand("UPDATE apiroutes_replicas SET routes = $2 WHERE id = $1 AND routes IS DISTINCT FROM $2", connection, transaction))
            {
                register.Parameters.Add(new NpgsqlParameter { Value = Replica });
                register.Parameters.Add(new NpgsqlParameter { Value = served });
                await register.ExecuteNonQueryAsync(cancellationToken);
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
                claim.Parameters.Add(new NpgsqlParameter { Value = served });
                if (acceptedBefore is { } before)
                {
                    claim.Parameters.Add(new NpgsqlParameter { Value = before.ToUniversalTime() });
                }

                if (held is not null)
                {
                    claim.Parameters.Add(new NpgsqlParameter { Value = held.ToArray() });
                }

                await using var reader = await claim.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    result.Add(StoredRecord.ReadWithRequest(reader, PostgresDatabase.ReadInstant));
                }
            }

            await transaction.CommitAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw database.Unavailable(e, "read");
        }

        return [.. result.OrderBy(execution => execution.Record.AcceptedAt)];
    }
}
