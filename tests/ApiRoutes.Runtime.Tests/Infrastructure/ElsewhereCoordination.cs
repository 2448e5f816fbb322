using System.Runtime.CompilerServices;
using ApiRoutes.Storage;

namespace ApiRoutes.Runtime.Tests.Infrastructure;

/// <summary>
/// Replica coordination that plays a second replica running <see cref="RunningElsewhere"/>'s schedule run; everything
/// else as a replica alone (its lease renews, there is nothing to take over, every start lands), unless a test makes
/// the database away for renewals (<see cref="RenewalFails"/>), for the next starts (<see cref="StartsFailing"/>) or for runs by
/// hand (<see cref="StartsByHandFailing"/>).
/// </summary>
internal sealed class ElsewhereCoordination : IReplicaCoordination
{
    private int _startsFailing;
    private StrongBox<(int Count, ClockReading? Clock)> _lastRead = new((0, null));

    public string? RunningElsewhere { get; set; }

    public bool RenewalFails { get; set; }

    /// <summary>Whether runs started by hand meet the database away.</summary>
    public bool StartsByHandFailing { get; set; }

    /// <summary>Whether those meet it once their row was sent (it may have landed), or before.</summary>
    public bool RowMayHaveLanded { get; set; } = true;

    /// <summary>How many of the next starts cannot be recorded (the store is away).</summary>
    public int StartsFailing
    {
        get => Volatile.Read(ref _startsFailing);
        set => Volatile.Write(ref _startsFailing, value);
    }

    public string Replica => "this-replica";

    public string Description => "a test coordination";

    public TimeSpan LeaseDuration => TimeSpan.FromMinutes(1);

    public long? RegisteredAt => null;

    /// <summary>What the next renewals read of the database's clock (<see cref="Clock"/> from then on).</summary>
    public ClockReading? NextClock { get; set; }

    public ClockReading? Clock => LastRead.Clock;

    /// <summary>How many renewals succeeded.</summary>
    public int Renewals => LastRead.Count;

    /// <summary>How many renewals succeeded, with the clock the last one read (one value, read whole).</summary>
    public (int Count, ClockReading? Clock) LastRead => Volatile.Read(ref _lastRead).Value;

    public Task<LeaseRenewal> RenewLeaseAsync(CancellationToken cancellationToken)
    {
        if (RenewalFails)
        {
            return Task.FromException<LeaseRenewal>(new ExecutionStoreUnavailableException("The test's database is away."));
        }

        var last = Volatile.Read(ref _lastRead).Value;
        Volatile.Write(ref _lastRead, new StrongBox<(int, ClockReading?)>((last.Count + 1, NextClock)));   // renewals run one at a time
        return Task.FromResult(LeaseRenewal.Renewed);
    }

    public Task<IReadOnlyList<StoredExecution>> ClaimUnfinishedAsync(int limit, IReadOnlyCollection<string> routes, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<StoredExecution>>([]);

    public Task<IReadOnlyList<StoredExecution>> ClaimWaitingAsync(int limit, DateTimeOffset acceptedBefore, IReadOnlyCollection<string> routes, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<StoredExecution>>([]);

    public Task<IReadOnlyList<StoredExecution>> ClaimLandedAsync(
        int limit, DateTimeOffset acceptedBefore, IReadOnlyCollection<string> held, IReadOnlyCollection<string> routes, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<StoredExecution>>([]);

    public Task<bool> TryStartAsync(ExecutionRecord running, CancellationToken cancellationToken) => Interlocked.Decrement(ref _startsFailing) >= 0
        ? Task.FromException<bool>(new ExecutionStoreUnavailableException("The test's database is away."))
        : Task.FromResult(true);

    public Task<string?> StartByHandAsync(ExecutionRecord run, CancellationToken cancellationToken) => StartsByHandFailing
        ? Task.FromException<string?>(new ExecutionStoreUnavailableException("The test's database is away.") { MayHaveLanded = RowMayHaveLanded })
        : Task.FromResult(RunningElsewhere);

    public Task<IReadOnlyList<ClaimNeverRun>> CloseClaimsNeverRunAsync(int limit, TimeSpan window, bool lapsed, IReadOnlyCollection<string> routes, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ClaimNeverRun>>([]);
}
