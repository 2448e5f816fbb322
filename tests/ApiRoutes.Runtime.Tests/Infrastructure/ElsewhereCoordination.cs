using ApiRoutes.Storage;

namespace ApiRoutes.Runtime.Tests.Infrastructure;

/// <summary>
/// Replica coordination that plays a second replica running <see cref="RunningElsewhere"/>'s schedule run; everything
/// else as a replica alone (its lease renews, there is nothing to take over, every start lands).
/// </summary>
internal sealed class ElsewhereCoordination : IReplicaCoordination
{
    public string? RunningElsewhere { get; set; }

    public string Replica => "this-replica";

    public string Description => "a test coordination";

    public TimeSpan LeaseDuration => TimeSpan.FromMinutes(1);

    public Task<LeaseRenewal> RenewLeaseAsync(CancellationToken cancellationToken) => Task.FromResult(LeaseRenewal.Renewed);

    public Task<IReadOnlyList<StoredExecution>> ClaimUnfinishedAsync(int limit, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<StoredExecution>>([]);

    public Task<IReadOnlyList<StoredExecution>> ClaimWaitingAsync(int limit, DateTimeOffset acceptedBefore, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<StoredExecution>>([]);

    public Task<bool> TryStartAsync(ExecutionRecord running, CancellationToken cancellationToken) => Task.FromResult(true);

    public Task<string?> RunningElsewhereAsync(string route, CancellationToken cancellationToken) => Task.FromResult(RunningElsewhere);
}
