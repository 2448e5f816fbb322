using System.Diagnostics;
using ApiRoutes.Background;
using ApiRoutes.Execution;
using ApiRoutes.Hosting;
using ApiRoutes.Manifest;
using ApiRoutes.ManifestLoading;
using ApiRoutes.Scheduling;

namespace ApiRoutes.Testing;

/// <summary>
/// Moves the test clock the way time would pass, without sleeping: first the app comes to rest at the current instant
/// — every schedule waits for its next occurrence, every run has started and has finished, waits for a retry, or waits
/// on the clock — then the clock jumps to the next instant anything waits for. Resting is observed, not guessed: the
/// schedules say what they wait for (event 3006), the execution log says where each run stands, and the
/// <see cref="TestClock"/> knows which handler armed which timer. So the same test sees the same times, however loaded
/// the machine is.
/// </summary>
internal sealed class ClockDriver(
    TestClock clock,
    RuntimeEvents events,
    ExecutionLog log,
    RouteTable routes,
    ScheduledRuns runs,
    SchedulerSwitch scheduler,
    ApiRoutesMapping? mapping,
    RetryService retries,
    BackgroundQueue queue,
    CancellationToken stopping,
    int maxConcurrency,
    ApiRoutesTestOptions options)
{
    // Moves that leave the clock where it was: a timer re-armed at once from its callback without end. Counted apart
    // from moves on (review 36c R5: a day of a one-second ticker is 86,400 moves on, and two days were refused as one
    // re-arming without end); those are bounded by the drive's end, and by MaxSteps in all.
    private const int MaxStalls = 100_000;
    private const int MaxSteps = 10_000_000;

    /// <summary>
    /// Waits, in real time up to <see cref="ApiRoutesTestOptions.Patience"/>, until the app is at rest at the clock's
    /// instant; with <paramref name="runsFirst"/>, the runs only, while the runtime's callbacks are held at it (and then
    /// no longer than Patience: what a run may wait for is among them).
    /// </summary>
    public async Task SettleAsync(CancellationToken cancellationToken, bool runsFirst = false)
    {
        // Callbacks held at this instant while the runs settled: the runtime's turn. Also those of a drive cancelled
        // between its phases (helper 37d F1: the next drive waited Patience for a schedule or a time limit whose callback
        // nothing released).
        if (!runsFirst && clock.HoldsCallbacks)
        {
            await OnThePoolAsync(clock.ReleaseHeld, $"Running the app's timer callbacks held at {clock.GetUtcNow():O}", cancellationToken);
        }

        var started = Stopwatch.GetTimestamp();
        for (var poll = 0; ; poll++)
        {
            // Review 36b F6: an app stopped meanwhile (disposed by another thread) never comes to rest: its scheduler is
            // gone. Said at once, not as a handler that waits for something other than the clock after Patience.
            if (stopping.IsCancellationRequested)
            {
                throw new ApiRoutesTestException(
                    $"The app is stopping (its host was stopped or disposed) with the clock at {clock.GetUtcNow():O}: nothing more runs in it. "
                    + "Drive the clock to the end before the app is disposed.");
            }

            if (Busy(runsFirst) is not { } busy)
            {
                return;
            }

            if (Stopwatch.GetElapsedTime(started) > options.Patience)
            {
                // A run that waits for a held callback (its handler's wait and its time limit due together, and after the
                // wait it awaits its token): the runtime's callbacks run, and the settle after them says what is still busy.
                if (runsFirst)
                {
                    return;
                }

                throw new ApiRoutesTestException(
                    $"The app did not come to rest at {clock.GetUtcNow():O} (test clock) within {options.Patience}: {busy}. A handler run by "
                    + "ApiRoutes.Testing must finish, or wait on the app's TimeProvider (Task.Delay(delay, timeProvider, token)), which the test "
                    + "moves; raise ApiRoutesTestOptions.Patience if it only needs longer.");
            }

            await Task.Delay(poll < 200 ? 1 : 10, cancellationToken);
        }
    }

    /// <summary>
    /// Moves the clock from rest to rest, to each next instant something waits for, until <paramref name="done"/> holds
    /// or, with <paramref name="until"/>, until the clock reaches it.
    /// </summary>
    public async Task DriveAsync(Func<bool>? done, DateTimeOffset? until, string what, CancellationToken cancellationToken)
    {
        var from = clock.GetUtcNow();
        var stalls = 0;
        for (var step = 0; step < MaxSteps && stalls < MaxStalls; step++)
        {
            await SettleAsync(cancellationToken);
            var now = clock.GetUtcNow();
            if (done?.Invoke() == true || (until is { } end && now >= end))
            {
                return;
            }

            var next = clock.NextDue;
            DateTimeOffset target;
            if (until is { } stop)
            {
                target = next is { } due && due < stop ? due : stop;
            }
            else if (next is not { } due)
            {
                throw new ApiRoutesTestException($"{what} has not ended, and nothing waits on the app's clock that could end it (at {now:O}).");
            }
            else if (due - from > options.MaxClockAdvance)
            {
                throw new ApiRoutesTestException(
                    $"{what} has not ended within {options.MaxClockAdvance} of the app's clock (from {from:O}); the next thing waits for {due:O}. "
                    + "Raise ApiRoutesTestOptions.MaxClockAdvance if that is expected.");
            }
            else
            {
                target = due;
            }

            stalls = target > now ? 0 : stalls + 1;
            await MoveAsync(target > now ? target - now : TimeSpan.Zero, cancellationToken);

            // Note 36's leftover (review 36b F4): where runs' timers and the runtime's were due together, the runs' fired
            // alone; a run that ended there is recorded, and lets go of its schedule's slot and its worker, before the
            // runtime's fire (the schedule's next occurrence would otherwise be skipped as an overlap, or not, from one
            // run of the test to the next). The next settle runs the held callbacks first.
            if (clock.HoldsCallbacks)
            {
                await SettleAsync(cancellationToken, runsFirst: true);
            }
        }

        throw stalls >= MaxStalls
            ? new ApiRoutesTestException($"{what}: the clock was moved {MaxStalls} times at {clock.GetUtcNow():O} without going on; something re-arms a timer due at once without end.")
            : new ApiRoutesTestException($"{what}: the clock was moved {MaxSteps} times from {from:O} to {clock.GetUtcNow():O}; something re-arms a timer without end.");
    }

    // Review 36b F3: a timer's callback runs on the thread that moves the clock, and so does the code after a handler's
    // await of it, up to its next await; a handler that then blocks (Wait(), .Result, a lock) on something only a later
    // instant brings would block the move for ever, and the test would hang. The move runs on another thread, and one
    // that has not ended within Patience fails the test, naming whose code holds it.
    private Task MoveAsync(TimeSpan delta, CancellationToken cancellationToken) =>
        OnThePoolAsync(() => clock.AdvanceRunsFirst(delta), $"Moving the clock from {clock.GetUtcNow():O} by {delta}", cancellationToken);

    private async Task OnThePoolAsync(Action work, string doing, CancellationToken cancellationToken)
    {
        // On the pool, not a thread of its own each (review 36c R5: a day of a one-second ticker is 86,400 moves).
        var move = Task.Run(work, CancellationToken.None);
        try
        {
            await move.WaitAsync(options.Patience, cancellationToken);
        }
        catch (TimeoutException) when (!move.IsCompleted)   // review 36c R7: not a callback's own TimeoutException
        {
            var holder = clock.CallbackRunningFor is { } id
                ? $"the code of execution {id}{(log.Find(id) is { } record ? $" of {record.Route}" : "")} after its wait on the clock"
                : "a timer callback of the app";
            throw new ApiRoutesTestException(
                $"{doing} did not end within {options.Patience}: {holder} blocks it. A handler run by ApiRoutes.Testing "
                + "must not block its thread (Wait(), .Result, a lock held across an await) on something that needs the clock to move on; await it instead.");
        }
    }

    // What keeps the app busy at this instant, in words, or null when it is at rest. With runsFirst (the runtime's
    // callbacks held at this instant): what keeps the runs busy; a schedule or a retry due now waits for its held callback.
    private string? Busy(bool runsFirst = false)
    {
        var now = clock.GetUtcNow();
        // An app that maps none of its routes runs no schedule (review 46g F4): none will wait for an occurrence.
        if (scheduler.IsEnabled && mapping is not { Mapped: false })
        {
            foreach (var route in routes.OfKind(RouteKind.Scheduled))
            {
                if (!events.TryGetWaiting(route.Template, out var due))
                {
                    return $"the schedule of {route.Template} has not started waiting for its first occurrence";
                }

                if (due is { } occurrence && occurrence <= now && !runsFirst)
                {
                    return $"the schedule of {route.Template} is at work on its occurrence {occurrence:O}";
                }
            }
        }

        // A run's end is in the log a moment before its runner returns and frees the schedule's slot (an abandoned
        // handler's, only once the handler returns): moved on then, the clock would bring the next occurrence to a slot
        // still held, and it would be skipped for a run that has ended.
        // Review 36b F5: whether the handler is still at it is the runner's to say, not whether a timer of its flow is
        // armed: a handler that returned and left a timeout armed would otherwise pass for one abandoned and waiting.
        foreach (var id in runs.Holding())
        {
            if (log.Find(id) is { } ended && OutcomeReader.IsFinished(ended.Status)
                && !(log.Held(id) is { HandlerRunning: true } && clock.IsWaitedOnBy(id)))
            {
                // Review 44c: its handler returned, and the end of its request is what holds it (a callback waiting on the
                // app's clock was told as an abandoned handler, with the advice to wait on the clock).
                if (log.Held(id) is { HandlerRunning: false, End.IsCompleted: false })
                {
                    return $"execution {id} of {ended.Route} has ended ({ended.Status.ToString().ToLowerInvariant()}), and the end of its request "
                        + "(its response's OnCompleted callbacks, its scope's disposal) still runs and holds its schedule; the clock waits for it in real "
                        + "time, so it must not wait on the app's clock";
                }

                return $"execution {id} of {ended.Route} has ended ({ended.Status.ToString().ToLowerInvariant()}) but has not returned yet, "
                    + "and holds its schedule until it does (a handler abandoned at its time limit must still return)";
            }
        }

        // Review 36c R1: every worker taken by an execution still at it — one running, or abandoned at its limit with its
        // handler still running (recorded as ended, it keeps its worker until the handler returns). One whose handler has
        // returned is about to let its worker go to the next queued execution: not at rest; so is one whose outcome is
        // recorded (succeeded, or failed and waiting for its retry) while its response's callbacks end (review 40b A1).
        var working = queue.Working;
        var workersHeld = working.Count >= maxConcurrency
            && working.All(held => held.State == ExecutionState.Running || held.HandlerRunning);

        // Review 40c R1: a run whose outcome is recorded while its response's callbacks (or its scope's disposal) still run
        // is busy, queued work behind it or not: moved on, the clock would reach the end's own time limit and cancel them.
        foreach (var held in working)
        {
            if (held.State != ExecutionState.Running && !held.HandlerRunning && !held.End.IsCompleted)
            {
                return $"execution {held.Id} of {held.Record.Route} is {held.State.ToString().ToLowerInvariant()}, and its response's callbacks "
                    + "(or its scope's disposal) still run: the clock waits for them in real time (they must not wait on the app's clock)";
            }
        }
        foreach (var execution in log.HeldUnfinished())
        {
            // Review 36b F2: its time limit (or the cut, or the fence) came first; the attempt's end is on its way to the
            // record, and a handler still waiting on the clock must not pass it for at rest, or the clock would move to
            // that wait before the end is written, and the record would say it ended there.
            if (execution.State == ExecutionState.Running && execution.EndDecided)
            {
                return $"execution {execution.Id} of {execution.Record.Route} has reached its end (its time limit, the cut or the fence came first), "
                    + "which is being recorded";
            }

            switch (execution.State)
            {
                // Its timer fired, but the retry may still be on its way to the queue (a thread-pool hop): not at rest.
                case ExecutionState.RetryWaiting when retries.PendingDue(execution.Id) is { } due && (due > now || runsFirst):
                case ExecutionState.Running when execution.HandlerRunning && clock.IsWaitedOnBy(execution.Id):
                case ExecutionState.Queued when execution.Route?.Kind == RouteKind.Background && workersHeld:
                    continue;
                // CI on 46e290a: its handler has returned, leaving a timer armed, and the end of its request (its response's
                // callbacks, its scope's disposal) runs before its outcome is recorded: not a handler waiting on the clock
                // (as review 36b F5's, once recorded). Moved on then, the clock brought the next occurrence to a held slot.
                case ExecutionState.Running when !execution.HandlerRunning:
                    return $"execution {execution.Id} of {execution.Record.Route} runs with no handler at work: one is about to start, or its handler "
                        + "has returned and the end of its request (its response's callbacks, its scope's disposal) runs before its outcome is recorded, "
                        + "waiting for nothing on the app's clock";
                case ExecutionState.Running:
                    return $"execution {execution.Id} of {execution.Record.Route} runs and waits for nothing on the app's clock";
                case ExecutionState.RetryWaiting when !execution.End.IsCompleted:
                    return $"the retry of execution {execution.Id} of {execution.Record.Route} is due and waits for its attempt before to end "
                        + "(its response's callbacks, its scope's disposal), which waits for nothing on the app's clock";
                default:
                    return $"execution {execution.Id} of {execution.Record.Route} is {execution.State.ToString().ToLowerInvariant()}, about to start";
            }
        }

        return null;
    }
}
