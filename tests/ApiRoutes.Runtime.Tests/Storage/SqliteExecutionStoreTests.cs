using ApiRoutes.Execution;
using ApiRoutes.Locking;
using ApiRoutes.Storage;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>What only the SQLite store does: one process per file, an old file cleaned of credentials, random rows, a path it cannot use.</summary>
public sealed class SqliteExecutionStoreTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("apiroutes-sqlite-").FullName;
    private SqliteExecutionStore _store = null!;

    private string DatabasePath => Path.Combine(_folder, "nested", "executions.db");

    public Task InitializeAsync()
    {
        _store = SqliteExecutionStore.Open(DatabasePath);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void The_write_connection_is_in_wal_mode_and_flushes_the_log_in_every_commit()
    {
        var (connection, held) = SqliteSchema.Open(Path.Combine(_folder, "other.db"));
        using (held)
        using (connection)
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "PRAGMA journal_mode";
            Assert.Equal("wal", command.ExecuteScalar());
            command.CommandText = "PRAGMA synchronous";
            Assert.Equal(2L, command.ExecuteScalar());   // FULL: a commit is durable when it returns, before any 202
            command.CommandText = "PRAGMA secure_delete";
            Assert.Equal(1L, command.ExecuteScalar());   // ON: what an update or a delete frees is zeroed (review 38b F2)
        }
    }

    // Issue 15: the usual start, a file whose log SQLite removed as it closed, looked for the log by opening it and caught
    // FileNotFoundException: the process's first exception, 15-20 ms of a start-up (resources loaded for its message).
    [Fact]
    public void Opening_a_new_file_and_opening_it_again_after_a_clean_close_throws_nothing_on_the_way()
    {
        var path = Path.Combine(_folder, "quiet.db");
        var thrown = new List<string>();
        var thread = Environment.CurrentManagedThreadId;
        void Record(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            if (Environment.CurrentManagedThreadId == thread)
            {
                thrown.Add($"{e.Exception.GetType().Name}: {e.Exception.Message}");
            }
        }

        AppDomain.CurrentDomain.FirstChanceException += Record;
        try
        {
            for (var open = 0; open < 2; open++)
            {
                var (connection, held) = SqliteSchema.Open(path);
                connection.Dispose();
                held.Dispose();
                Assert.False(File.Exists(path + "-wal"));   // removed as the last connection closed: what the next open meets
            }
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= Record;
        }

        Assert.Empty(thrown);
    }

    [Fact]
    public async Task What_was_acknowledged_is_in_the_file_after_a_reopen()
    {
        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => _store.AddAsync(Record($"e{i}", ExecutionStatus.Queued), Request(), default)));
        await _store.DisposeAsync();

        _store = SqliteExecutionStore.Open(DatabasePath);
        Assert.Equal(200, (await _store.GetUnfinishedAsync(1000, default)).Count);
    }

    [Fact]
    public async Task A_change_of_state_followed_by_a_later_one_in_the_same_batch_is_not_written_and_the_later_one_lands()
    {
        // Every row write is counted by a trigger of the file's own.
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE row_writes (id TEXT, status TEXT);
                CREATE TRIGGER count_inserts AFTER INSERT ON executions BEGIN INSERT INTO row_writes VALUES (new.id, new.status); END;
                CREATE TRIGGER count_updates AFTER UPDATE ON executions BEGIN INSERT INTO row_writes VALUES (new.id, new.status); END;
                """;
            command.ExecuteNonQuery();
        }

        var applied = await _store.CommitAsync(
        [
            new SqliteWrite(Record("a", ExecutionStatus.Queued), StoredRequest.ToUtf8Json(Request()), [1, 2]),
            new SqliteWrite(Record("a", ExecutionStatus.Running) with { StartedAt = At(1) }, null, null),
            new SqliteWrite(Record("b", ExecutionStatus.Running), null, null),
            new SqliteWrite(Record("a", ExecutionStatus.Succeeded) with { StartedAt = At(1), FinishedAt = At(2) }, null, null),
            new SqliteWrite(Record("c", ExecutionStatus.Queued), StoredRequest.ToUtf8Json(Request()), [3]),
            new SqliteWrite(Record("c", ExecutionStatus.Failed) with { FinishedAt = At(2), Error = "boom" }, null, null),
        ]);

        Assert.Equal([true, true, true, true, true, true], applied);
        Assert.Equal(["a Queued", "b Running", "a Succeeded", "c Queued", "c Failed"], await RowWritesAsync());
        var a = (await _store.FindAsync("a", default))!;
        Assert.Equal((ExecutionStatus.Succeeded, At(1), At(2)), (a.Status, a.StartedAt, a.FinishedAt));
        Assert.Null(await _store.GetRequestAsync("a", default));   // a success deletes the insert's request
        Assert.Equal([3], (await _store.GetRequestAsync("c", default))!.Body.ToArray());   // a failure keeps it
    }

    [Fact]
    public async Task An_execution_is_written_through_the_prepared_statements_exactly_as_it_reads_back_and_an_empty_body_stays_empty()
    {
        var record = Record("full", ExecutionStatus.Queued) with
        {
            Attempt = 3, AcceptedAt = At(1).AddTicks(1234567), Occurrence = At(-5), ReplayOf = "older", Error = "ünïcode ✓ " + new string('e', 600),
            TraceParent = "00-5667a0a773d7baaad8917747333b6266-e2318a4c8c1a2ec9-01", TraceState = "vendor=x",
        };
        var request = RequestSnapshot.Synthetic("/api/ä/" + new string('p', 400), []);

        await _store.AddAsync(record, request, default);
        await _store.UpdateAsync(record with { Status = ExecutionStatus.Running, StartedAt = At(2) }, default);

        Assert.Equal(record with { Status = ExecutionStatus.Running, StartedAt = At(2) }, await _store.FindAsync("full", default));
        var stored = (await _store.GetRequestAsync("full", default))!;
        Assert.Equal(request.Path, stored.Path);
        Assert.True(stored.Body.IsEmpty);
        Assert.Equal("2026-01-01T00:01:00.1234567Z", await ScalarAsync("SELECT accepted_at FROM executions WHERE id = 'full'"));   // the round-trip text, as before
        Assert.Equal("blob", await ScalarAsync("SELECT typeof(body) FROM executions WHERE id = 'full'"));                       // empty, not NULL

        var empty = Record("empty", ExecutionStatus.Queued) with { Route = "", Error = "", TraceState = "" };   // '' stays '', never NULL
        await _store.AddAsync(empty, request, default);
        Assert.Equal(empty, await _store.FindAsync("empty", default));
    }

    [Fact]
    public async Task A_write_the_file_refuses_fails_its_whole_batch_with_the_reason_and_the_next_batch_is_written()
    {
        await ScalarAsync("CREATE TRIGGER refuse AFTER INSERT ON executions WHEN new.id = 'refused' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");

        var error = await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => _store.CommitAsync(
        [
            new SqliteWrite(Record("kept-out", ExecutionStatus.Queued), StoredRequest.ToUtf8Json(Request()), [1]),
            new SqliteWrite(Record("refused", ExecutionStatus.Queued), StoredRequest.ToUtf8Json(Request()), [2]),
        ]));

        Assert.Contains("refused by the test", error.Message, StringComparison.Ordinal);
        Assert.Null(await _store.FindAsync("kept-out", default));   // rolled back with the write that failed
        Assert.Equal([true], await _store.CommitAsync([new SqliteWrite(Record("next", ExecutionStatus.Queued), StoredRequest.ToUtf8Json(Request()), [3])]));
        Assert.Equal([3], (await _store.GetRequestAsync("next", default))!.Body.ToArray());
    }

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    private async Task<List<string>> RowWritesAsync()
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id || ' ' || status FROM row_writes ORDER BY rowid";
        var writes = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            writes.Add(reader.GetString(0));
        }

        return writes;
    }

    [Fact]
    public async Task Credentials_in_requests_stored_by_an_earlier_version_are_removed_when_the_file_is_opened()
    {
        await _store.AddAsync(Record("old", ExecutionStatus.Queued), Request(), default);
        await _store.DisposeAsync();
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                UPDATE executions SET request = json_set(request, '$.headers.Authorization', json_array('Bearer s3cret'), '$.headers.cookie', json_array('id=s3cret'));
                PRAGMA user_version = 0;
                """;
            command.ExecuteNonQuery();
        }

        _store = SqliteExecutionStore.Open(DatabasePath);
        var (_, request) = Assert.Single(await _store.GetUnfinishedAsync(10, default));

        Assert.Equal(["Content-Type", "Content-Length", "User-Agent"], request!.Headers.Select(h => h.Key));
        await _store.DisposeAsync();
        Assert.DoesNotContain("s3cret", File.ReadAllText(DatabasePath, System.Text.Encoding.Latin1), StringComparison.Ordinal);
        _store = SqliteExecutionStore.Open(DatabasePath);
    }

    // Review 25d F4: with the database file deleted while the app ran, SQLite wrote on into the open file: every background
    // request still got its 202, and that work was gone at the next start. And the readiness probe made an empty file
    // in its place, with the umask's mode.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Once_the_file_is_deleted_or_replaced_new_work_is_refused_and_accepted_work_still_moves(bool replaced)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;   // the hold of the file itself, which tells it, is Linux's (RangeFileLock)
        }

        await _store.AddAsync(Record("before", ExecutionStatus.Queued), Request(), default);
        File.Delete(DatabasePath);
        if (replaced)
        {
            File.WriteAllBytes(DatabasePath, []);   // a restored backup, say
        }

        var refused = await Assert.ThrowsAsync<ExecutionStoreUnavailableException>(() => _store.AddAsync(Record("after", ExecutionStatus.Queued), Request(), default));
        await _store.UpdateAsync(Record("before", ExecutionStatus.Running) with { StartedAt = At(1) }, default);   // written: no throw
        var probe = await Assert.ThrowsAnyAsync<Exception>(() => _store.ProbeAsync(default));

        Assert.StartsWith(
            $"The execution store '{DatabasePath}' cannot be written: its database file was deleted, or replaced by another file, while the app ran; ",
            refused.Message, StringComparison.Ordinal);
        Assert.Contains(DatabasePath, probe.Message, StringComparison.Ordinal);
        Assert.Equal(replaced, File.Exists(DatabasePath));   // the probe made no file of its own
    }

    // Review 32b F1, F2: the file emptied in place (truncate -s 0), or its write-ahead log deleted, while the app ran:
    // every background request still got its 202, into a log the next connection (a readiness probe) removed or that no
    // name led to any more, and the next start opened an empty store without a word.
    [Theory]
    [InlineData("emptied", "its database file was emptied (truncated to 0 bytes) while the app ran; ")]
    [InlineData("log deleted", "its database file lost its write-ahead log '")]
    public async Task Once_the_file_is_emptied_or_its_log_deleted_new_work_is_refused_and_accepted_work_still_moves(string damage, string said)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;   // told by the kernel's links to the open files (/proc/self/fd)
        }

        await _store.AddAsync(Record("before", ExecutionStatus.Queued), Request(), default);
        if (damage == "emptied")
        {
            using var file = new FileStream(DatabasePath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            file.SetLength(0);
        }
        else
        {
            File.Delete(DatabasePath + "-wal");
        }

        var refused = await Assert.ThrowsAsync<ExecutionStoreUnavailableException>(() => _store.AddAsync(Record("after", ExecutionStatus.Queued), Request(), default));
        await _store.UpdateAsync(Record("before", ExecutionStatus.Running) with { StartedAt = At(1) }, default);   // written: no throw

        Assert.StartsWith($"The execution store '{DatabasePath}' cannot be written: {said}", refused.Message, StringComparison.Ordinal);
        Assert.EndsWith("Restart the app to open the store under its name again (an empty one if no file is there).", refused.Message, StringComparison.Ordinal);
    }

    // Review 32b F1, F2: SQLite takes a log whose header is not its own for no log, and the next start opened an empty
    // store, the accepted work in the log gone without a word; so did an emptied file beside its log.
    [Theory]
    [InlineData("log header overwritten", "does not begin with SQLite's header", "the store opens with what had reached the database file, and the work only the log held is not run.")]
    [InlineData("file emptied", "its database file is empty (it was emptied, or replaced, while the app ran) while its write-ahead log", "to start with an empty store (the work in them is then not run).")]
    public async Task A_store_whose_log_would_be_dropped_at_start_up_is_refused_naming_what_to_do(string damage, string said, string mend)
    {
        await _store.AddAsync(Record("accepted", ExecutionStatus.Queued), Request(), default);
        var log = File.ReadAllBytes(DatabasePath + "-wal");   // as a crash leaves it
        Assert.True(log.Length > 32);
        await _store.DisposeAsync();
        if (damage == "log header overwritten")
        {
            Array.Clear(log, 0, 32);
        }
        else
        {
            File.WriteAllBytes(DatabasePath, []);
        }

        File.WriteAllBytes(DatabasePath + "-wal", log);

        var refused = Assert.Throws<ExecutionStoreUnavailableException>(() => SqliteExecutionStore.Open(DatabasePath));

        Assert.StartsWith($"The execution store '{DatabasePath}' is damaged: ", refused.Message, StringComparison.Ordinal);
        Assert.Contains(said, refused.Message, StringComparison.Ordinal);
        Assert.EndsWith(mend, refused.Message, StringComparison.Ordinal);

        // As it says: the log (and the shared memory) moved aside, the store opens — held no longer: the refused start let
        // it go — with what had reached the database file.
        File.Delete(DatabasePath + "-wal");
        File.Delete(DatabasePath + "-shm");
        if (damage == "file emptied")
        {
            File.Delete(DatabasePath);
        }

        _store = SqliteExecutionStore.Open(DatabasePath);
        Assert.Equal(damage == "log header overwritten", await _store.FindAsync("accepted", default) is not null);
    }

    // Review 37b F1: with the database file deleted while the app ran, the 503 said to restart; but the store closed with
    // the deleted file's write-ahead log and shared memory left under the store's names, and every restart stopped as
    // "damaged … its database file is empty (it was emptied …)", of an empty file that very start had made. A file put
    // in its place (a restored backup) would have had the deleted file's log replayed into it. The process that knows
    // its file is gone sets its own log aside as it closes, says so once (4013), and the restart opens the store.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_store_closed_after_its_file_was_deleted_or_replaced_sets_that_files_log_aside_and_the_restart_opens(bool replaced)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;   // the hold of the file itself, which tells it, is Linux's (RangeFileLock)
        }

        var backup = await BackupAsync();
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var logs = new Infrastructure.ListLoggerProvider(lines);
        await _store.DisposeAsync();
        _store = SqliteExecutionStore.Open(DatabasePath, logger: logs.CreateLogger("ApiRoutes"));
        await _store.AddAsync(Record("before", ExecutionStatus.Queued), Request(), default);
        File.Delete(DatabasePath);
        if (replaced)
        {
            File.Copy(backup, DatabasePath);
        }

        await _store.DisposeAsync();

        var folder = Path.GetDirectoryName(DatabasePath)!;
        Assert.False(File.Exists(DatabasePath + "-wal"));
        Assert.False(File.Exists(DatabasePath + "-shm"));
        Assert.Single(Directory.GetFiles(folder, "executions.db-wal.orphaned-*"));
        Assert.Single(Directory.GetFiles(folder, "executions.db-shm.orphaned-*"));
        var said = Assert.Single(lines);
        Assert.StartsWith("ApiRoutes[4013] Warning: ", said, StringComparison.Ordinal);
        Assert.Contains(DatabasePath + "-wal.orphaned-", said, StringComparison.Ordinal);

        _store = SqliteExecutionStore.Open(DatabasePath);
        Assert.Null(await _store.FindAsync("before", default));
        Assert.Equal(replaced, await _store.FindAsync("restored", default) is not null);
    }

    // Review 44b F1: with the file replaced by another (mv), each read (a readiness probe, the dashboard, the scheduler)
    // opened a connection by the store's name: the file put in its place, beside the replaced file's log and shared
    // memory, which SQLite copied into it as the log of its own. The file was damaged, the work gone, and no 4013 came.
    // Review 44c F1: with the store's path through a symbolic link (or relative) the replacement went untold all the same.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_store_whose_file_was_replaced_refuses_reads_and_leaves_the_file_put_in_its_place_as_it_was(bool throughALink)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;   // the hold of the file itself, which tells it, is Linux's (RangeFileLock)
        }

        var real = Directory.CreateDirectory(Path.Combine(_folder, "real")).FullName;
        var folder = real;
        if (throughALink)
        {
            folder = Path.Combine(_folder, "linked");
            Directory.CreateSymbolicLink(folder, real);
        }

        var path = Path.Combine(folder, "executions.db");
        var backup = await BackupAsync();
        File.Delete(backup + "-wal");   // checkpointed as it closed: the file alone holds it
        File.Delete(backup + "-shm");
        var restored = File.ReadAllBytes(backup);
        var store = SqliteExecutionStore.Open(path);
        try
        {
            await store.AddAsync(Record("before", ExecutionStatus.Queued), Request(), default);
            File.Move(backup, Path.Combine(real, "executions.db"), overwrite: true);

            var read = await Assert.ThrowsAsync<ExecutionStoreUnavailableException>(() => store.FindAsync("before", default));
            var probe = await Assert.ThrowsAsync<ExecutionStoreUnavailableException>(() => store.ProbeAsync(default));
            await Assert.ThrowsAsync<ExecutionStoreUnavailableException>(() => store.GetPausesAsync(default));
            await Assert.ThrowsAsync<ExecutionStoreUnavailableException>(() => store.AddAsync(Record("after", ExecutionStatus.Queued), Request(), default));
            await store.UpdateAsync(Record("before", ExecutionStatus.Running) with { StartedAt = At(1) }, default);   // into the file it has open

            Assert.Equal(
                $"The execution store '{path}' cannot be read: its database file was deleted, or replaced by another file, while the app ran; "
                + "a read of what is under its name now would take the log of the file this process has open for that file's own. Restart the app to open the store under its name again (an empty one if no file is there).",
                read.Message);
            Assert.StartsWith($"The execution store '{path}' cannot be read: its database file was deleted", probe.Message, StringComparison.Ordinal);
            Assert.Equal(restored, File.ReadAllBytes(path));
            Assert.True(File.Exists(path + "-wal"));
        }
        finally
        {
            await store.DisposeAsync();   // the log set aside (4013)
        }

        await using var restart = SqliteExecutionStore.Open(path);
        Assert.Null(await restart.FindAsync("before", default));
        Assert.NotNull(await restart.FindAsync("restored", default));
    }

    // Review 44c: a read that raced the store's close asked the released hold whether the file was lost, and its
    // disposed file threw out of the read.
    [Fact]
    public void A_released_hold_tells_nothing_lost_rather_than_throwing()
    {
        var path = Path.Combine(Directory.CreateDirectory(Path.Combine(_folder, "held")).FullName, "executions.db");
        var held = StoreLock.Acquire(path);
        held.Dispose();

        Assert.Null(held.Lost());
    }

    // Another store, closed, holding one execution ("restored"): a backup to put in the store's place.
    private async Task<string> BackupAsync()
    {
        var backup = Path.Combine(_folder, "backup.db");
        await using (var other = SqliteExecutionStore.Open(backup))
        {
            await other.AddAsync(Record("restored", ExecutionStatus.Queued), Request(), default);
        }

        return backup;
    }

    // Review 37b F1: a log with no database file beside it (the file deleted, and the process that had it open killed) was
    // called "its database file is empty (it was emptied …)", of an empty file the refused start had made itself, which
    // every later start then found.
    [Fact]
    public async Task A_log_without_its_database_file_is_refused_as_such_and_no_file_is_made()
    {
        await _store.AddAsync(Record("accepted", ExecutionStatus.Queued), Request(), default);
        var log = File.ReadAllBytes(DatabasePath + "-wal");   // as a crash leaves it
        await _store.DisposeAsync();
        File.Delete(DatabasePath);
        File.WriteAllBytes(DatabasePath + "-wal", log);

        var refused = Assert.Throws<ExecutionStoreUnavailableException>(() => SqliteExecutionStore.Open(DatabasePath));
        var again = Assert.Throws<ExecutionStoreUnavailableException>(() => SqliteExecutionStore.Open(DatabasePath));

        Assert.StartsWith(
            $"The execution store '{DatabasePath}' is damaged: its database file is missing while a write-ahead log of one, '{DatabasePath}-wal', holds {log.Length} bytes of work ",
            refused.Message, StringComparison.Ordinal);
        Assert.EndsWith("(the work in it is then not run).", refused.Message, StringComparison.Ordinal);
        Assert.Equal(refused.Message, again.Message);
        Assert.False(File.Exists(DatabasePath));

        // As it says: the log and the shared memory moved aside, the store opens, empty.
        File.Delete(DatabasePath + "-wal");
        File.Delete(DatabasePath + "-shm");
        _store = SqliteExecutionStore.Open(DatabasePath);
        Assert.Null(await _store.FindAsync("accepted", default));
    }

    // Review 32b F3: a full disk failed the open with "disk I/O error … or ApiRoutes:Store:Provider to InMemory", advice
    // that starts the app without the unfinished work the file holds.
    [Fact]
    public async Task A_full_disk_at_start_up_is_said_as_such_and_a_store_that_holds_work_is_not_told_to_go_without_it()
    {
        await _store.AddAsync(Record("accepted", ExecutionStatus.Queued), Request(), default);
        await _store.DisposeAsync();
        var empty = Path.Combine(_folder, "other", "empty.db");
        Directory.CreateDirectory(Path.GetDirectoryName(empty)!);
        File.WriteAllBytes(empty, []);

        Assert.Equal(
            $"The execution store '{DatabasePath}' cannot be opened: the disk it is on is full (4096 bytes free). Free space there and start again: the store holds the work accepted before, which runs once it opens (another ApiRoutes:Store:Path, or InMemory, would start without it).",
            SqliteSchema.Full(DatabasePath, _ => 4096));
        Assert.Equal(
            $"The execution store '{empty}' cannot be opened: the disk it is on is full (0 bytes free). Free space there and start again, or set ApiRoutes:Store:Path to a file on another disk.",
            SqliteSchema.Full(empty, _ => 0));
        Assert.Null(SqliteSchema.Full(DatabasePath, _ => 1L << 30));
        _store = SqliteExecutionStore.Open(DatabasePath);
    }

    // Review 32b F5: one DELETE of millions of rows held SQLite's one write lock while it ran, and every 202 waited up to
    // 24 s behind it. In chunks (here of 2, through a cursor on rowid), what is older than the cutoff and finished goes,
    // and only that.
    [Fact]
    public async Task Pruning_in_chunks_removes_the_finished_executions_older_than_the_cutoff_and_nothing_else()
    {
        _store.PruneChunk = 2;
        foreach (var (id, status, finished) in new[]
        {
            ("old-1", ExecutionStatus.Succeeded, 1), ("old-2", ExecutionStatus.Failed, 2), ("queued", ExecutionStatus.Queued, 0),
            ("old-3", ExecutionStatus.Succeeded, 3), ("old-4", ExecutionStatus.Succeeded, 4), ("recent", ExecutionStatus.Succeeded, 600),
            ("old-5", ExecutionStatus.Succeeded, 5),
        })
        {
            await _store.AddAsync(Record(id, ExecutionStatus.Queued), Request(), default);
            if (status != ExecutionStatus.Queued)
            {
                await _store.UpdateAsync(Record(id, status) with { FinishedAt = At(finished) }, default);
            }
        }

        Assert.Equal(5, await _store.PruneAsync(At(60), default));
        Assert.Equal(["queued", "recent"], (await _store.QueryAsync(new ExecutionQuery(), default)).Select(e => e.Id).Order(StringComparer.Ordinal));
        Assert.Equal(0, await _store.PruneAsync(At(60), default));
    }

    // Review 38b F2: the prune deleted the rows, not their bytes: the query, headers and body of every pruned execution
    // stayed readable in the file (freed cells, freed overflow pages, the log's old page images) until SQLite reused the
    // space. A body over a page (12 KB here) lies on overflow pages, which only secure_delete ON (not FAST) wipes.
    [Fact]
    public async Task A_pruned_executions_request_is_in_no_file_of_the_store_neither_while_it_is_open_nor_after()
    {
        var path = Path.Combine(_folder, "pruned", "executions.db");
        string[] markers = ["PRUNEME-QUERY-7f3a", "PRUNEME-HEADER-7f3a", "PRUNEME-BODY-7f3a"];
        var body = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(markers[2] + ";", 12 * 1024 / 19)));
        var request = new RequestSnapshot
        {
            Method = "POST", Scheme = "http", PathBase = default, Path = new("/api/job"),
            QueryString = new($"?token={markers[0]}"),
            Headers = [new("X-Auth-Token", markers[1]), new("Content-Type", "text/plain")],
            RouteValues = [], Body = body,
        };
        var store = SqliteExecutionStore.Open(path);
        try
        {
            await store.AddAsync(Record("kept", ExecutionStatus.Queued), Request(), default);
            await store.AddAsync(Record("pruned", ExecutionStatus.Queued), request, default);
            await store.UpdateAsync(Record("pruned", ExecutionStatus.Running) with { StartedAt = At(1) }, default);
            await store.UpdateAsync(Record("pruned", ExecutionStatus.Succeeded) with { StartedAt = At(1), FinishedAt = At(2) }, default);
            Assert.All(markers, marker => Assert.NotEmpty(FilesHolding(path, marker)));   // the test looks where the request is

            Assert.Equal(1, await store.PruneAsync(At(60), default));

            Assert.All(markers, marker => Assert.Empty(FilesHolding(path, marker)));
        }
        finally
        {
            await store.DisposeAsync();
        }

        Assert.All(markers, marker => Assert.Empty(FilesHolding(path, marker)));
    }

    // Review 38g: a checkpoint that met a reader said so in its result, not as an error; the next prune cut the log only
    // if it removed rows, and a quiet app's removed none: the log kept the pruned requests until the app stopped.
    [Fact]
    public async Task A_log_a_reader_kept_from_being_cut_at_a_prune_is_cut_at_the_next_though_it_removes_nothing()
    {
        var path = Path.Combine(_folder, "busy", "executions.db");
        const string Marker = "PRUNEME-QUERY-busy";
        var request = new RequestSnapshot
        {
            Method = "POST", Scheme = "http", PathBase = default, Path = new("/api/job"), QueryString = new($"?token={Marker}"),
            Headers = [], RouteValues = [], Body = "{}"u8.ToArray(),
        };
        await using var store = SqliteExecutionStore.Open(path);
        await store.AddAsync(Record("kept", ExecutionStatus.Queued), Request(), default);
        await store.AddAsync(Record("pruned", ExecutionStatus.Queued), request, default);
        await store.UpdateAsync(Record("pruned", ExecutionStatus.Succeeded) with { StartedAt = At(1), FinishedAt = At(2) }, default);

        using (var reader = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}"))
        {
            reader.Open();
            using var snapshot = reader.BeginTransaction(deferred: true);
            using var read = reader.CreateCommand();
            read.CommandText = "SELECT count(*) FROM executions";
            read.ExecuteScalar();   // a read under way: the log cannot be cut

            Assert.Equal(1, await store.PruneAsync(At(60), default));
            Assert.NotEmpty(FilesHolding(path, Marker));
        }

        Assert.Equal(0, await store.PruneAsync(At(60), default));
        Assert.Empty(FilesHolding(path, Marker));
    }

    // Which files of the store at path hold the marker's bytes.
    private static IEnumerable<string> FilesHolding(string path, string marker) =>
        new[] { path, path + "-wal", path + "-shm" }
            .Where(file => File.Exists(file) && ReadShared(file).AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(marker)) >= 0)
            .Select(file => $"{Path.GetFileName(file)} holds {marker}");

    private static byte[] ReadShared(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    [Fact]
    public async Task Pruning_keeps_the_run_of_each_schedules_latest_claim_so_that_no_start_takes_it_for_one_never_run()
    {
        // Review 32d F1: the claim was kept (each schedule's latest), its run pruned; a later start with a longer
        // Store:Retention found a claim without a run, and recorded a run that happened as missed.
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(At(0));
        await using var store = SqliteExecutionStore.Open(Path.Combine(_folder, "claims", "executions.db"), clock);
        foreach (var (id, minute) in new[] { ("first", 0), ("latest", 60) })
        {
            await store.ClaimOccurrenceAsync("/api/daily", At(minute), id, default);
            await store.AddAsync(Record(id, ExecutionStatus.Queued), Request(), default);
            await store.UpdateAsync(Record(id, ExecutionStatus.Succeeded) with { FinishedAt = At(minute + 1) }, default);
            clock.Advance(TimeSpan.FromHours(1));
        }

        clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal(1, await store.PruneAsync(clock.GetUtcNow() - TimeSpan.FromDays(1), default));

        Assert.Equal(["latest"], (await store.QueryAsync(new ExecutionQuery(), default)).Select(e => e.Id));
        Assert.Empty(await store.GetClaimsNeverRunAsync(At(-60), clock.GetUtcNow(), default));
    }

    [Fact]
    public async Task A_file_of_the_version_before_occurrence_records_is_migrated_and_its_rows_are_read()
    {
        await _store.DisposeAsync();
        File.Delete(DatabasePath);
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            // The schema as the version before wrote it (user_version 1, no replay_of, no schedule_occurrences).
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE executions (id TEXT PRIMARY KEY, route TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL, attempt INTEGER NOT NULL,
                    accepted_at TEXT NOT NULL, started_at TEXT, finished_at TEXT, occurrence TEXT, error TEXT, request TEXT, body BLOB);
                CREATE TABLE schedules (route TEXT PRIMARY KEY, last_occurrence TEXT NOT NULL);
                CREATE TABLE schedule_runs (route TEXT NOT NULL, occurrence TEXT NOT NULL, execution_id TEXT NOT NULL, claimed_at TEXT NOT NULL, PRIMARY KEY (route, occurrence));
                INSERT INTO executions VALUES ('old', '/api/job', 'background', 'Failed', 3, '2026-01-01T00:00:00.0000000Z', NULL, '2026-01-01T00:01:00.0000000Z', NULL, 'boom', NULL, NULL);
                PRAGMA user_version = 1;
                """;
            command.ExecuteNonQuery();
        }

        _store = SqliteExecutionStore.Open(DatabasePath);
        await _store.RecordOccurrenceAsync(new OccurrenceRecord { Route = "/api/tick", Occurrence = At(0), Outcome = OccurrenceOutcome.Missed, RecordedAt = At(1) }, default);

        Assert.Equal((ExecutionStatus.Failed, "boom", null), ((await _store.FindAsync("old", default))!.Status, (await _store.FindAsync("old", default))!.Error, (await _store.FindAsync("old", default))!.ReplayOf));
        Assert.Equal(OccurrenceOutcome.Missed, Assert.Single(await _store.GetOccurrencesAsync(new OccurrenceQuery("/api/tick"), default)).Outcome);
        await _store.SetPauseAsync(new SchedulePause("/api/tick", null, At(1)), default);   // version 4's table
        await _store.SetPauseAsync(new SchedulePause("/api/tick", null, At(3)), default);   // version 8's: the first kept, ended
        Assert.Empty((await _store.FindAsync("old", default))!.EarlierAttempts);
        var earlier = new EarlierAttempt { Attempt = 3, StartedAt = At(0), FinishedAt = At(1), Error = "boom" };
        await _store.UpdateAsync((await _store.FindAsync("old", default))! with { Status = ExecutionStatus.Queued, Attempt = 4, FinishedAt = null, RetryAt = At(9), EarlierAttempts = [earlier] }, default);   // versions 5's and 9's columns
        Assert.Equal((At(9), earlier), ((await _store.FindAsync("old", default))!.RetryAt, Assert.Single((await _store.FindAsync("old", default))!.EarlierAttempts)));
        await _store.AddOnceAsync(Record("keyed", ExecutionStatus.Queued), RequestSnapshot.Synthetic("/api/job", "{}"u8.ToArray()), new IdempotencyKey("k", "f"), default);   // version 6's
        Assert.True((await _store.SkipOccurrenceAsync("/api/tick", At(5), "old", default)).Claimed);   // version 10's
        await _store.DisposeAsync();
        _store = SqliteExecutionStore.Open(DatabasePath);   // opened again: migrated once, not twice
        Assert.Equal(new KeyedAdd("keyed", SameRequest: true),
            await _store.AddOnceAsync(Record("again", ExecutionStatus.Queued), RequestSnapshot.Synthetic("/api/job", "{}"u8.ToArray()), new IdempotencyKey("k", "f"), default));
        Assert.Single(await _store.GetOccurrencesAsync(new OccurrenceQuery("/api/tick"), default));
        Assert.Equal([(At(1), At(3)), (At(3), null)], (await _store.GetPausesAsync(default)).Select(pause => (pause.PausedAt, pause.Until)).Order());
        Assert.Equal(new OccurrenceClaim(false, SkippedFor: "old"), await _store.ClaimOccurrenceAsync("/api/tick", At(5), "trigger", default));
    }

    [Fact]
    public async Task A_second_process_on_the_same_file_is_refused_naming_the_first_until_the_first_closes_it()
    {
        var error = Assert.Throws<ExecutionStoreUnavailableException>(() => SqliteExecutionStore.Open(DatabasePath));

        Assert.StartsWith($"The execution store '{DatabasePath}' is in use by another process (process {Environment.ProcessId} on {Environment.MachineName}, ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("Two processes on one store would run the same work twice: stop the other one, or give this one its own ApiRoutes:Store:Path.", error.Message, StringComparison.Ordinal);
        await _store.DisposeAsync();
        _store = SqliteExecutionStore.Open(DatabasePath);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task The_files_and_the_folders_it_makes_are_the_owners_only_whatever_the_umask_allows()
    {
        // The executions hold requests' bodies and headers; before, the umask's 0644 and 0755 let every local user read them.
        await _store.AddAsync(Record("e1", ExecutionStatus.Queued), Request(), default);   // the log and shared memory are written

        const UnixFileMode ownerFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        foreach (var file in new[] { "", "-wal", "-shm", ".lock", ".owner" })
        {
            Assert.Equal((DatabasePath + file, ownerFile), (DatabasePath + file, File.GetUnixFileMode(DatabasePath + file)));
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(DatabasePath)!));
    }

    // Review 28c F4: of the folders it made, only the last was the owner's only; those above it got the umask's 0755.
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Every_folder_it_makes_above_the_store_is_the_owners_only_and_a_folder_that_was_there_is_left_as_it_was()
    {
        var path = Path.Combine(_folder, "apiroutes", "Shop", "Development", "executions.db");
        File.SetUnixFileMode(_folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);

        await using (SqliteExecutionStore.Open(path))
        {
        }

        const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        foreach (var made in new[] { "apiroutes", "apiroutes/Shop", "apiroutes/Shop/Development" })
        {
            Assert.Equal((made, ownerOnly), (made, File.GetUnixFileMode(Path.Combine(_folder, made))));
        }

        Assert.Equal(ownerOnly | UnixFileMode.GroupRead | UnixFileMode.GroupExecute, File.GetUnixFileMode(_folder));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_file_there_before_keeps_its_mode()
    {
        var path = Path.Combine(_folder, "shared.db");
        await File.WriteAllBytesAsync(path, []);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);

        await using (SqliteExecutionStore.Open(path))
        {
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(path));
    }

    [Fact]
    public void The_holder_is_named_without_the_command_line_whose_arguments_may_be_secrets()
    {
        // Before, the whole command line: dotnet App.dll --ApiRoutes:Dashboard:Token=… was kept in the file and printed
        // by the second process's error.
        var owner = File.ReadAllText(DatabasePath + ".owner");

        Assert.Matches(
            $@"^process {Environment.ProcessId} on {System.Text.RegularExpressions.Regex.Escape(Environment.MachineName)}, \S+ running the app in {System.Text.RegularExpressions.Regex.Escape(AppContext.BaseDirectory)}, since \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\dZ$",
            owner);
        Assert.DoesNotContain(Environment.CommandLine, owner, StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_store_named_by_a_link_to_a_file_not_made_yet_makes_that_file_the_owners_only()
    {
        // The lock follows the link; the file was left to SQLite, which made it 0644 (review 21 F2).
        var target = Path.Combine(_folder, "target.db");
        var link = Path.Combine(_folder, "link.db");
        File.CreateSymbolicLink(link, target);

        await using (SqliteExecutionStore.Open(link))
        {
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(target));
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void A_second_store_is_refused_also_when_the_lock_file_was_deleted_or_the_file_has_another_name()
    {
        // Review 24d F1: the hold was the lock file's alone: deleted (a cleanup of stale-looking lock files), or another
        // name for the database that no path shows (a hard link here; a single-file bind mount in a container), a
        // second process opened the store and ran the first one's work at the same time. The file itself is held too.
        File.Delete(DatabasePath + ".lock");
        var deleted = Assert.Throws<ExecutionStoreUnavailableException>(() => SqliteExecutionStore.Open(DatabasePath));

        var other = Path.Combine(Directory.CreateDirectory(Path.Combine(_folder, "other")).FullName, "executions.db");
        Assert.Equal(0, Link(DatabasePath, other));
        var linked = Assert.Throws<ExecutionStoreUnavailableException>(() => SqliteExecutionStore.Open(other));

        Assert.StartsWith($"The execution store '{DatabasePath}' is in use by another process (process {Environment.ProcessId} on ", deleted.Message, StringComparison.Ordinal);
        Assert.StartsWith(   // review 44b F3: "(unknown)"
            $"The execution store '{other}' is in use by another process (through another name of this very file (a hard link, or a bind mount of its folder), beside which its .owner file names it). ",
            linked.Message, StringComparison.Ordinal);
    }

    // Review 25b F6: a lock file that could not be opened for writing was taken as held, whatever the reason: a volume
    // remounted read-only was reported as "in use by another process", naming a process long gone. The reason here is
    // one any user can make: the lock file is a program that runs (ETXTBSY), as EROFS needs a mount.
    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void A_lock_file_that_cannot_be_written_for_another_reason_than_a_holder_is_not_reported_as_in_use()
    {
        var path = Path.Combine(_folder, "busy", "executions.db");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Copy("/bin/sleep", path + ".lock");
        File.SetUnixFileMode(path + ".lock", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var running = System.Diagnostics.Process.Start(path + ".lock", "30");
        try
        {
            var error = Assert.ThrowsAny<Exception>(() => SqliteExecutionStore.Open(path));

            Assert.DoesNotContain("in use by another process", error.Message, StringComparison.Ordinal);
            Assert.Contains("Text file busy", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            running.Kill();
            running.WaitForExit(10_000);
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int Link(string existing, string created);

    [Fact]
    public void A_second_store_on_the_same_file_through_a_symbolic_link_is_refused()
    {
        // Review 16b F4: the lock was taken on "<configured path>.lock", so another name for the file took another lock.
        var link = Path.Combine(Directory.CreateDirectory(Path.Combine(_folder, "other")).FullName, "executions.db");
        File.CreateSymbolicLink(link, DatabasePath);

        var error = Assert.Throws<ExecutionStoreUnavailableException>(() => SqliteExecutionStore.Open(link));

        Assert.StartsWith($"The execution store '{DatabasePath}' is in use by another process (process {Environment.ProcessId} on ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_second_store_named_with_dot_dot_after_a_link_is_refused_as_the_kernel_resolves_the_name()
    {
        // "<link>/../executions.db": the kernel (and SQLite) climb from the folder the link leads to, while .NET's full path
        // folds "link/.." on paper. The lock was taken beside the paper name, so a second process on the same file
        // took a lock of its own and both ran the same work.
        var deep = Directory.CreateDirectory(Path.Combine(_folder, "nested", "deep")).FullName;
        var link = Path.Combine(_folder, "link");
        Directory.CreateSymbolicLink(link, deep);
        var named = Path.Combine(link, "..", "executions.db");   // on disk: nested/executions.db, the store held above

        var error = Assert.Throws<ExecutionStoreUnavailableException>(() => SqliteExecutionStore.Open(named));

        Assert.StartsWith($"The execution store '{DatabasePath}' is in use by another process (process {Environment.ProcessId} on ", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_folder, "executions.db")), "nothing is made at the name folded on paper");
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_store_named_with_dot_dot_after_a_link_opens_the_file_the_kernel_names_and_locks_beside_it()
    {
        await _store.DisposeAsync();
        var deep = Directory.CreateDirectory(Path.Combine(_folder, "nested", "deep")).FullName;
        var link = Path.Combine(_folder, "link");
        Directory.CreateSymbolicLink(link, deep);

        await using (var store = SqliteExecutionStore.Open(Path.Combine(link, "..", "new", "executions.db")))
        {
            Assert.True(File.Exists(Path.Combine(_folder, "nested", "new", "executions.db.lock")));
            Assert.True(File.Exists(Path.Combine(_folder, "nested", "new", "executions.db")));
            Assert.False(Directory.Exists(Path.Combine(_folder, "new")), "nothing is made at the name folded on paper");
        }

        _store = SqliteExecutionStore.Open(DatabasePath);
    }

    // Another process's lock as the kernel sees it: an flock of another open of the file, with no lock .NET took beside
    // it. Also run by CI with DOTNET_SYSTEM_IO_DISABLEFILELOCKING=1, with which .NET takes no lock at all, so only the
    // store's own flock refuses the second store (review 4, finding 6).
    [Fact]
    public async Task A_store_whose_lock_file_is_locked_elsewhere_is_refused_even_where_dotnet_takes_no_lock()
    {
        await _store.DisposeAsync();
        using (var other = new FileStream(DatabasePath + ".lock", FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
        {
            Assert.Equal(FileLockResult.Taken, ExclusiveFileLock.TryTake(other.SafeFileHandle).Result);

            var error = Assert.Throws<ExecutionStoreUnavailableException>(() => SqliteExecutionStore.Open(DatabasePath));

            Assert.StartsWith($"The execution store '{DatabasePath}' is in use by another process (", error.Message, StringComparison.Ordinal);
        }

        _store = SqliteExecutionStore.Open(DatabasePath);   // the other let go: this one may now
    }

    [Theory]
    [InlineData(37, "Failed")]   // ENOLCK: a file system that does not lock (NFS without lockd)
    [InlineData(22, "Failed")]   // EINVAL
    public void A_lock_that_cannot_be_taken_for_another_reason_than_held_is_a_failure_not_a_holder(int error, string expected)   // Linux's numbers
    {
        Assert.Equal(Enum.Parse<FileLockResult>(expected), ExclusiveFileLock.Interpret(error));
        Assert.Equal(FileLockResult.HeldElsewhere, ExclusiveFileLock.Interpret(11));
        Assert.Contains($"(errno {error})", ExclusiveFileLock.Describe(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rows_of_random_values_never_stop_a_read()
    {
        await _store.DisposeAsync();
        var random = new Random(20261204);
        object?[] samples = [null, 0, -1, 7L, long.MaxValue, 1.5, "", "Queued", "Running", "Succeeded", "7", "yesterday", "2026-01-01T00:00:00.0000000Z",
            "{}", "not json", """{"method":null}""", """{"method":"GET","scheme":"http","pathBase":"","path":"x","query":"","remoteIp":"no","headers":{"a":[1]},"routeValues":{}}""",
            new byte[] { 0, 1, 2 }, new string('x', 10_000)];
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            await connection.OpenAsync();
            for (var i = 0; i < 500; i++)
            {
                await using var insert = connection.CreateCommand();
                insert.CommandText = "INSERT INTO executions (id, route, kind, status, attempt, accepted_at, started_at, finished_at, occurrence, error, request, body) VALUES ($id, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
                insert.Parameters.AddWithValue("$id", $"r{i}");
                for (var column = 1; column <= 12; column++)
                {
                    var value = column == 3 && random.Next(2) == 0 ? (random.Next(2) == 0 ? "Queued" : "Running") : samples[random.Next(samples.Length)];
                    insert.Parameters.AddWithValue($"${column}", value ?? (column <= 5 ? "x" : DBNull.Value));
                }

                await insert.ExecuteNonQueryAsync();
            }
        }

        _store = SqliteExecutionStore.Open(DatabasePath);
        var unfinished = await _store.GetUnfinishedAsync(int.MaxValue, default);
        var recent = await _store.QueryAsync(new ExecutionQuery { Limit = 1000 }, default);

        Assert.NotEmpty(unfinished);
        Assert.All(unfinished, execution => Assert.True(execution.Unreadable is not null || execution.Record.Attempt >= 1));
        Assert.Contains(unfinished, execution => execution.Unreadable is not null);
        Assert.True(recent.Count < 500);
    }

    [Fact]
    public void A_store_that_cannot_be_created_says_where_and_what_to_do()
    {
        var blocker = Path.Combine(_folder, "file");
        File.WriteAllText(blocker, "");

        var error = Assert.Throws<ExecutionStoreUnavailableException>(() => SqliteExecutionStore.Open(Path.Combine(blocker, "executions.db")));

        Assert.Contains("cannot be opened", error.Message, StringComparison.Ordinal);
        Assert.Contains("ApiRoutes:Store:Path", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/")]     // before: ArgumentNullException out of start-up (the root has no folder)
    [InlineData(".")]     // before: a lock file named after the folder, beside it
    [InlineData("\0")]   // a NUL: .NET's own ArgumentException
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_store_path_that_is_a_folder_or_no_path_stops_with_one_line_and_leaves_nothing(string target)
    {
        var named = target == "\0" ? Path.Combine(_folder, "bad\0.db") : Path.Combine(_folder, "store.db");
        if (target != "\0")
        {
            File.CreateSymbolicLink(named, target);
        }

        var error = Assert.Throws<ExecutionStoreUnavailableException>(() => SqliteExecutionStore.Open(named));

        Assert.StartsWith($"The execution store '{named}' cannot be opened: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("ApiRoutes:Store:Path", error.Message, StringComparison.Ordinal);
        foreach (var beside in new[] { _folder + ".lock", _folder + ".owner", "/.lock", "/.owner" })
        {
            Assert.False(File.Exists(beside), $"{beside} was made beside the folder");
        }
    }

    private static DateTimeOffset At(int minutes) => new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(minutes);

    private static ExecutionRecord Record(string id, ExecutionStatus status) =>
        new() { Id = id, Route = "/api/job", Kind = "background", Status = status, AcceptedAt = At(0) };

    private static RequestSnapshot Request() => RequestSnapshot.Synthetic("/api/job", "{}"u8.ToArray());
}
