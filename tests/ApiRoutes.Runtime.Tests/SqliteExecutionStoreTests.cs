using ApiRoutes.Execution;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace ApiRoutes.Runtime.Tests;

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
    public async Task An_accepted_execution_comes_back_with_its_request_after_reopening()
    {
        await _store.AddAsync(Record("one", ExecutionStatus.Queued), SampleRequests.Full(), default);
        await _store.DisposeAsync();

        _store = SqliteExecutionStore.Open(DatabasePath);
        var (record, copy) = Assert.Single(await _store.ClaimUnfinishedAsync(int.MaxValue, default));

        Assert.Equal(Record("one", ExecutionStatus.Queued), record);
        SampleRequests.AssertIsFull(copy);
    }

    [Fact]
    public async Task A_finished_execution_is_no_longer_unfinished_and_keeps_its_last_error()
    {
        await _store.AddAsync(Record("one", ExecutionStatus.Queued), Request(), default);
        await _store.UpdateAsync(Record("one", ExecutionStatus.Failed) with { Attempt = 3, Error = "boom", FinishedAt = At(5) }, default);

        Assert.Empty(await _store.ClaimUnfinishedAsync(int.MaxValue, default));
        var recent = Assert.Single(await _store.GetRecentAsync(10, default));
        Assert.Equal((ExecutionStatus.Failed, 3, "boom"), (recent.Status, recent.Attempt, recent.Error));
    }

    [Fact]
    public async Task Many_concurrent_adds_are_all_durable()
    {
        await Task.WhenAll(Enumerable.Range(0, 2000).Select(i => _store.AddAsync(Record($"e{i:D5}", ExecutionStatus.Queued), Request(), default)));

        Assert.Equal(2000, (await _store.ClaimUnfinishedAsync(int.MaxValue, default)).Count);
    }

    [Fact]
    public async Task Pruning_deletes_only_finished_executions_older_than_the_retention()
    {
        await _store.UpdateAsync(Record("old", ExecutionStatus.Succeeded) with { FinishedAt = At(1) }, default);
        await _store.UpdateAsync(Record("new", ExecutionStatus.Succeeded) with { FinishedAt = At(100) }, default);
        await _store.AddAsync(Record("waiting", ExecutionStatus.Queued), Request(), default);

        Assert.Equal(1, await _store.PruneAsync(At(50), default));

        Assert.Equal(["new", "waiting"], (await _store.GetRecentAsync(10, default)).Select(r => r.Id).Order());
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

    private static DateTimeOffset At(int minutes) => new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(minutes);

    private static ExecutionRecord Record(string id, ExecutionStatus status) =>
        new() { Id = id, Route = "/api/job", Kind = "background", Status = status, AcceptedAt = At(0) };

    private static RequestSnapshot Request() => RequestSnapshot.Synthetic("/api/job", "{}"u8.ToArray());
}
