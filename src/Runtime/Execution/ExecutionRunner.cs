using ApiRoutes.Diagnostics;
using ApiRoutes.ManifestLoading;
using ApiRoutes.Scheduling;
using ApiRoutes.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Execution;

/// <summary>
/// Runs one attempt of a background or scheduled execution: in its own DI scope, on a detached context, under the
/// route's time limit. At the limit the handler's <c>RequestAborted</c> is cancelled and the attempt ends as timed
/// out at once; a handler that ignores the token is abandoned (its scope is disposed when it finally returns).
/// </summary>
internal sealed class ExecutionRunner(
    IServiceScopeFactory scopes,
    TimeProvider time,
    ExecutionLog log,
    IExecutionStore store,
    ApiRoutesMetrics metrics,
    ILoggerFactory loggerFactory) : IDisposable
{
    /// <summary>The longest error kept with an execution (the exception's text), so no record grows without bound.</summary>
    public const int MaxErrorCharacters = 16 * 1024;

    private readonly ILogger _logger = loggerFactory.CreateLogger(Log.Category);

    // Cancelled when shutdown's drain period is over: what still runs then is cut.
    private readonly CancellationTokenSource _cut = new();

    public bool IsCut => _cut.IsCancellationRequested;

    public void CutAll() => _cut.Cancel();

    public async Task<AttemptResult> RunAsync(LoadedRoute route, RequestSnapshot request, ExecutionRecord queued)
    {
        var started = time.GetUtcNow();
        var record = queued with { Status = ExecutionStatus.Running, StartedAt = started, FinishedAt = null };
        if (!await log.TryStartAsync(record))
        {
            _logger.ExecutionHeldElsewhere(record.Id, route.Template);
            return new AttemptResult(ExecutionStatus.Queued, null, HeldElsewhere: true);
        }

        _logger.ExecutionStarted(record.Id, route.Template, record.Attempt);

        var limit = route.TimeLimit ?? TimeSpan.FromSeconds(RouteLimits.MaxTimeLimitSeconds);
        using var timeout = new CancellationTokenSource(limit, time);
        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _cut.Token);
        var abortedSignal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = aborted.Token.Register(() => abortedSignal.TrySetResult());

        var scope = scopes.CreateAsyncScope();
        var context = request.CreateContext(scope.ServiceProvider, record.Id, aborted.Token);

        // Task.Run: a handler that blocks its thread must not block this runner past the time limit.
        var handler = Task.Run(() =>
        {
            ExecutionLogCapture.Enter(record.Id);
            return route.InvokeAsync(context);
        });
        await Task.WhenAny(handler, abortedSignal.Task);

        // Aborted: the token fired and the handler either still runs or gave up because of it.
        var abortedFirst = aborted.IsCancellationRequested
            && (!handler.IsCompleted || handler.IsCanceled || handler.Exception?.InnerException is OperationCanceledException);
        var result = !abortedFirst
            ? Completed(handler)
            : timeout.IsCancellationRequested
                ? new AttemptResult(ExecutionStatus.TimedOut, null)
                : new AttemptResult(ExecutionStatus.Failed, null, Cut: true);

        if (handler.IsCompleted)
        {
            await scope.DisposeAsync();
        }
        else
        {
            // An abandoned handler's late failure is observed here, so it never surfaces as an unobserved exception.
            _ = handler.ContinueWith(
                async (abandoned, state) =>
                {
                    _ = abandoned.Exception;
                    await ((AsyncServiceScope)state!).DisposeAsync();
                },
                scope,
                CancellationToken.None,
                TaskContinuationOptions.None,
                TaskScheduler.Default);
        }

        Finish(route, record, result, limit);
        return result with { HandlerReturned = handler.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default) };
    }

    public void Dispose() => _cut.Dispose();

    /// <summary>An error's text, cut at <see cref="MaxErrorCharacters"/> with the cut marked.</summary>
    public static string Bounded(string error) => error.Length <= MaxErrorCharacters
        ? error
        : string.Concat(error.AsSpan(0, MaxErrorCharacters), $"… [cut: {error.Length - MaxErrorCharacters} more characters]");

    private static AttemptResult Completed(Task handler) => handler.Status switch
    {
        TaskStatus.RanToCompletion => new AttemptResult(ExecutionStatus.Succeeded, null),
        _ => new AttemptResult(ExecutionStatus.Failed, handler.Exception?.InnerException ?? new TaskCanceledException(handler)),
    };

    private void Finish(LoadedRoute route, ExecutionRecord record, AttemptResult result, TimeSpan limit)
    {
        var finished = time.GetUtcNow();
        var duration = finished - record.StartedAt!.Value;
        if (result.Cut && store.IsDurable)
        {
            // Not a failure: the run stays "running" in the store and is taken up again at the next start.
            _logger.ExecutionCut(record.Id, route.Template, "running when the drain period ended; it runs again at the next start, or on another replica");
            return;
        }

        var error = result switch
        {
            { Status: ExecutionStatus.TimedOut } => $"Timed out after {limit}: RequestAborted was cancelled.",
            { Cut: true } => "Cut by shutdown: the drain period ended before the handler returned.",
            { Exception: { } e } => Bounded(e.ToString()),
            _ => null,
        };
        log.Update(record with { Status = result.Status, FinishedAt = finished, Error = error });
        metrics.ExecutionFinished(route.Template, route.Kind, result.Status, duration);

        switch (result)
        {
            case { Status: ExecutionStatus.Succeeded }:
                _logger.ExecutionSucceeded(record.Id, route.Template, (long)duration.TotalMilliseconds);
                break;
            case { Status: ExecutionStatus.TimedOut }:
                _logger.ExecutionTimedOut(record.Id, route.Template, limit);
                break;
            case { Cut: true }:
                _logger.ExecutionCut(record.Id, route.Template, "running when the drain period ended");
                break;
            default:
                _logger.ExecutionFailed(record.Id, route.Template, record.Attempt, result.Exception!);
                break;
        }
    }
}

/// <summary>
/// How one attempt ended. <see cref="Cut"/>: stopped by shutdown, not by the handler. <see cref="HeldElsewhere"/>: not
/// started, because another replica took the execution over. <see cref="HandlerReturned"/> completes when the handler
/// has really returned, which for an abandoned handler (timed out, ignoring its token) is later than the attempt's end.
/// </summary>
internal sealed record AttemptResult(ExecutionStatus Status, Exception? Exception, bool Cut = false, bool HeldElsewhere = false)
{
    public Task HandlerReturned { get; init; } = Task.CompletedTask;
}
