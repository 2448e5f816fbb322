using System.Threading.Channels;
using ApiRoutes.Diagnostics;
using ApiRoutes.Manifest;
using ApiRoutes.Execution;
using ApiRoutes.ManifestLoading;
using ApiRoutes.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ApiRoutes.Background;

/// <summary>
/// Runs accepted background executions on a fixed number of workers, retries failures after the configured delays,
/// and on shutdown drains: queued and running work may finish within the drain period, the rest is cut and logged.
/// Also owns the drain of scheduled runs, which share the <see cref="ExecutionRunner"/>.
/// </summary>
internal sealed class BackgroundExecutionService(
    BackgroundQueue queue,
    ExecutionRunner runner,
    ExecutionLog log,
    IExecutionStore store,
    RouteTable routes,
    TimeProvider time,
    IOptions<ApiRoutesOptions> options,
    ILoggerFactory loggerFactory,
    IReplicaCoordination? coordination = null) : IHostedService
{
    private const int MaxCutLines = 100;

    private readonly ILogger _logger = loggerFactory.CreateLogger(Log.Category);
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _workers = [];
    private readonly List<Task> _retries = [];

    private ITimer? _pruning;
    private ITimer? _takeOver;
    private int _takingOver;

    private Task _recovery = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Recovery reads the store in the background, so it does not hold up the first request; the store was
        // already opened (or start-up stopped) when the routes were mapped.
        _recovery = Task.Run(
            async () =>
            {
                try
                {
                    await RecoverAsync(CancellationToken.None);
                }
                catch (ExecutionStoreUnavailableException e)
                {
                    _logger.StoreWriteFailed("(recovery at start-up)", e);
                }
#pragma warning disable CA1031 // Recovery must never take the process down, at start-up or at shutdown.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    _logger.StoreWriteFailed("(recovery at start-up)", e);
                }
            },
            CancellationToken.None);
        var count = Math.Max(1, options.Value.Background.MaxConcurrency);
        for (var i = 0; i < count; i++)
        {
            _workers.Add(Task.Run(WorkAsync, CancellationToken.None));
        }

        // Retention: prune now and every hour, so the store does not grow without bound.
        _pruning = time.CreateTimer(_ => _ = PruneAsync(), null, TimeSpan.Zero, TimeSpan.FromHours(1));

        // Replicas sharing a store: the work of one that stops (or dies, once its lease lapses) is taken over here.
        if (coordination is not null)
        {
            var every = options.Value.Store.LeaseDuration / 2;
            _takeOver = time.CreateTimer(_ => _ = TakeOverAsync(), null, every, every);
        }

        return Task.CompletedTask;
    }

    // Work accepted before the last stop (or crash) runs again: at least once.
    private async Task RecoverAsync(CancellationToken cancellationToken)
    {
        var history = await store.GetRecentAsync(1000, cancellationToken);
        foreach (var record in history)
        {
            log.Remember(record);
        }

        _logger.HistoryLoaded(history.Count);

        // Alone with its store, every unfinished execution is this process's; replicas take only those of replicas gone.
        var unfinished = coordination is null
            ? await store.GetUnfinishedAsync(int.MaxValue, cancellationToken)
            : await coordination.ClaimUnfinishedAsync(int.MaxValue, cancellationToken);
        var (requeued, failed) = Resume(unfinished);
        if (requeued + failed > 0)
        {
            _logger.Recovered(requeued, failed);
        }
    }

    // While running: the unfinished work of replicas that stopped, as much as the queue has room for; then, with
    // workers idle, first attempts that have waited half a lease or more in the queue of a busy replica.
    private async Task TakeOverAsync()
    {
        if (queue.IsClosed || Interlocked.Exchange(ref _takingOver, 1) == 1)
        {
            return;
        }

        try
        {
            var background = options.Value.Background;
            var room = Math.Min(1000, background.MaxQueueLength - queue.Waiting);
            if (room > 0 && await coordination!.ClaimUnfinishedAsync(room, CancellationToken.None) is { Count: > 0 } orphaned)
            {
                var (requeued, failed) = Resume(orphaned);
                _logger.TookOver(requeued, failed);
            }

            var idle = Math.Min(1000, background.MaxConcurrency - log.RunningCount - queue.Waiting);
            var waitingSince = time.GetUtcNow() - options.Value.Store.LeaseDuration / 2;
            if (idle > 0 && await coordination!.ClaimWaitingAsync(idle, waitingSince, CancellationToken.None) is { Count: > 0 } waiting)
            {
                _logger.TookWaiting(Resume(waiting).Requeued);
            }
        }
        catch (ExecutionStoreUnavailableException e)
        {
            _logger.StoreWriteFailed("(taking over the work of other replicas)", e);
        }
        finally
        {
            Volatile.Write(ref _takingOver, 0);
        }
    }

    // A run that was going when its process died counts as a failed attempt; past the last attempt it is recorded as
    // failed, as is work whose route is gone and a scheduled run (its occurrence has passed).
    private (int Requeued, int Failed) Resume(IReadOnlyList<StoredExecution> unfinished)
    {
        int requeued = 0, failed = 0;
        var maxAttempts = options.Value.Background.RetryDelays.Count + 1;
        foreach (var stored in unfinished)
        {
            var (record, request) = stored;
            if (stored.Unreadable is { } problem)
            {
                _logger.UnreadableExecution(record.Id, problem);
                log.Update(record with { Status = ExecutionStatus.Failed, FinishedAt = time.GetUtcNow(), Error = $"Not run: its stored row cannot be read ({problem})." });
                failed++;
                continue;
            }

            var route = routes.Routes.FirstOrDefault(r => r.Template == record.Route && r.Kind.Name() == record.Kind);
            var attempt = record.Status == ExecutionStatus.Running ? record.Attempt + 1 : record.Attempt;
            var reason = (route, request) switch
            {
                (null, _) => "its route no longer exists in this deploy",
                (_, null) => "the process stopped while it ran (scheduled runs are not repeated)",
                _ when attempt > maxAttempts => $"the process stopped during its last attempt ({record.Attempt} of {maxAttempts})",
                _ => null,
            };
            if (reason is not null)
            {
                log.Update(record with { Status = ExecutionStatus.Failed, FinishedAt = time.GetUtcNow(), Error = $"Not finished: {reason}." });
                failed++;
                continue;
            }

            queue.Requeue(new BackgroundExecution(route!, request!, record with { Status = ExecutionStatus.Queued, Attempt = attempt, StartedAt = null }));
            requeued++;
        }

        return (requeued, failed);
    }

    private async Task PruneAsync()
    {
        try
        {
            var retention = options.Value.Store.Retention;
            var count = await store.PruneAsync(time.GetUtcNow() - retention, CancellationToken.None);
            _logger.Pruned(count, retention);
        }
        catch (ExecutionStoreUnavailableException e)
        {
            _logger.StoreWriteFailed("(pruning)", e);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_pruning is not null)
        {
            await _pruning.DisposeAsync();
        }

        if (_takeOver is not null)
        {
            await _takeOver.DisposeAsync();
        }

        await _recovery;
        var drain = options.Value.ShutdownDrainTimeout;
        var deadline = Task.Delay(drain, time, cancellationToken);
        _logger.Draining(drain, log.RunningCount, queue.Waiting);
        queue.Close();
        await _stopping.CancelAsync();

        // Pending retries end now: they were accepted, so each is recorded as failed rather than dropped silently.
        Task[] retries;
        lock (_retries)
        {
            retries = [.. _retries];
        }

        await Task.WhenAll(retries);

        var drained = Task.WhenAll(_workers);
        if (await Task.WhenAny(drained, deadline) != drained || log.RunningCount > 0)
        {
            // Running work (background or scheduled) is cut; queued work never started.
            runner.CutAll();
            await Task.WhenAny(drained, Task.Delay(TimeSpan.FromSeconds(5), time, CancellationToken.None));
        }

        if (store.IsDurable)
        {
            // Nothing is lost: what did not finish stays queued or running in the store and runs at the next start.
            _logger.LeftForNextStart(log.Active.Count);
            return;
        }

        // Every one is recorded; the log names the first ones and counts the rest, so a deep queue cannot flood it.
        var cut = 0;
        foreach (var record in log.Active)
        {
            var reason = record.Status == ExecutionStatus.Queued ? "queued when the drain period ended; it never ran" : "still running";
            log.Update(record with { Status = ExecutionStatus.Failed, FinishedAt = time.GetUtcNow(), Error = $"Cut by shutdown: {reason}." });
            if (++cut <= MaxCutLines)
            {
                _logger.ExecutionCut(record.Id, record.Route, reason);
            }
        }

        if (cut > MaxCutLines)
        {
            _logger.ExecutionsCut(cut - MaxCutLines);
        }
    }

    private async Task WorkAsync()
    {
        // Reading goes on after shutdown starts: the channel completes when closed, so queued work drains first.
        // ReadAsync rather than WaitToReadAsync + TryRead: the latter wakes every idle worker on each write.
        while (true)
        {
            BackgroundExecution execution;
            try
            {
                execution = await queue.Reader.ReadAsync(CancellationToken.None);
            }
            catch (ChannelClosedException)
            {
                return;
            }

            queue.Started();
            if (runner.IsCut)
            {
                // The drain period is over: leave it queued, StopAsync records it as cut.
                continue;
            }

            var result = await runner.RunAsync(execution.Route, execution.Request, execution.Record);
            if (result is { Status: ExecutionStatus.Failed, Cut: false })
            {
                ScheduleRetry(execution);
            }

            // A handler abandoned at its time limit still holds a thread, and this worker, until it returns: so
            // MaxConcurrency bounds the handlers actually running, not only the attempts not yet ended.
            await result.HandlerReturned;
        }
    }

    private void ScheduleRetry(BackgroundExecution execution)
    {
        var delays = options.Value.Background.RetryDelays;
        var attempt = execution.Record.Attempt;
        if (attempt > delays.Count || _stopping.IsCancellationRequested)
        {
            return;
        }

        var delay = delays[attempt - 1];
        var next = execution with { Record = execution.Record with { Status = ExecutionStatus.Queued, Attempt = attempt + 1, StartedAt = null } };
        _logger.ExecutionRetryScheduled(next.Record.Id, next.Record.Route, delay, attempt + 1, delays.Count + 1);
        lock (_retries)
        {
            _retries.Add(RetryAsync(next, delay));
        }
    }

    private async Task RetryAsync(BackgroundExecution execution, TimeSpan delay)
    {
        try
        {
            // The record says "queued" only once the timer is armed.
            var wait = Task.Delay(delay, time, _stopping.Token);
            log.Update(execution.Record);
            await wait;
            if (queue.Requeue(execution))
            {
                return;
            }
        }
        catch (OperationCanceledException)
        {
            // Shutdown came first.
        }

        if (store.IsDurable)
        {
            return;
        }

        var reason = $"a retry (attempt {execution.Record.Attempt}) was pending when the server shut down";
        log.Update(execution.Record with { Status = ExecutionStatus.Failed, FinishedAt = time.GetUtcNow(), Error = $"Cut by shutdown: {reason}." });
        _logger.ExecutionCut(execution.Record.Id, execution.Record.Route, reason);
    }
}
