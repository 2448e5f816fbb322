using ApiRoutes.Scheduling;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ApiRoutes;

/// <summary>
/// Liveness: the in-process scheduler is alive and no occurrence is overdue, that is, still not dealt with (run,
/// skipped or paused) <see cref="HealthOptions.OverdueAfter"/> after its time on the <see cref="TimeProvider"/>.
/// Healthy when the scheduler is off.
/// </summary>
internal sealed class SchedulerHealthCheck(
    SchedulerSwitch enabled, ScheduleService scheduler, ScheduleHeartbeat heartbeat, TimeProvider time, IOptions<ApiRoutesOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!enabled.IsEnabled)
        {
            return Task.FromResult(HealthCheckResult.Healthy("The in-process scheduler is off."));
        }

        if (scheduler.ExecuteTask is { IsFaulted: true } faulted)
        {
            return Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, "The scheduler stopped on an error.", faulted.Exception));
        }

        var late = time.GetUtcNow() - options.Value.Health.OverdueAfter;
        var overdue = heartbeat.Due.Where(due => due.Value < late).OrderBy(due => due.Value).ToList();
        return Task.FromResult(overdue.Count == 0
            ? HealthCheckResult.Healthy()
            : new HealthCheckResult(
                context.Registration.FailureStatus,
                "Overdue: " + string.Join(", ", overdue.Select(due => $"{due.Key} at {due.Value:O}"))));
    }
}
