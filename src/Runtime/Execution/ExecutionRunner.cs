using ApiRoutes.Diagnostics;
using ApiRoutes.Scheduling;
using ApiRoutes.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Execution;

/// <summary>
/// Runs one attempt of a background or scheduled execution: in its own DI scope, on a detached context, under the
/// route's time limit. At the limit the handler's <c>RequestAborted</c> is cancelled and the attempt ends as timed
/// out at once; a handler that ignores the token is abandoned (its response's callbacks run and its scope is disposed
/// when it finally returns: <see cref="DetachedLifetime"/>). The token fires too when shutdown cuts the run, or when the
/// <see cref="LeaseFence"/> trips (this replica may have lost its lease); while the fence holds, nothing starts. The
/// attempt's start and end are the <see cref="ExecutionLifecycle"/>'s to record.
/// </summary>
internal sealed class ExecutionRunner(IServiceScopeFactory scopes, TimeProvider time, ExecutionLifecycle lifecycle, SecretHeaders secrets, LeaseFence fence, ILoggerFactory loggerFactory) : IDisposable
{
    /// <summary>The longest error kept with an execution (the exception's text), so no record grows without bound.</summary>
    public const int MaxErrorCharacters = 16 * 1024;

    /// <summary>
    /// How long after its time limit, the fence or the cut a handler's lines are still its run's, while it answers its
    /// cancellation ("stopped at step 3"); what it writes later is counted, not kept.
    /// </summary>
    public static readonly TimeSpan AnswerGrace = TimeSpan.FromSeconds(5);

    // What came first in an attempt (RunAsync): nothing yet, the handler's end, the time limit, the fence or the cut.
    private const int Running = 0;
    private const int HandlerFirst = 1;
    private const int TimeLimitFirst = 2;
    private const int FenceFirst = 3;
    private const int CutFirst = 4;

    private readonly ILogger _logger = loggerFactory.CreateLogger(Log.Category);

    // Cancelled when shutdown's drain period is over: what still runs then is cut.
    private readonly CancellationTokenSource _cut = new();
    private readonly TaskCompletionSource _cutSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Handlers still running when they were cut: the drain gives them a short grace to return (CutHandlersReturned).
    private readonly List<Task> _cutHandlers = [];

    public bool IsCut => _cut.IsCancellationRequested;

    /// <summary>Completes when the drain period is over.</summary>
    public Task Cut => _cutSignal.Task;

    public void CutAll()
    {
        // The attempts' own callbacks (the handlers' RequestAborted) run on the thread pool (Abort): a handler's bug,
        // throwing or blocking, holds up neither the drain nor the container's disposal (Dispose).
        _cut.Cancel();
        _cutSignal.TrySetResult();
    }

    /// <summary>
    /// Runs one attempt (<see cref="RunAsync"/>) and then waits for its handler to have really returned (an abandoned
    /// one: timed out, ignoring its token) until the drain period is over: whoever runs attempts one at a time per slot
    /// (a worker, a schedule) holds its slot meanwhile, so MaxConcurrency and "runs of one schedule never overlap" count
    /// the handlers actually running. A failure of the runtime itself (a bug, not the handler's) is logged (2024) and
    /// recorded as failed: the execution is never left running.
    /// </summary>
    public async Task RunToEndAsync(TrackedExecution execution)
    {
        try
        {
            var result = await RunAsync(execution);
            if (!result.HandlerReturned.IsCompleted)
            {
                await Task.WhenAny(result.HandlerReturned, Cut);
            }
        }
#pragma warning disable CA1031 // One execution's failure in the runtime (a bug) is logged and recorded; its worker or schedule goes on.
        catch (Exception e)
#pragma warning restore CA1031
        {
            lifecycle.FailInternal(execution, e);
        }
    }

    // Cancels one attempt's RequestAborted on a pool thread, never on the thread that decided it (the time limit's timer,
    // the drain, the fence's trip): the handler's callbacks run there, and one that blocks must hold up neither the
    // stop nor the other attempts' fence. All of them run even when one throws, and what they threw is logged.
    private void Abort(CancellationTokenSource aborted) =>
        ThreadPool.UnsafeQueueUserWorkItem(
            static state =>
            {
                try
                {
                    state.aborted.Cancel();
                }
                catch (AggregateException e)
                {
                    state.logger.AbortCallbackFailed(e);
                }
            },
            (aborted, logger: _logger),
            preferLocal: false);

    public async Task<AttemptResult> RunAsync(TrackedExecution execution)
    {
        // A replica that may have lost its lease starts nothing until a renewal succeeds; shutdown's cut ends the wait
        // (the execution is still queued, and the drain decides what becomes of it).
        try
        {
            await fence.WhenHeldAsync(_cut.Token);
        }
        catch (OperationCanceledException)
        {
            return AttemptResult.NotStarted;
        }

        var held = fence.Token;
        if (!await lifecycle.TryStartAsync(execution, _cut.Token))
        {
            return AttemptResult.NotStarted;
        }

        // Started once the attempt is: an execution another replica holds now has no span here.
        using var activity = ExecutionTracing.Start(execution);
        var route = execution.Route!;
        var limit = route.TimeLimit ?? TimeSpan.FromSeconds(RouteLimits.MaxTimeLimitSeconds);
        var startedAt = time.GetTimestamp();
        using var timeout = new CancellationTokenSource(limit, time);

        // The handler's RequestAborted, cancelled by the time limit, the cut or the fence (Abort). Not a linked token
        // source: the callbacks the handler registered must run on a thread of their own, where a throwing one (a
        // handler's bug) is logged, not where it would escape into the time limit's timer (unhandled: the process would
        // end), the fence's trip or the cut. Not disposed once cancelled: an abandoned handler may still use its token.
        var aborted = new CancellationTokenSource();
        var lifetime = new DetachedLifetime(aborted, Abort, _logger, execution);

        // Which came first, the handler's end, the time limit, the fence or the cut, decided once (compare-and-swap):
        // an attempt whose handler ended after the limit fired is timed out, and after the fence tripped goes back to
        // the queue, however the handler ended (it returned after catching the cancellation, or failed with an
        // exception of its own), also when it ended before this runner looked; after the cut it is cut unless it
        // returned normally ("returning normally says done"; a later return: ReturnedAfterCut). One that ended first is
        // its own result, also when the limit, the fence or the cut came before this runner looked. Otherwise the record
        // would depend on which thread ran first. Only the event that came first cancels the handler's token.
        var first = Running;
        var decided = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        execution.AttemptStarting();
        void Decide(int by)
        {
            if (Interlocked.CompareExchange(ref first, by, Running) == Running)
            {
                execution.EndDecidedFirst(time.GetUtcNow());
                decided.TrySetResult();
                Abort(aborted);
            }
        }

        Task handler;
        var logged = new ExecutionLogCapture.HandlerRun(execution.Id);
        var scope = scopes.CreateAsyncScope();
        using (timeout.Token.Register(() => Decide(TimeLimitFirst)))
        using (_cut.Token.Register(() => Decide(CutFirst)))
        using (held.Register(() => Decide(FenceFirst)))
        {
            // The secret headers as configured now: a request stored before a name was added to them (recovered, taken
            // over) does not hand it to the handler either.
            var context = execution.Request!.CreateContext(scope.ServiceProvider, execution.Id, lifetime, secrets);
            context.Features.Set<IApiRoutesExecutionFeature>(new ExecutionFeature(execution.Record, lifecycle.MaxAttempts(route.Kind)));

            // Task.Run: a handler that blocks its thread must not block this runner past the time limit. Not at all once
            // the fence tripped while its start was written (its registration above said so at once).
            if (held.IsCancellationRequested)
            {
                Decide(FenceFirst);
                handler = Task.FromCanceled(held);
            }
            else
            {
                execution.HandlerStarted();
                handler = Task.Run(async () =>
                {
                    try
                    {
                        logged.Enter();
                        await route.InvokeAsync(context);
                    }
                    finally
                    {
                        logged.End();
                        execution.HandlerReturned();
                        Interlocked.CompareExchange(ref first, HandlerFirst, Running);
                    }
                });
            }

            await Task.WhenAny(handler, decided.Task);
        }

        if (Volatile.Read(ref first) == HandlerFirst)
        {
            // Its code has returned; its task completes in a moment.
            await handler.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        var result = Volatile.Read(ref first) switch
        {
            TimeLimitFirst => new AttemptResult(ExecutionStatus.TimedOut, null),
            FenceFirst => new AttemptResult(ExecutionStatus.Failed, null, Fenced: true),
            CutFirst when handler.Status != TaskStatus.RanToCompletion => new AttemptResult(ExecutionStatus.Failed, null, Cut: true),
            _ => Completed(handler),
        };

        if (handler.IsCompleted)
        {
            // The end of its request, its response's callbacks and its scope, comes after its outcome, as on Kestrel after
            // the response went out (review 39g F3: a callback that waited, a flush or a disposal over the network, kept a
            // succeeded execution Running, and a stop meanwhile cut it, so it ran again after the restart). Until the end
            // is over it holds the worker or the schedule's slot (HandlerReturned), within the attempt's time limit, and
            // a retry waits for it (TrackedExecution.End).
            var ending = EndAsync(scope, lifetime, execution);
            if (Volatile.Read(ref first) != HandlerFirst)
            {
                result = result with { HandlerReturned = execution.Ends(ending) };
            }
            else if (ending.IsCompleted)
            {
                Close(lifetime, aborted);
            }
            else
            {
                result = result with { HandlerReturned = execution.Ends(EndInTimeAsync(ending, lifetime, aborted, execution, result.Status, limit, limit - time.GetElapsedTime(startedAt))) };
            }
        }
        else
        {
            // Decided without the handler (its time limit, the fence, the cut): the lines it writes in answer to its
            // cancellation, which it learns of only now (Abort), are still this attempt's until it returns or AnswerGrace
            // has passed (review 38g F5); what an abandoned handler, or work it left running, logs after that is not
            // (review 38b F4). A handler that has returned ended its run itself.
            EndAfterAnswer(logged, handler);

            // An abandoned handler's late failure is observed here, so it never surfaces as an unobserved exception;
            // until it returns, it still counts against MaxConcurrency (HandlerReturned).
            result = result with
            {
                HandlerReturned = execution.Ends(handler.ContinueWith(
                    (abandoned, state) =>
                    {
                        _ = abandoned.Exception;
                        var (abandonedScope, abandonedLifetime) = ((AsyncServiceScope, DetachedLifetime))state!;
                        return EndAsync(abandonedScope, abandonedLifetime, execution);
                    },
                    (scope, lifetime),
                    CancellationToken.None,
                    TaskContinuationOptions.None,
                    TaskScheduler.Default).Unwrap()),
            };
        }

        ExecutionTracing.End(activity, result);
        lifecycle.Finish(execution, result, limit);
        if (result.Cut)
        {
            // After Finish, so the cut is recorded first: a handler that ignored the cut and still finished its work
            // before the process ended must not run again at the next start.
            var returned = handler.ContinueWith(
                h => lifecycle.ReturnedAfterCut(execution, h.Status == TaskStatus.RanToCompletion),
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            lock (_cutHandlers)
            {
                _cutHandlers.Add(returned);
            }
        }

        return result;
    }

    private void EndAfterAnswer(ExecutionLogCapture.HandlerRun logged, Task handler) =>
        Task.WhenAny(handler, Task.Delay(AnswerGrace, time)).ContinueWith(
            static (_, state) => ((ExecutionLogCapture.HandlerRun)state!).End(),
            logged,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

    // The end of the handler's request once it returned, as ASP.NET Core ends a request (review 39a F1): its response's
    // callbacks (OnStarting if nothing started it, then OnCompleted, RegisterForDispose's among them), then its scope.
    private async Task EndAsync(AsyncServiceScope scope, DetachedLifetime lifetime, TrackedExecution execution)
    {
        await lifetime.EndAsync();
        await DisposeScopeAsync(scope, execution);
    }

    // The end of a handler that returned first, still under way once its outcome is recorded: within what is left of the
    // attempt's time limit. Past it, its RequestAborted is cancelled, as a request's when its connection goes, it is
    // logged (2028), and the worker it holds counts as held by an abandoned handler (health: AbandonedSince); at the cut,
    // its RequestAborted is cancelled too.
    private async Task EndInTimeAsync(Task ending, DetachedLifetime lifetime, CancellationTokenSource aborted, TrackedExecution execution, ExecutionStatus status, TimeSpan limit, TimeSpan left)
    {
        using var timeout = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.FromTicks(1), time);
        try
        {
            using (timeout.Token.UnsafeRegister(_ => Overdue(lifetime, execution, status, limit), null))
            using (_cut.Token.UnsafeRegister(static state => ((DetachedLifetime)state!).Abort(), lifetime))
            {
                await ending;
            }
        }
        finally
        {
            execution.LateEndOver();
        }

        Close(lifetime, aborted);
    }

    private void Overdue(DetachedLifetime lifetime, TrackedExecution execution, ExecutionStatus status, TimeSpan limit)
    {
        execution.LateEndFrom(time.GetUtcNow());
        _logger.EndOverdue(execution.Id, execution.Record.Route, status.ToString().ToLowerInvariant(), limit);
        lifetime.Abort();
    }

    // Its token source, once the end is over: never cancelled when nothing came before the handler's end, nor did it abort
    // its request (review 39a N3) or was its end overdue, and now nothing will be.
    private static void Close(DetachedLifetime lifetime, CancellationTokenSource aborted)
    {
        if (lifetime.Close())
        {
            aborted.Dispose();
        }
    }

    // The handler's scope, disposed once it returned: a scoped service whose disposal throws (its bug) is logged and
    // changes nothing of the attempt's outcome, which was decided before.
    private async Task DisposeScopeAsync(AsyncServiceScope scope, TrackedExecution execution)
    {
        try
        {
            await scope.DisposeAsync();
        }
#pragma warning disable CA1031 // Whatever a scoped service's disposal throws, the outcome is recorded as it was decided.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _logger.ScopeDisposalFailed(execution.Id, execution.Record.Route, e);
        }
    }

    /// <summary>Completes when every handler that was still running at the cut has returned and been recorded.</summary>
    public Task CutHandlersReturned()
    {
        lock (_cutHandlers)
        {
            return Task.WhenAll(_cutHandlers);
        }
    }

    // Disposed, the runner cuts what it runs: nothing of it may go on once its container is gone. The cut's source is
    // never disposed (without a timer it holds nothing to release): the container may be disposed before the host stops
    // its services (WebApplicationFactory does), and the drain must still be able to cut then.
    public void Dispose() => CutAll();

    /// <summary>An error's text, cut at <paramref name="max"/> characters with the cut marked.</summary>
    public static string Bounded(string error, int max = MaxErrorCharacters)
    {
        if (error.Length <= max)
        {
            return error;
        }

        // Never between the two halves of a surrogate pair, which would leave half a character to store.
        var kept = char.IsHighSurrogate(error[max - 1]) ? max - 1 : max;
        return string.Concat(error.AsSpan(0, kept), $"… [cut: {error.Length - kept} more characters]");
    }

    // The handler's own result: a cancellation of its own (an HttpClient's time-out) keeps its message and stack, which
    // the awaiter rethrows (the task's Exception is null when it was cancelled).
    private static AttemptResult Completed(Task handler)
    {
        try
        {
            handler.GetAwaiter().GetResult();
            return AttemptResult.Succeeded;
        }
#pragma warning disable CA1031 // Whatever the handler threw is its attempt's failure.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return new AttemptResult(ExecutionStatus.Failed, e);
        }
    }
}

/// <summary>
/// How one attempt ended. <see cref="Cut"/>: stopped by shutdown, not by the handler. <see cref="Fenced"/>: stopped
/// because this replica could not renew its lease in time (<see cref="LeaseFence"/>). <see cref="HandlerReturned"/>
/// completes when the handler has really returned, which for an abandoned handler (timed out, ignoring its token) is
/// later than the attempt's end.
/// </summary>
internal sealed record AttemptResult(ExecutionStatus Status, Exception? Exception, bool Cut = false, bool Fenced = false)
{
    /// <summary>Not started: another replica holds the execution now, or shutdown cut it first.</summary>
    public static readonly AttemptResult NotStarted = new(ExecutionStatus.Queued, null);

    public static readonly AttemptResult Succeeded = new(ExecutionStatus.Succeeded, null);

    public Task HandlerReturned { get; init; } = Task.CompletedTask;
}
