using ApiRoutes.Diagnostics;
using ApiRoutes.Execution;
using ApiRoutes.Scheduling;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ApiRoutes.Background;

/// <summary>
/// Runs queued background executions on <see cref="BackgroundRouteOptions.MaxConcurrency"/> workers, and on shutdown
/// drains: queued and running work (background and scheduled) may finish within the drain period; then what still
/// runs is cut, and the <see cref="ExecutionLifecycle"/> decides what becomes of everything left.
/// </summary>
internal sealed class BackgroundWorkers(
    BackgroundQueue queue,
    ExecutionRunner runner,
    ExecutionLifecycle lifecycle,
    ScheduledRuns scheduledRuns,
    ExecutionLog log,
    DrainClock clock,
    IOptions<ApiRoutesOptions> options,
    ILoggerFactory loggerFactory) : IHostedService
{
    private readonly ILogger _logger = loggerFactory.CreateLogger(Log.Category);
    private readonly List<Task> _workers = [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        for (var i = 0; i < options.Value.Background.MaxConcurrency; i++)
        {
            _workers.Add(Task.Run(WorkAsync, CancellationToken.None));
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var drain = options.Value.ShutdownDrainTimeout;
        var deadline = Task.Delay(drain, clock.Time, cancellationToken);

        // Both on the drain's clock, set together: the grace after the cut ends AfterCut after the drain period.
        var graceOver = Task.Delay(drain + clock.AfterCut, clock.Time, cancellationToken);
        _logger.Draining(drain, log.RunningCount, queue.Waiting);
        queue.Close();

        var drained = Task.WhenAll(Task.WhenAll(_workers), scheduledRuns.WhenAllEndedAsync());
        if (await Task.WhenAny(drained, deadline) != drained || log.RunningCount > 0)
        {
            // Running work (background or scheduled) is cut; the workers then get through the queue, cutting each,
            // and a handler that ignores the cut but returns within the grace is recorded as it ended.
            runner.CutAll();
            await Task.WhenAny(CutWorkEndedAsync(drained), graceOver);
        }

        lifecycle.CutUnfinished();
    }

    // The cut attempts are all known once the workers and scheduled runs have ended; then their handlers may return.
    private async Task CutWorkEndedAsync(Task drained)
    {
        await drained;
        await runner.CutHandlersReturned();
    }

    private async Task WorkAsync()
    {
        // Reading goes on after shutdown starts: the channel completes when closed, so queued work drains first.
        // ReadAsync rather than WaitToReadAsync + TryRead: the latter wakes every idle worker on each write.
        while (true)
        {
            TrackedExecution execution;
            try
            {
                execution = await queue.Reader.ReadAsync(CancellationToken.None);
            }
            catch (System.Threading.Channels.ChannelClosedException)
            {
                return;
            }

            queue.Started();
            if (runner.IsCut)
            {
                lifecycle.Cut(execution, ExecutionLifecycle.NeverRan(execution, "queued when the drain period ended"));
                continue;
            }

            // A handler abandoned at its time limit still holds a thread, and this worker, until it returns: so
            // MaxConcurrency bounds the handlers actually running, not only the attempts not yet ended. A worker never
            // dies: one execution's failure in the runtime (a bug) is logged and recorded, and the next runs.
            var slot = queue.WorkerTook(execution);
            try
            {
                await runner.RunToEndAsync(execution);
            }
            finally
            {
                queue.WorkerFreed(slot);
            }
        }
    }
}
