using System.Globalization;
using System.Text;
using ApiRoutes.Execution;
using Microsoft.Data.Sqlite;

namespace ApiRoutes.Storage;

/// <summary>
/// The SQLite store's file: opened for one process (<see cref="StoreLock"/>), in WAL with synchronous FULL (the log
/// flushed in every commit; a committed execution survives a crash of the process or the machine) and secure_delete ON
/// (freed bytes are zeroed), its tables created when missing, and rows of earlier versions cleaned of credentials once.
/// </summary>
internal static class SqliteSchema
{
    /// <summary>Opens (creating if needed) the database file, held by this process, as its one write connection.</summary>
    /// <exception cref="ExecutionStoreUnavailableException">The file cannot be created or opened, or another process holds it.</exception>
    public static (SqliteConnection Connection, StoreLock Held) Open(string path)
    {
        StoreLock? held = null;
        SqliteConnection? connection = null;
        var file = path;
        try
        {
            // One file for the lock, SQLite and the folder made here: the one the kernel finds at the configured path.
            file = StorePath.OnDisk(path);

            // The executions hold requests' bodies and headers: a folder made here, and the files, are the owner's only.
            var folder = Path.GetDirectoryName(file)!;
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(folder);
            }
            else
            {
                // Each folder made, from the top: CreateDirectory(path, mode) gives the mode to the last one only, and the
                // ones above it that it makes got the umask's 0755 (review 28c F4: apiroutes/<App>/, the production
                // store's folder, made by the development server's store in apiroutes/<App>/Development/).
                var missing = new Stack<string>();
                for (var above = folder; !string.IsNullOrEmpty(above) && !Directory.Exists(above); above = Path.GetDirectoryName(above))
                {
                    missing.Push(above);
                }

                while (missing.TryPop(out var made))
                {
                    Directory.CreateDirectory(made, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
            }

            // Also makes the database file, owner only, when it is not there: after the log beside it was looked at.
            held = StoreLock.Acquire(file, there => RefuseLostLog(path, file, there));

            connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
            connection.Open();
            // secure_delete: what a write frees is zeroed, so that a request's bytes do not outlive its row in the file
            // (review 38b F2): an update rewrites the whole row and frees the old one. ON, not FAST: FAST leaves freed
            // overflow pages, which hold a body over a page's size, as they were. The prune sets it on its own connection.
            Execute(connection, """
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = FULL;
                PRAGMA busy_timeout = 5000;
                PRAGMA secure_delete = ON;
                """);

            // A file SQLite may only read opens without a word, and the app refused every background request (review 33b F4).
            SqliteReadOnly.Probe(connection);
            if (!CreateCurrent(connection))
            {
                Execute(connection, $"CREATE TABLE IF NOT EXISTS executions ({ExecutionsColumns});\n{VersionZeroTables}");
                ScrubCredentials(connection);
                Upgrade(connection);
            }

            RefuseMissingParts(path, connection);
            AddUnfinishedOrder(connection);   // on the columns RefuseMissingParts found
            held.FollowLog(file);
            return (connection, held);
        }
        catch (ExecutionStoreUnavailableException)
        {
            connection?.Dispose();
            held?.Dispose();
            throw;
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException or ArgumentException)   // ArgumentException: a NUL in the path
        {
            connection?.Dispose();
            held?.Dispose();
            throw new ExecutionStoreUnavailableException(
                e is SqliteException sqlite && SqliteDamage.Is(sqlite) ? SqliteDamage.Describe(path, sqlite)
                : e is SqliteException readOnly && SqliteReadOnly.Is(readOnly) ? SqliteReadOnly.Describe(path, file, readOnly)
                : Full(path) is { } full ? full
                : $"The execution store '{path}' cannot be opened: {e.Message} Set ApiRoutes:Store:Path to a writable file, "
                    + "or ApiRoutes:Store:Provider to InMemory.",
                e);
        }
    }

    // A full disk fails the open with SQLite's "disk I/O error" (its log and shared memory cannot be made): said as what
    // it is, and, when the store holds work, without advice that would start the app without it (review 32b F3: "or
    // ApiRoutes:Store:Provider to InMemory" for a file of 119 unfinished executions).
    internal static string? Full(string path, Func<string, long>? freeSpace = null)
    {
        try
        {
            var file = StorePath.OnDisk(path);
            var folder = Path.GetDirectoryName(file)!;
            var free = freeSpace?.Invoke(folder) ?? new DriveInfo(folder).AvailableFreeSpace;
            if (free >= 1 << 20)
            {
                return null;
            }

            var holds = File.Exists(file) && new FileInfo(file).Length > 0;
            return $"The execution store '{path}' cannot be opened: the disk it is on is full ({free} bytes free). Free space there and start "
                + (holds
                    ? "again: the store holds the work accepted before, which runs once it opens (another ApiRoutes:Store:Path, or InMemory, would start without it)."
                    : "again, or set ApiRoutes:Store:Path to a file on another disk.");
        }
#pragma warning disable CA1031 // only a better message: the open's own failure is said otherwise
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    // SQLite takes a write-ahead log whose header is not its own for no log, and one beside an empty database file
    // replays into a file it does not belong to: the work the log holds would be lost without a word (review 32b F1, F2:
    // a file emptied, or its log emptied in place, while the app ran). Refused, with what to do. So is a log with no
    // database file at all (review 37b F1): the file deleted, and the process that had it open killed before it set the
    // log aside (or one of a version that did not); a log holds changed pages only, no store.
    private static void RefuseLostLog(string path, string file, bool there)
    {
        var log = file + "-wal";
        if (!Path.Exists(log))
        {
            // The usual start (SQLite removes the log when its last connection closes): said without the exception below,
            // the start-up's first, whose message and stack cost it 15-20 ms (issue 15).
            return;
        }

        long logLength;
        uint magic;
        try
        {
            using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            logLength = stream.Length;
            Span<byte> header = stackalloc byte[4];
            magic = logLength >= 32 && stream.Read(header) == 4 ? System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(header) : 0;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return;   // no log (removed since the look above): nothing waits to be copied into the file
        }

        if (logLength <= 32)
        {
            return;   // a header at most: no work in it
        }

        if (!there)
        {
            throw new ExecutionStoreUnavailableException(
                $"The execution store '{path}' is damaged: its database file is missing while a write-ahead log of one, '{log}', "
                + $"holds {logLength} bytes of work (the file was deleted, or moved, and the log left behind: the process that "
                + "had it open was killed). The log alone is no store: it holds changed pages of that file only. Stop every "
                + $"process that uses the store, then put the database file back at '{file}' if it was moved, or restore it from "
                + $"a backup, or move '{log}' and '{file}-shm' aside to start with an empty store (the work in it is then not run).");
        }

        if (magic is not (0x377f0682 or 0x377f0683))
        {
            // What reached the database file is still there: only the log's work is lost, and no header can bring it back
            // (review 32d F3: the advice to start with an empty store threw the file's rows away too).
            throw new ExecutionStoreUnavailableException(
                $"The execution store '{path}' is damaged: its write-ahead log '{log}' ({logLength} bytes) does not begin with "
                + "SQLite's header (it was emptied or overwritten while the app ran), and SQLite would open the store without the work it holds. "
                + $"Stop every process that uses it, then restore the store from a backup, or move '{log}' and '{file}-shm' aside: the "
                + "store opens with what had reached the database file, and the work only the log held is not run.");
        }

        if (new FileInfo(file).Length == 0)
        {
            throw new ExecutionStoreUnavailableException(
                $"The execution store '{path}' is damaged: its database file is empty (it was emptied, or replaced, while the app "
                + $"ran) while its write-ahead log '{log}' holds {logLength} bytes of work, which belong to the file that was there. "
                + $"Stop every process that uses it, then restore the store from a backup, or move '{path}' aside with its '-wal' and "
                + "'-shm' files to start with an empty store (the work in them is then not run).");
        }
    }

    // What the current version reads and writes. The upgrades add what a file of an earlier version lacks; what is still
    // missing after them was taken away (a column dropped or a table deleted by hand, a restore in part). Such a file
    // failed the store's constructor with SQLite's raw error (an unhandled exception at start-up, its lock kept, so the
    // dashboard's open of it said it was in use by this very process), or, a table only the scheduler reads, opened and
    // ran a schedule paused until 9999 (review 35c F4). Refused at open instead, saying what is missing.
    private static readonly (string Table, string[] Columns)[] Tables =
    [
        ("executions", [.. StoredRecord.Columns.Split(", "), "request", "body", "idempotency_key", "request_hash"]),
        ("schedules", ["route", "last_occurrence"]),
        ("schedule_runs", ["route", "occurrence", "execution_id", "claimed_at", "skipped"]),
        ("schedule_occurrences", ["route", "occurrence", "outcome", "execution_id", "detail", "recorded_at"]),
        ("schedule_pauses", ["route", "until", "paused_at"]),
        ("schedules_served", ["route", "schedule", "since"]),
        ("schedule_pauses_ended", ["route", "paused_at", "until"]),
    ];

    private static void RefuseMissingParts(string path, SqliteConnection connection)
    {
        var missing = new List<string>();
        foreach (var (table, columns) in Tables)
        {
            var present = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "SELECT name FROM pragma_table_info($table)";
                command.Parameters.AddWithValue("$table", table);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    present.Add(reader.GetString(0));
                }
            }

            if (present.Count == 0)
            {
                missing.Add($"table {table}");
            }
            else if (columns.Where(column => !present.Contains(column)).ToList() is { Count: > 0 } lacking)
            {
                missing.Add($"column{(lacking.Count > 1 ? "s" : "")} {string.Join(", ", lacking)} of table {table}");
            }
        }

        // The one execution per (route, Idempotency-Key): without the index a retried request would run twice.
        using (var index = connection.CreateCommand())
        {
            index.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'executions_idempotency'";
            if (!missing.Contains("table executions") && Convert.ToInt64(index.ExecuteScalar(), CultureInfo.InvariantCulture) == 0)
            {
                missing.Add("index executions_idempotency");
            }
        }

        if (missing.Count > 0)
        {
            throw new ExecutionStoreUnavailableException(
                $"The execution store '{path}' is damaged: it has no {string.Join("; no ", missing)}, which its schema's version "
                + $"({UserVersion(connection)}) has (removed by hand, or the file restored in part). {SqliteDamage.Mend}");
        }
    }

    // Files written before credentials were dropped at capture may hold some in stored requests: remove them once.
    private static void ScrubCredentials(SqliteConnection connection)
    {
        if (UserVersion(connection) >= 1)
        {
            return;
        }

        var paths = string.Join(", ", SecretHeaders.AlwaysDropped.SelectMany(name => new[] { name, name.ToLowerInvariant() }).Select(name => $"'$.headers.\"{name}\"'"));
        // Under the connection's secure_delete (Open): the removed bytes are zeroed, not left in the pages.
        Execute(connection, $"""
            UPDATE executions SET request = json_remove(request, {paths}) WHERE request IS NOT NULL AND json_valid(request);
            PRAGMA user_version = 1;
            """);

        // Out of the write-ahead log too, now: a process killed before its next checkpoint would leave them there.
        Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE)");
    }

    // The executions table as version 0 made it, and what version 0 made beside it. Each version after it adds what its
    // step says (Steps); a file that has some of it (set back to an earlier version by hand) keeps what it has.
    private const string ExecutionsColumns = """
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
            body BLOB
        """;

    private const string VersionZeroTables = """
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
        """;

    // A version after the first (version 1 cleaned rows: ScrubCredentials): the columns it adds to a table (executions,
    // unless it says another), then its statements, applied with the version in one transaction.
    private sealed record Step(long Version, string[] Columns, string Statements, string Table = "executions");

    private static readonly Step[] Steps =
    [
        // Version 2: executions remember what they replay; every occurrence of a schedule is recorded with its outcome
        // (a table of its own: schedule_runs holds one claim per occurrence and is pruned to each schedule's latest);
        // executions are filtered by route.
        new(2, ["replay_of TEXT"], """
            CREATE INDEX IF NOT EXISTS executions_route ON executions (route, accepted_at);
            CREATE TABLE IF NOT EXISTS schedule_occurrences (
                route TEXT NOT NULL,
                occurrence TEXT NOT NULL,
                outcome TEXT NOT NULL,
                execution_id TEXT,
                detail TEXT,
                recorded_at TEXT NOT NULL,
                PRIMARY KEY (route, occurrence, outcome));
            CREATE INDEX IF NOT EXISTS schedule_occurrences_occurrence ON schedule_occurrences (occurrence);
            """),

        // Version 3: the W3C trace context an execution's attempts continue (across a restart).
        new(3, ["trace_parent TEXT", "trace_state TEXT"], ""),

        // Version 4: schedules paused from the dashboard, so that a restart does not resume them.
        new(4, [], """
            CREATE TABLE IF NOT EXISTS schedule_pauses (
                route TEXT PRIMARY KEY,
                until TEXT,
                paused_at TEXT NOT NULL);
            """),

        // Version 5: when a retry waiting out its delay is due, so that a restart waits out the rest of it.
        new(5, ["retry_at TEXT"], ""),

        // Version 6: a background request's Idempotency-Key and its request's fingerprint; one execution per (route, key).
        new(6, ["idempotency_key TEXT", "request_hash TEXT"],
            "CREATE UNIQUE INDEX IF NOT EXISTS executions_idempotency ON executions (route, idempotency_key) WHERE idempotency_key IS NOT NULL;"),

        // Version 7: the schedule each route is served with and since when, so that a start after a deploy that changed it
        // does not count the new schedule's occurrences before it existed as missed.
        new(7, [], """
            CREATE TABLE IF NOT EXISTS schedules_served (
                route TEXT PRIMARY KEY,
                schedule TEXT NOT NULL,
                since TEXT NOT NULL);
            """),

        // Version 8: the pauses of a schedule that ended before its latest, kept as the record of what came while each held
        // (schedule_pauses keeps the latest only, as a release before this one reads it).
        new(8, [], """
            CREATE TABLE IF NOT EXISTS schedule_pauses_ended (
                route TEXT NOT NULL,
                paused_at TEXT NOT NULL,
                until TEXT NOT NULL,
                PRIMARY KEY (route, paused_at));
            """),

        // Version 9: an execution's earlier attempts (when each ran, why it failed), kept when a later one succeeds. A release
        // before this one names its columns, so it still reads and writes the file (leaving the history as it was).
        new(9, ["earlier_attempts TEXT"], ""),

        // Version 10: a claim that is a skip (review 47C F1): the occurrence came while the run it names still went, and no
        // claim of it after the skip runs it. A release before this one reads it as a claim of that run (it inserts its own
        // claims with the column's default, none a skip).
        new(10, ["skipped INTEGER NOT NULL DEFAULT 0"], "", "schedule_runs"),
    ];

    // A new file (no version, no table): the current version made at once, in one transaction and one flush,
    // instead of version 0 and each step after it in a transaction of its own, each flushed (about 40 ms of a first start
    // on this machine: bench/load/README.md, "Durable 202, ninth pass"; a platform's new instance starts so). The same
    // schema either way: SqliteSchemaTests compares the two.
    private static bool CreateCurrent(SqliteConnection connection)
    {
        // Only a file with no table at all: one with some (restored in part, made by another tool) may hold a column a
        // step adds by ALTER (schedule_runs.skipped), which the upgrade's way keeps and this one would add again (review 47D F1).
        if (UserVersion(connection) != 0 || HasAnyTable(connection))
        {
            return false;
        }

        var columns = new StringBuilder(ExecutionsColumns);
        var statements = new StringBuilder(VersionZeroTables);
        foreach (var step in Steps)
        {
            foreach (var column in step.Columns)
            {
                if (step.Table == "executions")
                {
                    columns.Append(",\n    ").Append(column);
                }
                else
                {
                    statements.Append(CultureInfo.InvariantCulture, $"ALTER TABLE {step.Table} ADD COLUMN {column};\n");
                }
            }

            statements.Append(step.Statements).Append('\n');
        }

        using var transaction = connection.BeginTransaction();
        Execute(connection, $"CREATE TABLE executions ({columns});\n{statements}PRAGMA user_version = {Steps[^1].Version};", transaction);
        transaction.Commit();
        return true;
    }

    // A file of an earlier version: each step it lacks, in order, each with its version in one transaction. A file set
    // back to an earlier version by hand may have some of a step's columns already.
    private static void Upgrade(SqliteConnection connection)
    {
        var version = UserVersion(connection);
        foreach (var step in Steps)
        {
            if (version >= step.Version)
            {
                continue;
            }

            using var transaction = connection.BeginTransaction();
            foreach (var column in step.Columns)
            {
                if (!HasColumn(connection, transaction, step.Table, column.Split(' ')[0]))
                {
                    Execute(connection, $"ALTER TABLE {step.Table} ADD COLUMN {column}", transaction);
                }
            }

            Execute(connection, $"{step.Statements}\nPRAGMA user_version = {step.Version};", transaction);
            transaction.Commit();
            version = step.Version;
        }
    }

    // The order start-up recovery reads unfinished rows in (those that can run now, oldest first; then retries still
    // waiting, soonest due first), from this index alone: retry_at sits after the request and body in each row (it was
    // added later), and reads that judged it from the rows went through every unfinished row's body (review 42b F1). It
    // serves every read of the unfinished rows, as the index on their status it replaces did. Derived data, so made at
    // every open where it is missing (a file of an earlier version, or one it was dropped from by hand), with no version: a release before
    // this one reads and writes the file as before (and makes its index again, let go here at the next open).
    private static void AddUnfinishedOrder(SqliteConnection connection) => Execute(connection, """
        CREATE INDEX IF NOT EXISTS executions_unfinished_order ON executions (accepted_at, status, retry_at) WHERE status IN ('Queued', 'Running');
        DROP INDEX IF EXISTS executions_unfinished;
        """);

    private static bool HasAnyTable(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table'";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
    }

    private static bool HasColumn(SqliteConnection connection, SqliteTransaction transaction, string table, string column)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT count(*) FROM pragma_table_info('{table}') WHERE name = $column";
        command.Parameters.AddWithValue("$column", column);
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
    }

    private static long UserVersion(SqliteConnection connection)
    {
        using var version = connection.CreateCommand();
        version.CommandText = "PRAGMA user_version";
        return Convert.ToInt64(version.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
