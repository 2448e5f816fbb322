using ApiRoutes.Background;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ApiRoutes;

/// <summary>
/// Liveness: the background workers can still start work. A handler that ignores its <c>RequestAborted</c> keeps its
/// worker after its time limit, until it returns (so MaxConcurrency counts the handlers really running); when every
/// worker has been held so for longer than <see cref="HealthOptions.OverdueAfter"/>, nothing queued or accepted can
/// run again while the process lives, and a restart helps: the stop cuts them and the next start runs what waited
/// (review 39a F4: the app answered 202 and said Healthy while running nothing). A returned handler's response
/// callbacks still running past its time limit hold their worker so too (review 39g F3). Some workers held so: degraded.
/// </summary>
internal sealed class WorkersHealthCheck(BackgroundQueue queue, TimeProvider time, IOptions<ApiRoutesOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var (workers, bound) = (options.Value.Background.MaxConcurrency, options.Value.Health.OverdueAfter);
        var since = time.GetUtcNow() - bound;
        var held = queue.Working.Count(execution => execution.AbandonedSince <= since);
        var result = held == 0 ? HealthCheckResult.Healthy()
            : held >= workers ? new HealthCheckResult(
                context.Registration.FailureStatus,
                $"All {workers} background workers are held, for longer than {bound}, by handlers, or their response's callbacks, still running past their attempts' ends (a time limit, a lost lease: they ignore RequestAborted): no background execution can start until they return or the process restarts.")
            : HealthCheckResult.Degraded(
                $"{held} of {workers} background workers are held, for longer than {bound}, by handlers, or their response's callbacks, still running past their attempts' ends (a time limit, a lost lease: they ignore RequestAborted).");
        return Task.FromResult(result);
    }
}
