using ApiRoutes.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ApiRoutes;

/// <summary>Readiness: the execution store can be reached and written (no new background work is accepted otherwise).</summary>
internal sealed class StoreHealthCheck(IExecutionStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.ProbeAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (ExecutionStoreUnavailableException e)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, e.Message);
        }
    }
}
