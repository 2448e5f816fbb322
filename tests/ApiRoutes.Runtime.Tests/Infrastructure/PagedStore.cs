using ApiRoutes.Execution;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Storage;

namespace ApiRoutes.Runtime.Tests.Infrastructure;

/// <summary>
/// A store (in memory) that counts the pages start-up recovery reads of unfinished work; the page <see cref="HoldPage"/>
/// (1-based) waits for <see cref="Release"/>. <see cref="SeedAsync"/> writes rows as an earlier process left them.
/// </summary>
internal class PagedStore : ForwardingStore
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _pages;

    public int HoldPage { get; init; }

    /// <summary>How many pages recovery has asked for.</summary>
    public int Pages => Volatile.Read(ref _pages);

    public Task SeedAsync(ExecutionRecord record, RequestSnapshot request) => Inner.AddAsync(record, request, default);

    public void Release() => _release.TrySetResult();

    public override async Task<IReadOnlyList<StoredExecution>> GetUnfinishedAsync(int limit, DateTimeOffset? runnableAt, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _pages) == HoldPage)
        {
            await _release.Task.WaitAsync(Probe.Patience, cancellationToken);
        }

        return await base.GetUnfinishedAsync(limit, runnableAt, cancellationToken);
    }
}
