using ApiRoutes.Execution;
using ApiRoutes.Scheduling;
using ApiRoutes.Storage;

namespace ApiRoutes.Testing.Tests.Infrastructure;

/// <summary>
/// The in-memory store, except that writing the end of the first scheduled run takes <paramref name="pause"/> of real
/// time on the thread that writes it: the runner's, after the execution log already shows the run ended and before the
/// runner returns and frees the schedule's slot. What a busy machine does when it preempts the runner there.
/// </summary>
internal sealed class SlowEndStore(IExecutionStore inner, TimeSpan pause) : IExecutionStore
{
    private int _slowed;

    public bool IsDurable => inner.IsDurable;

    public Task UpdateAsync(ExecutionRecord record, CancellationToken cancellationToken)
    {
        if (record is { Kind: "scheduled", FinishedAt: not null } && Interlocked.Exchange(ref _slowed, 1) == 0)
        {
            Thread.Sleep(pause);
        }

        return inner.UpdateAsync(record, cancellationToken);
    }

    public Task AddAsync(ExecutionRecord record, RequestSnapshot? request, CancellationToken cancellationToken) => inner.AddAsync(record, request, cancellationToken);

    public Task<ExecutionRecord?> FindAsync(string id, CancellationToken cancellationToken) => inner.FindAsync(id, cancellationToken);

    public Task<IReadOnlyList<ExecutionRecord>> GetRecentAsync(int limit, CancellationToken cancellationToken) => inner.GetRecentAsync(limit, cancellationToken);

    public Task<IReadOnlyList<ExecutionRecord>> QueryAsync(ExecutionQuery query, CancellationToken cancellationToken) => inner.QueryAsync(query, cancellationToken);

    public Task<RequestSnapshot?> GetRequestAsync(string id, CancellationToken cancellationToken) => inner.GetRequestAsync(id, cancellationToken);

    public Task<IReadOnlyList<StoredExecution>> GetUnfinishedAsync(int limit, CancellationToken cancellationToken) => inner.GetUnfinishedAsync(limit, cancellationToken);

    public Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken) => inner.PruneAsync(before, cancellationToken);

    public Task<OccurrenceClaim> ClaimOccurrenceAsync(string route, DateTimeOffset occurrence, string executionId, CancellationToken cancellationToken) =>
        inner.ClaimOccurrenceAsync(route, occurrence, executionId, cancellationToken);

    public Task<DateTimeOffset?> GetLastOccurrenceAsync(string route, CancellationToken cancellationToken) => inner.GetLastOccurrenceAsync(route, cancellationToken);

    public Task RecordOccurrenceAsync(OccurrenceRecord record, CancellationToken cancellationToken) => inner.RecordOccurrenceAsync(record, cancellationToken);

    public Task<IReadOnlyList<OccurrenceRecord>> GetOccurrencesAsync(OccurrenceQuery query, CancellationToken cancellationToken) => inner.GetOccurrencesAsync(query, cancellationToken);

    public Task<IReadOnlyList<SchedulePause>> GetPausesAsync(CancellationToken cancellationToken) => inner.GetPausesAsync(cancellationToken);

    public Task SetPauseAsync(SchedulePause pause, CancellationToken cancellationToken) => inner.SetPauseAsync(pause, cancellationToken);

    public Task RemovePauseAsync(string route, CancellationToken cancellationToken) => inner.RemovePauseAsync(route, cancellationToken);
}
