using ApiRoutes.Diagnostics;
using ApiRoutes.Execution;
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
    TimeProvider time,
    IOptions<ApiRoutesOptions> options,
    ILoggerFactory loggerFactory) : IHostedService
{
    private readonly ILogger _logger = loggerFactory.CreateLogger(Log.Category);
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _workers = [];
    private readonly List<Task> _retries = [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var count = Math.Max(1, options.Value.Background.MaxConcurrency);
        for (var i = 0; i < count; i++)
        {
            _workers.Add(Task.Run(WorkAsync, CancellationToken.None));
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
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

        foreach (var record in log.Active)
        {
            var reason = record.Status == ExecutionStatus.Queued ? "queued when the drain period ended; it never ran" : "still running";
            log.Update(record with { Status = ExecutionStatus.Failed, FinishedAt = time.GetUtcNow(), Error = $"Cut by shutdown: {reason}." });
            _logger.ExecutionCut(record.Id, record.Route, reason);
        }
    }

    private async Task WorkAsync()
    {
        // Reading goes on after shutdown starts: the channel completes when closed, so queued work drains first.
        while (await queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            if (!queue.Reader.TryRead(out var execution))
            {
                continue;
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

        var reason = $"a retry (attempt {execution.Record.Attempt}) was pending when the server shut down";
        log.Update(execution.Record with { Status = ExecutionStatus.Failed, FinishedAt = time.GetUtcNow(), Error = $"Cut by shutdown: {reason}." });
        _logger.ExecutionCut(execution.Record.Id, execution.Record.Route, reason);
    }
}
