using ApiRoutes.Diagnostics;
using ApiRoutes.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ApiRoutes.Storage;

/// <summary>
/// Retention: at start-up (once the <see cref="StartupWorkGate"/> opens) and every hour, deletes from the store the executions that finished longer ago than
/// <see cref="StoreOptions.Retention"/> (and old schedule claims but each schedule's latest), so it does not grow
/// without bound.
/// </summary>
internal sealed class RetentionService(IExecutionStore store, TimeProvider time, IOptions<ApiRoutesOptions> options, ILoggerFactory loggerFactory, StartupWorkGate gate)
    : PeriodicService(time, loggerFactory.CreateLogger(Log.Category), gate)
{
    protected override TimeSpan? Period => TimeSpan.FromHours(1);

    protected override bool RunsAtStart => true;

    protected override string Name => "pruning";

    protected override async Task RunOnceAsync(CancellationToken stopping)
    {
        var retention = options.Value.Store.Retention;
        Logger.Pruned(await store.PruneAsync(Time.GetUtcNow() - retention, stopping), retention);
    }
}
