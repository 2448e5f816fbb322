using ApiRoutes.Execution;
using ApiRoutes.Storage;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>What every store promises for executions added under an idempotency key: one per (route, key).</summary>
public abstract partial class ExecutionStoreContract
{
    [Fact]
    public async Task An_execution_is_stored_once_per_route_and_idempotency_key_and_the_earlier_one_is_the_answer()
    {
        var first = await Store.AddOnceAsync(Record("first", ExecutionStatus.Queued), Request(), Key("k-1", "same"), default);
        var again = await Store.AddOnceAsync(Record("again", ExecutionStatus.Queued), Request(), Key("k-1", "same"), default);
        var different = await Store.AddOnceAsync(Record("different", ExecutionStatus.Queued), Request(), Key("k-1", "other"), default);
        var otherRoute = await Store.AddOnceAsync(Record("other-route", ExecutionStatus.Queued) with { Route = "/api/other" }, Request(), Key("k-1", "same"), default);
        var otherKey = await Store.AddOnceAsync(Record("other-key", ExecutionStatus.Queued), Request(), Key("K-1", "same"), default);

        Assert.Equal(KeyedAdd.Stored, first);
        Assert.Equal(new KeyedAdd("first", SameRequest: true), again);
        Assert.Equal(new KeyedAdd("first", SameRequest: false), different);
        Assert.Equal((KeyedAdd.Stored, KeyedAdd.Stored), (otherRoute, otherKey));   // keys are per route, and case-sensitive
        Assert.Equal(["first", "other-key", "other-route"], (await Store.GetRecentAsync(10, default)).Select(record => record.Id).Order(StringComparer.Ordinal));
        Assert.Equal(Record("first", ExecutionStatus.Queued), await Store.FindAsync("first", default));
        Assert.Equal(["first", "other-key", "other-route"], (await Store.GetUnfinishedAsync(10, default)).Select(stored => stored.Record.Id).Order(StringComparer.Ordinal));

        // Asked without adding (a retry that meets a full queue).
        Assert.Equal(new KeyedAdd("first", SameRequest: true), await Store.FindKeyAsync(Record("x", ExecutionStatus.Queued).Route, Key("k-1", "same"), default));
        Assert.Equal(new KeyedAdd("first", SameRequest: false), await Store.FindKeyAsync(Record("x", ExecutionStatus.Queued).Route, Key("k-1", "other"), default));
        Assert.Equal(new KeyedAdd("other-route", SameRequest: true), await Store.FindKeyAsync("/api/other", Key("k-1", "same"), default));
        Assert.Null(await Store.FindKeyAsync(Record("x", ExecutionStatus.Queued).Route, Key("k-2", "same"), default));
    }

    [Fact]
    public async Task Adds_of_one_idempotency_key_at_once_store_one_execution_and_all_others_answer_with_it()
    {
        var adds = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() =>
            Store.AddOnceAsync(Record($"e{i:D2}", ExecutionStatus.Queued), Request(), Key("together", "same"), default))))
            .WaitAsync(TimeSpan.FromSeconds(60));

        var stored = Assert.Single(await Store.GetRecentAsync(100, default)).Id;
        Assert.Single(adds, add => add == KeyedAdd.Stored);
        Assert.All(adds.Where(add => add != KeyedAdd.Stored), add => Assert.Equal(new KeyedAdd(stored, SameRequest: true), add));
    }

    [Fact]
    public async Task A_key_whose_execution_was_pruned_is_free_again_and_one_whose_execution_still_runs_is_not()
    {
        await Store.AddOnceAsync(Record("old", ExecutionStatus.Queued), Request(), Key("k-old", "a"), default);
        await Store.UpdateAsync(Record("old", ExecutionStatus.Succeeded) with { StartedAt = At(1), FinishedAt = At(2) }, default);
        await Store.AddOnceAsync(Record("running", ExecutionStatus.Queued), Request(), Key("k-running", "a"), default);
        await Store.UpdateAsync(Record("running", ExecutionStatus.Running) with { StartedAt = At(1) }, default);

        await Store.PruneAsync(At(60), default);

        Assert.Equal(KeyedAdd.Stored, await Store.AddOnceAsync(Record("new", ExecutionStatus.Queued), Request(), Key("k-old", "b"), default));
        Assert.Equal(new KeyedAdd("running", SameRequest: true), await Store.AddOnceAsync(Record("late", ExecutionStatus.Queued), Request(), Key("k-running", "a"), default));
    }

    [Fact]
    public async Task A_keyed_add_to_a_closed_store_fails_at_once()
    {
        await CloseAsync(Store);

        await Assert.ThrowsAsync<ExecutionStoreUnavailableException>(() =>
            Store.AddOnceAsync(Record("late", ExecutionStatus.Queued), Request(), Key("k", "a"), default).WaitAsync(TimeSpan.FromSeconds(10)));
        Store = await OpenAsync();
    }

    private protected static IdempotencyKey Key(string value, string fingerprint) => new(value, fingerprint);
}
