using ApiRoutes.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ApiRoutes;

/// <summary>
/// Readiness: the execution store can be reached and written (no new background work is accepted otherwise). One probe
/// at a time, and its answer for a second after it (<see cref="Reuse"/>): each probe writes to the store (SQLite a page
/// through its log and flush, as a 202's row), and the endpoint answers anyone, so a flood of probes halved the
/// background requests accepted a second (review 27c F4). A platform probes every few seconds and sees no difference.
/// </summary>
internal sealed class StoreHealthCheck(IExecutionStore store, TimeProvider time) : IHealthCheck
{
    /// <summary>How long a probe's answer is given to the checks that come after it.</summary>
    public static readonly TimeSpan Reuse = TimeSpan.FromSeconds(1);

    // A probe that does not end by then (a flush that hangs, a database that does not answer) ends as failed: the next
    // check starts a new one rather than wait on it for good.
    private static readonly TimeSpan ProbeLimit = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private Task<Answer>? _probe;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        Task<Answer> probe;
        lock (_gate)
        {
            if (_probe is null || (_probe.IsCompleted && time.GetUtcNow() - _probe.Result.At >= Reuse))
            {
                _probe = ProbeAsync();
            }

            probe = _probe;
        }

        var failure = (await probe.WaitAsync(cancellationToken)).Failure;
        return failure is null ? HealthCheckResult.Healthy() : new HealthCheckResult(context.Registration.FailureStatus, failure);
    }

    private async Task<Answer> ProbeAsync()
    {
        using var limit = new CancellationTokenSource(ProbeLimit, time);
        string? failure = null;
        try
        {
            await store.ProbeAsync(limit.Token);
        }
        catch (ExecutionStoreUnavailableException e)
        {
            failure = e.Message;
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested)
        {
            failure = $"The execution store did not answer its probe within {ProbeLimit.TotalSeconds:0} s.";
        }

        return new Answer(failure, time.GetUtcNow());
    }

    private sealed record Answer(string? Failure, DateTimeOffset At);
}
