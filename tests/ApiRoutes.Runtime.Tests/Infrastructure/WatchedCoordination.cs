using ApiRoutes.Storage;

namespace ApiRoutes.Runtime.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL coordination whose renewals fail while Away (this replica cut off from the database), and which counts
/// its take-overs' looks at the claims never run, and at the runs unrecorded, that have ended: a test waits for the look a
/// clock it moved has set off, rather than for a time.
/// </summary>
internal sealed class WatchedCoordination(IReplicaCoordination inner) : IReplicaCoordination
{
    private volatile bool _away;
    private int _claimsLookedAt;
    private int _runsLookedAt;

    public int ClaimsLookedAt => Volatile.Read(ref _claimsLookedAt);

    public int RunsLookedAt => Volatile.Read(ref _runsLookedAt);

    public bool Away
    {
        get => _away;
        set => _away = value;
    }

    public string Replica => inner.Replica;

    public string Description => inner.Description;

    public TimeSpan LeaseDuration => inner.LeaseDuration;

    public long? RegisteredAt => inner.RegisteredAt;

    public Task<LeaseRenewal> RenewLeaseAsync(CancellationToken cancellationToken) =>
        Away ? throw new ExecutionStoreUnavailableException("The test's database is away.") : inner.RenewLeaseAsync(cancellationToken);

    public Task<IReadOnlyList<StoredExecution>> ClaimUnfinishedAsync(int limit, IReadOnlyCollection<string> routes, CancellationToken cancellationToken) =>
        inner.ClaimUnfinishedAsync(limit, routes, cancellationToken);

    public async Task<IReadOnlyList<ClaimRunUnrecorded>> GetClaimsRunUnrecordedAsync(
        int limit, TimeSpan window, bool lapsed, DateTimeOffset occurrencesSince, IReadOnlyCollection<string> routes, CancellationToken cancellationToken)
    {
        try
        {
            return await inner.GetClaimsRunUnrecordedAsync(limit, window, lapsed, occurrencesSince, routes, cancellationToken);
        }
        finally
        {
            Interlocked.Increment(ref _runsLookedAt);
        }
    }

    public Task<IReadOnlyList<StoredExecution>> ClaimWaitingAsync(int limit, DateTimeOffset acceptedBefore, IReadOnlyCollection<string> routes, CancellationToken cancellationToken) =>
        inner.ClaimWaitingAsync(limit, acceptedBefore, routes, cancellationToken);

    public Task<IReadOnlyList<StoredExecution>> ClaimLandedAsync(
        int limit, DateTimeOffset acceptedBefore, IReadOnlyCollection<string> held, IReadOnlyCollection<string> routes, CancellationToken cancellationToken) =>
        inner.ClaimLandedAsync(limit, acceptedBefore, held, routes, cancellationToken);

    public Task<bool> TryStartAsync(ExecutionRecord running, CancellationToken cancellationToken) => inner.TryStartAsync(running, cancellationToken);

    public Task<string?> StartByHandAsync(ExecutionRecord run, CancellationToken cancellationToken) => inner.StartByHandAsync(run, cancellationToken);

    public ClockReading? Clock => inner.Clock;

    public async Task<IReadOnlyList<ClaimNeverRun>> CloseClaimsNeverRunAsync(int limit, TimeSpan window, bool lapsed, IReadOnlyCollection<string> routes, CancellationToken cancellationToken)
    {
        try
        {
            return await inner.CloseClaimsNeverRunAsync(limit, window, lapsed, routes, cancellationToken);
        }
        finally
        {
            Interlocked.Increment(ref _claimsLookedAt);
        }
    }
}
