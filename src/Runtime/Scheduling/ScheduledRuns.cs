using System.Collections.Concurrent;
using ApiRoutes.Diagnostics;
using ApiRoutes.Manifest;
using ApiRoutes.Execution;
using ApiRoutes.ManifestLoading;
using ApiRoutes.Storage;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Scheduling;

/// <summary>
/// Starts scheduled runs, for the in-process scheduler and for external triggers alike, and keeps runs of one
/// schedule from overlapping: while a run goes, another occurrence of the same route is refused.
/// </summary>
internal sealed class ScheduledRuns(ExecutionRunner runner, ExecutionLog log, IExecutionStore store, TimeProvider time, ILoggerFactory loggerFactory)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger(Log.Category);
    private readonly ConcurrentDictionary<string, (string Id, Task Run)> _running = new(StringComparer.Ordinal);

    /// <summary>Starts a run for <paramref name="occurrence"/>, or returns null (and logs) when one still goes.</summary>
    /// <param name="route">The scheduled route.</param>
    /// <param name="occurrence">The occurrence it runs for; the body's <c>next_run</c> is the one after it.</param>
    /// <param name="missed">A catch-up run: <c>"missed": true</c> in the body.</param>
    /// <param name="manual">Started by hand (the dashboard): not remembered as the schedule's last run.</param>
    public string? TryStart(LoadedRoute route, DateTimeOffset occurrence, bool missed = false, bool manual = false)
    {
        var id = Guid.CreateVersion7(time.GetUtcNow()).ToString("N");
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = start.Task.ContinueWith(_ => Run(route, occurrence, id, missed), TaskScheduler.Default).Unwrap();
        var added = _running.AddOrUpdate(
            route.Template,
            (id, run),
            (_, current) => current.Run.IsCompleted ? (id, run) : current);
        if (added.Id != id)
        {
            _logger.ScheduleSkipped(route.Template, occurrence, added.Id);
            return null;
        }

        _logger.ScheduleFired(route.Template, occurrence, id);
        start.SetResult();
        if (manual)
        {
            return id;
        }

        store.RecordOccurrenceAsync(route.Template, occurrence, CancellationToken.None).LogIfFails(_logger, id);
        return id;
    }

    private Task Run(LoadedRoute route, DateTimeOffset occurrence, string id, bool missed)
    {
        var record = new ExecutionRecord
        {
            Id = id,
            Route = route.Template,
            Kind = route.Kind.Name(),
            Status = ExecutionStatus.Queued,
            AcceptedAt = time.GetUtcNow(),
            Occurrence = occurrence,
        };
        log.Update(record);
        return runner.RunAsync(route, ScheduledRequest.For(route, occurrence, missed), record);
    }
}
