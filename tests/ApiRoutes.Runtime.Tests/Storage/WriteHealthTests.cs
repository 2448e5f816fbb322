using System.Reflection;
using ApiRoutes.Execution;
using ApiRoutes.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>
/// Readiness sees a store whose writes fail for the store's sake even when the store can still be opened and locked:
/// the group commit's latest outcome (<see cref="WriteHealth"/>) and, with SQLite, a write of its own through it.
/// </summary>
public sealed class WriteHealthTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly string _folder = Directory.CreateTempSubdirectory("apiroutes-write-health-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public void The_latest_batch_decides_and_a_failure_is_forgotten_after_the_window()
    {
        var health = new WriteHealth(_time);
        Assert.Null(health.Failing());

        health.Failed(2, new IOException("disk full"));
        health.Succeeded(1);   // an earlier batch made durable after the later one failed
        var failing = health.Failing();
        _time.Advance(WriteHealth.Window);
        var atTheEdge = health.Failing();
        _time.Advance(TimeSpan.FromSeconds(1));
        var forgotten = health.Failing();
        health.Failed(3, new IOException("disk full again"));
        health.Succeeded(4);

        Assert.Equal(
            "its last write failed 0 s ago (disk full), and none has succeeded since; new background requests are answered 503 until one does.",
            failing);
        Assert.StartsWith("its last write failed 30 s ago (disk full)", atTheEdge);
        Assert.Null(forgotten);
        Assert.Null(health.Failing());
    }

    [Fact]
    public async Task The_group_commit_marks_the_writes_failing_for_the_store_s_sake_only()
    {
        var fault = (Exception?)null;
        await using var writer = new GroupCommitWriter<string>(
            batch => fault is { } e ? throw e : Task.FromResult<IReadOnlyList<bool>>([.. batch.Select(_ => true)]),
            _ => null,
            (e, kept) => new ExecutionStoreUnavailableException(e.Message, e),
            _time,
            e => e is FormatException);

        fault = new FormatException("a write's own data");
        await Assert.ThrowsAsync<ExecutionStoreUnavailableException>(() => writer.WriteAsync("poison").WaitAsync(Patience));
        var afterDataError = writer.Health.Failing();
        fault = new IOException("disk full");
        await Assert.ThrowsAsync<ExecutionStoreUnavailableException>(() => writer.WriteAsync("a").WaitAsync(Patience));
        var afterStoreError = writer.Health.Failing();
        fault = null;
        Assert.True(await writer.WriteAsync("b").WaitAsync(Patience));
        var afterSuccess = writer.Health.Failing();

        Assert.Null(afterDataError);
        Assert.Contains("(disk full)", afterStoreError);
        Assert.Null(afterSuccess);
    }

    [Fact]
    public async Task A_sqlite_store_that_can_be_locked_but_not_written_is_not_ready_until_a_write_lands()
    {
        var path = Path.Combine(_folder, "executions.db");
        await using var store = SqliteExecutionStore.Open(path, _time);
        await store.AddAsync(Record("before"), Request(1), default);
        await store.ProbeAsync(default);

        // The file cannot grow (as on a full disk); a new connection still opens it and takes its write lock.
        SetMaxPageCount(store, PageCount(path));
        var refused = await Assert.ThrowsAsync<ExecutionStoreUnavailableException>(
            () => store.AddAsync(Record("big"), Request(64 * 1024), default).WaitAsync(Patience));
        var notReady = await Assert.ThrowsAsync<ExecutionStoreUnavailableException>(() => store.ProbeAsync(default));

        // Still failing within the window; once it passed, readiness writes through the group commit to find out.
        _time.Advance(WriteHealth.Window);
        await Assert.ThrowsAsync<ExecutionStoreUnavailableException>(() => store.ProbeAsync(default));
        _time.Advance(TimeSpan.FromSeconds(1));
        await store.ProbeAsync(default);   // the probe's write rewrites a page: no growth needed
        SetMaxPageCount(store, 1_000_000);
        await store.AddAsync(Record("after"), Request(64 * 1024), default).WaitAsync(Patience);

        Assert.Contains("full", refused.Message, StringComparison.Ordinal);
        Assert.Equal(
            $"The execution store '{path}' cannot be written: its last write failed 0 s ago (SQLite Error 13: 'database or disk is full'.), and none has succeeded since; new background requests are answered 503 until one does.",
            notReady.Message);
        Assert.NotNull(await store.FindAsync("after", default));
        Assert.Null(await store.FindAsync("big", default));
    }

    // The write connection is the store's own; PRAGMA max_page_count holds for one connection only.
    private static void SetMaxPageCount(SqliteExecutionStore store, long pages)
    {
        var field = typeof(SqliteExecutionStore).GetField("_writeConnection", BindingFlags.NonPublic | BindingFlags.Instance)
            ?? throw new InvalidOperationException("SqliteExecutionStore has no _writeConnection field any more: update this test.");
        using var command = ((SqliteConnection)field.GetValue(store)!).CreateCommand();
        command.CommandText = $"PRAGMA max_page_count = {pages}";
        command.ExecuteNonQuery();
    }

    private static long PageCount(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA page_count";
        return (long)command.ExecuteScalar()!;
    }

    private static ExecutionRecord Record(string id) =>
        new() { Id = id, Route = "/api/job", Kind = "background", Status = ExecutionStatus.Queued, AcceptedAt = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero) };

    private static RequestSnapshot Request(int bodyBytes) => RequestSnapshot.Synthetic("/api/job", new byte[bodyBytes]);
}
