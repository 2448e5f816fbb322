using System.Collections.Concurrent;
using ApiRoutes.Execution;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>
/// The generated entry point opens the store's file (<c>SqliteStorePreload</c>) or warms SQLite up (<c>SqliteWarmUp</c>)
/// on another thread while it builds the app; the store is still opened before the app listens, on the file the options
/// name, and a store that cannot be opened still stops start-up in one line.
/// </summary>
[Collection(Hosting.ConsoleErrorCollection.Name)]
public class SqliteStartupTests
{
    [Fact]
    public async Task A_store_that_cannot_be_opened_stops_the_application_with_exit_code_1_before_it_listens()
    {
        // A folder cannot be made under a file: the store's path is unusable.
        var file = Path.GetTempFileName();
        var path = Path.Combine(file, "executions.db");
        var manifest = TestManifest.Write(Create(StandardRoute("/api/hello", typeof(Hello))));
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        int code;
        try
        {
            code = await ApiRoutesApplication.RunAsync(["--urls=http://127.0.0.1:0", $"--ApiRoutes:ManifestPath={manifest}", $"--ApiRoutes:Store:Path={path}"]);
        }
        finally
        {
            Console.SetError(previous);
            File.Delete(file);
        }

        Assert.Equal(1, code);
        Assert.StartsWith($"ApiRoutes: The execution store '{path}' cannot be opened: ", error.ToString(), StringComparison.Ordinal);
        Assert.EndsWith("Set ApiRoutes:Store:Path to a writable file, or ApiRoutes:Store:Provider to InMemory.", error.ToString().TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_store_is_on_the_configured_file_opened_while_the_app_was_built_and_releases_it_at_the_stop()
    {
        var folder = Directory.CreateTempSubdirectory("apiroutes-preload-").FullName;
        var path = Path.Combine(folder, "executions.db");
        var manifest = TestManifest.Write(Create(StandardRoute("/api/hello", typeof(Hello))));
        string? storePath = null;
        var preloaded = false;
        try
        {
            var code = await ApiRoutesApplication.RunAsync(
                ["--urls=http://127.0.0.1:0", $"--ApiRoutes:ManifestPath={manifest}", $"--ApiRoutes:Store:Path={path}"],
                configureApp: app => app.Lifetime.ApplicationStarted.Register(() =>
                {
                    storePath = (app.Services.GetRequiredService<IExecutionStore>() as SqliteExecutionStore)?.Path;
                    preloaded = app.Services.GetService<SqliteStorePreload>() is not null;
                    app.Lifetime.StopApplication();
                }));

            Assert.Equal(0, code);
            Assert.True(preloaded);
            Assert.Equal(path, storePath);
            await using var again = SqliteExecutionStore.Open(path);   // released at the stop
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_store_path_set_by_code_is_the_one_opened_and_the_configured_file_is_left_free()
    {
        var folder = Directory.CreateTempSubdirectory("apiroutes-preload-").FullName;
        var configured = Path.Combine(folder, "configured.db");
        var chosen = Path.Combine(folder, "chosen.db");
        var manifest = TestManifest.Write(Create(StandardRoute("/api/hello", typeof(Hello))));
        string? storePath = null;
        Exception? configuredFileHeld = new InvalidOperationException("the app never started");
        try
        {
            var code = await ApiRoutesApplication.RunAsync(
                ["--urls=http://127.0.0.1:0", $"--ApiRoutes:ManifestPath={manifest}", $"--ApiRoutes:Store:Path={configured}"],
                configureBuilder: builder => builder.Services.Configure<ApiRoutesOptions>(options => options.Store.Path = chosen),
                configureApp: app => app.Lifetime.ApplicationStarted.Register(() =>
                {
                    storePath = (app.Services.GetRequiredService<IExecutionStore>() as SqliteExecutionStore)?.Path;
                    configuredFileHeld = Record.Exception(() => SqliteExecutionStore.Open(configured).DisposeAsync().AsTask().GetAwaiter().GetResult());
                    app.Lifetime.StopApplication();
                }));

            Assert.Equal(0, code);
            Assert.Equal(chosen, storePath);
            Assert.Null(configuredFileHeld);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    // Review 25b F16: a file damaged inside (the executions' pages; its schema intact) opened, and the app listened on
    // with its unfinished work neither run nor recorded as failed: recovery logged 2010 "could not record execution",
    // pruning 2045, and it answered as if nothing were wrong. SQLite's own check at open reads the whole file.
    [Fact]
    public async Task A_store_file_found_damaged_after_the_start_stops_the_app_with_exit_code_1_saying_how_to_mend_it()
    {
        var manifest = TestManifest.Write(Create(BackgroundRoute("/api/job", typeof(Hello))));
        var lines = new ConcurrentQueue<string>();
        await InFolderAsync(async path =>
        {
            await WriteUnfinishedAndDamageAsync(path, table: "executions");

            var code = await ApiRoutesApplication.RunAsync(
                ["--urls=http://127.0.0.1:0", $"--ApiRoutes:ManifestPath={manifest}", $"--ApiRoutes:Store:Path={path}"],
                configureBuilder: builder => builder.Logging.AddProvider(new ListLoggerProvider(lines))).WaitAsync(TimeSpan.FromMinutes(1));

            Assert.Equal(1, code);
            var damaged = Assert.Single(lines, line => line.StartsWith("ApiRoutes[2046] ", StringComparison.Ordinal));
            Assert.StartsWith($"ApiRoutes[2046] Critical: The execution store '{path}' is damaged: SQLite Error 11: 'database disk image is malformed'.", damaged, StringComparison.Ordinal);
            Assert.Contains("restore the file from a backup, or move it aside with its '-wal' and '-shm' files", damaged, StringComparison.Ordinal);
            Assert.EndsWith("The app stops: what it accepts could not be kept, and the work recorded before could be neither run nor recorded as failed", damaged, StringComparison.Ordinal);
        });
    }

    // Damaged where the open reads (its schema), or no database at all: start-up stops before listening, as for any store
    // that cannot be opened, but with how to mend it, not "set a writable file".
    [Theory]
    [InlineData("sqlite_master", "SQLite Error 11: 'database disk image is malformed'.")]
    [InlineData("header", "SQLite Error 26: 'file is not a database'.")]
    public async Task A_store_file_damaged_where_the_open_reads_is_refused_at_start_saying_how_to_mend_it(string damage, string reason)
    {
        await InFolderAsync(async path =>
        {
            await WriteUnfinishedAndDamageAsync(path, damage);

            var refused = Assert.Throws<ExecutionStoreUnavailableException>(() => SqliteExecutionStore.Open(path));

            Assert.StartsWith($"The execution store '{path}' is damaged: {reason} Stop every process that uses it", refused.Message, StringComparison.Ordinal);
            File.Move(path, path + ".damaged");
            await using var fresh = SqliteExecutionStore.Open(path);   // moved aside, as the message says; its lock was let go
        });
    }

    // While the store is open: a read and a write that meet the damage are refused saying so, and each tells the app.
    [Fact]
    public async Task A_store_file_damaged_while_it_is_open_fails_reads_and_writes_saying_so_and_tells_the_app()
    {
        var told = new ConcurrentQueue<string>();
        await InFolderAsync(async path =>
        {
            await using var store = SqliteExecutionStore.Open(path, damaged: told.Enqueue);
            await WriteUnfinishedAsync(store);
            await DamageAsync(path, "executions");

            var read = await Assert.ThrowsAsync<ExecutionStoreUnavailableException>(() => store.FindAsync("job-050", default));
            var write = await Assert.ThrowsAsync<ExecutionStoreUnavailableException>(() => store.AddAsync(Queued(100), RequestSnapshot.Synthetic("/api/job", [1]), default));

            var expected = $"The execution store '{path}' is damaged: SQLite Error 11: 'database disk image is malformed'.";
            Assert.All([read.Message, write.Message], message => Assert.StartsWith(expected, message, StringComparison.Ordinal));
            Assert.Equal([read.Message, write.Message], told);
        });
    }

    // Review 35c F4: a file of the current version without a part of it (removed by hand, a restore in part) threw SQLite's
    // raw error from the store's constructor and kept its lock: the next open in the same process said it was in use by
    // another process, itself; without schedule_pauses_ended it opened, and a schedule paused until 9999 ran.
    [Theory]
    [InlineData("ALTER TABLE executions DROP COLUMN request_hash", "column request_hash of table executions")]
    [InlineData("ALTER TABLE executions DROP COLUMN earlier_attempts", "column earlier_attempts of table executions")]
    [InlineData("DROP TABLE schedule_pauses_ended", "table schedule_pauses_ended")]
    [InlineData("DROP INDEX executions_idempotency", "index executions_idempotency")]
    [InlineData("ALTER TABLE schedule_runs DROP COLUMN skipped", "column skipped of table schedule_runs")]
    public async Task A_store_without_a_part_of_its_version_is_refused_at_open_naming_it_and_is_let_go(string removal, string missing)
    {
        await InFolderAsync(async path =>
        {
            await RemoveAsync(path, removal);

            var first = Assert.Throws<ExecutionStoreUnavailableException>(() => SqliteExecutionStore.Open(path));
            var second = Assert.Throws<ExecutionStoreUnavailableException>(() => SqliteExecutionStore.Open(path));   // let go

            Assert.StartsWith($"The execution store '{path}' is damaged: it has no {missing}, which its schema's version (10) has", first.Message, StringComparison.Ordinal);
            Assert.Contains("restore the file from a backup, or move it aside with its '-wal' and '-shm' files", first.Message, StringComparison.Ordinal);
            Assert.Equal(first.Message, second.Message);
            File.Move(path, path + ".damaged");
            await using var fresh = SqliteExecutionStore.Open(path);
        });
    }

    // The app, with the dashboard on (it resolves the store again): one line and exit code 1, never a stack trace or
    // "in use by another process" naming its own process.
    [Fact]
    public async Task A_store_without_a_column_of_its_version_stops_the_application_in_one_line()
    {
        var manifest = TestManifest.Write(Create(BackgroundRoute("/api/job", typeof(Hello))));
        await InFolderAsync(async path =>
        {
            await RemoveAsync(path, "ALTER TABLE executions DROP COLUMN request_hash");
            var error = new StringWriter();
            var previous = Console.Error;
            Console.SetError(error);
            int code;
            try
            {
                code = await ApiRoutesApplication.RunAsync(
                    ["--urls=http://127.0.0.1:0", $"--ApiRoutes:ManifestPath={manifest}", $"--ApiRoutes:Store:Path={path}",
                        "--ApiRoutes:Dashboard:Enabled=true", "--ApiRoutes:Dashboard:Token=tok-0123456789abcdef0123456789abcdef"]).WaitAsync(TimeSpan.FromMinutes(1));
            }
            finally
            {
                Console.SetError(previous);
            }

            Assert.Equal(1, code);
            var line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"ApiRoutes: The execution store '{path}' is damaged: it has no column request_hash of table executions", line, StringComparison.Ordinal);
        });
    }

    private static async Task RemoveAsync(string path, string removal)
    {
        await using (SqliteExecutionStore.Open(path))
        {
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = removal;
        command.ExecuteNonQuery();
    }

    // A store's path in a folder of its own, removed with all in it afterwards.
    private static async Task InFolderAsync(Func<string, Task> test)
    {
        var folder = Directory.CreateTempSubdirectory("apiroutes-damaged-").FullName;
        try
        {
            await test(Path.Combine(folder, "executions.db"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    // A store with unfinished work whose pages of one table (its root page), of the schema, or the file's header are
    // overwritten, as a failing disk or a copy made mid-write leaves them.
    private static async Task WriteUnfinishedAndDamageAsync(string path, string table)
    {
        await using (var store = SqliteExecutionStore.Open(path))
        {
            await WriteUnfinishedAsync(store);
        }

        await DamageAsync(path, table);
    }

    private static async Task WriteUnfinishedAsync(SqliteExecutionStore store)
    {
        var body = new byte[2048];
        for (var i = 0; i < 100; i++)
        {
            await store.AddAsync(Queued(i), RequestSnapshot.Synthetic("/api/job", body), default);
        }
    }

    private static ExecutionRecord Queued(int i) =>
        new() { Id = $"job-{i:D3}", Route = "/api/job", Kind = "background", Status = ExecutionStatus.Queued, AcceptedAt = DateTimeOffset.UnixEpoch.AddSeconds(i) };

    private static async Task DamageAsync(string path, string table)
    {
        long offset;
        int length;
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE); SELECT page_size FROM pragma_page_size; SELECT rootpage FROM sqlite_master WHERE name = $table";
            command.Parameters.AddWithValue("$table", table);
            using var reader = command.ExecuteReader();
            reader.NextResult();
            reader.Read();
            var pageSize = reader.GetInt32(0);
            reader.NextResult();
            (offset, length) = table switch
            {
                "header" => (0L, 100),
                "sqlite_master" => (100L, pageSize - 100),   // page 1, after the file's header
                _ when reader.Read() => ((reader.GetInt64(0) - 1) * pageSize, pageSize),
                _ => throw new InvalidOperationException($"no table {table}"),
            };
        }

        await using var file = new FileStream(path, FileMode.Open, FileAccess.Write);
        file.Seek(offset, SeekOrigin.Begin);
        await file.WriteAsync(Enumerable.Repeat((byte)0xFF, length).ToArray());
    }
}
