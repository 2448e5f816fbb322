using ApiRoutes.Execution;
using ApiRoutes.Storage;

namespace ApiRoutes.Runtime.Tests.Infrastructure;

/// <summary>
/// A durable store of one process that passes everything to an in-memory store (or to <paramref name="inner"/>); tests
/// override what they break (a write that fails, a claim that cannot land) or watch.
/// </summary>
internal class ForwardingStore(IExecutionStore? inner = null) : IExecutionStore
{
    protected IExecutionStore Inner { get; } = inner ?? new InMemoryExecutionStore(TimeProvider.System);

    public virtual bool IsDurable => true;

    public virtual Task AddAsync(ExecutionRecord record, RequestSnapshot? request, CancellationToken cancellationToken) => Inner.AddAsync(record, request, cancellationToken);

    public virtual Task<KeyedAdd> AddOnceAsync(ExecutionRecord record, RequestSnapshot request, IdempotencyKey key, CancellationToken cancellationToken) =>
        Inner.AddOnceAsync(record, request, key, cancellationToken);

    public virtual Task<KeyedAdd?> FindKeyAsync(string route, IdempotencyKey key, CancellationToken cancellationToken) =>
        Inner.FindKeyAsync(route, key, cancellationToken);

    public virtual Task UpdateAsync(ExecutionRecord record, CancellationToken cancellationToken) => Inner.UpdateAsync(record, cancellationToken);

    public Task<ExecutionRecord?> FindAsync(string id, CancellationToken cancellationToken) => Inner.FindAsync(id, cancellationToken);

    public virtual Task<IReadOnlyList<StoredExecution>> GetUnfinishedAsync(int limit, DateTimeOffset? runnableAt, CancellationToken cancellationToken) => Inner.GetUnfinishedAsync(limit, runnableAt, cancellationToken);

    public Task<IReadOnlyList<ExecutionRecord>> QueryAsync(ExecutionQuery query, CancellationToken cancellationToken) => Inner.QueryAsync(query, cancellationToken);

    public Task<RequestSnapshot?> GetRequestAsync(string id, CancellationToken cancellationToken) => Inner.GetRequestAsync(id, cancellationToken);

    public virtual Task RecordOccurrenceAsync(OccurrenceRecord record, CancellationToken cancellationToken) => Inner.RecordOccurrenceAsync(record, cancellationToken);

    public Task<IReadOnlyList<OccurrenceRecord>> GetOccurrencesAsync(OccurrenceQuery query, CancellationToken cancellationToken) => Inner.GetOccurrencesAsync(query, cancellationToken);

    public Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken) => Inner.PruneAsync(before, cancellationToken);

    public virtual Task<OccurrenceClaim> ClaimOccurrenceAsync(string route, DateTimeOffset occurrence, string executionId, CancellationToken cancellationToken) =>
        Inner.ClaimOccurrenceAsync(route, occurrence, executionId, cancellationToken);

    public virtual Task<OccurrenceClaim> SkipOccurrenceAsync(string route, DateTimeOffset occurrence, string runningId, CancellationToken cancellationToken) =>
        Inner.SkipOccurrenceAsync(route, occurrence, runningId, cancellationToken);

    public virtual Task ReleaseClaimsAsync(string route, IReadOnlyCollection<OccurrenceClaimed> claims, CancellationToken cancellationToken) =>
        Inner.ReleaseClaimsAsync(route, claims, cancellationToken);

    public virtual Task<LastClaims> GetLastOccurrenceAsync(string route, DateTimeOffset now, CancellationToken cancellationToken) =>
        Inner.GetLastOccurrenceAsync(route, now, cancellationToken);

    public Task<IReadOnlyList<ClaimNeverRun>> GetClaimsNeverRunAsync(DateTimeOffset since, DateTimeOffset before, CancellationToken cancellationToken) =>
        Inner.GetClaimsNeverRunAsync(since, before, cancellationToken);

    public Task<IReadOnlyList<ClaimRunUnrecorded>> GetClaimsRunUnrecordedAsync(DateTimeOffset since, DateTimeOffset before, CancellationToken cancellationToken) =>
        Inner.GetClaimsRunUnrecordedAsync(since, before, cancellationToken);

    public virtual Task<ServedSchedule> GetServedScheduleAsync(string route, CancellationToken cancellationToken) =>
        Inner.GetServedScheduleAsync(route, cancellationToken);

    public virtual Task<ServedSchedule> ServeScheduleAsync(string route, string schedule, DateTimeOffset from, CancellationToken cancellationToken) =>
        Inner.ServeScheduleAsync(route, schedule, from, cancellationToken);

    public virtual Task<IReadOnlyList<SchedulePause>> GetPausesAsync(CancellationToken cancellationToken) => Inner.GetPausesAsync(cancellationToken);

    public virtual Task SetPauseAsync(SchedulePause pause, CancellationToken cancellationToken) => Inner.SetPauseAsync(pause, cancellationToken);

    public Task EndPausesAsync(string route, DateTimeOffset at, CancellationToken cancellationToken) => Inner.EndPausesAsync(route, at, cancellationToken);
}
