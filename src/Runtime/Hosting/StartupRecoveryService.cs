using ApiRoutes.Diagnostics;
using ApiRoutes.Execution;
using ApiRoutes.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Hosting;

/// <summary>
/// At start-up, in the background (the first request does not wait for it): loads the recent history for the
/// dashboard, and takes up the work that did not finish before the last stop or crash — every unfinished execution
/// when the process is alone with its store, those of replicas gone when replicas share it. Stopping waits for it, so
/// what it queues is in the queue before the drain.
/// </summary>
internal sealed class StartupRecoveryService(
    IExecutionStore store,
    ExecutionLifecycle lifecycle,
    ILoggerFactory loggerFactory,
    IReplicaCoordination? coordination = null) : IHostedService
{
    private const int History = 1000;

    private readonly ILogger _logger = loggerFactory.CreateLogger(Log.Category);
    private Task _recovery = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _recovery = Task.Run(RecoverAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => _recovery.WaitAsync(cancellationToken);

    private async Task RecoverAsync()
    {
        try
        {
            var history = await store.GetRecentAsync(History, CancellationToken.None);
            lifecycle.Remember(history);
            _logger.HistoryLoaded(history.Count);

            var unfinished = coordination is null
                ? await store.GetUnfinishedAsync(int.MaxValue, CancellationToken.None)
                : await coordination.ClaimUnfinishedAsync(int.MaxValue, CancellationToken.None);
            var (requeued, failed) = lifecycle.Resume(unfinished);
            if (requeued + failed > 0)
            {
                _logger.Recovered(requeued, failed);
            }
        }
#pragma warning disable CA1031 // Recovery must never take the process down, at start-up or at shutdown.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _logger.StoreWriteFailed("(recovery at start-up)", e);
        }
    }
}
