using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Testing.Tests.Handlers;

/// <summary>A background route that works three seconds of the app's clock, logging each.</summary>
public sealed class Steps(ILogger<Steps> logger, TimeProvider time) : IApiHandler
{
    public async Task HandleAsync(HttpContext context)
    {
        var name = context.Request.Query["name"].FirstOrDefault() ?? "daily";
        for (var step = 1; step <= 3; step++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), time, context.RequestAborted);
            logger.LogInformation("Report {Name}: step {Step} of 3 done", name, step);
        }
    }
}

/// <summary>A background route whose first <see cref="Failures.Remaining"/> attempts throw.</summary>
public sealed class Flaky(Failures failures) : IApiHandler
{
    public Task HandleAsync(HttpContext context) => Interlocked.Decrement(ref failures.Remaining) >= 0
        ? throw new InvalidOperationException("The report store is away")
        : Task.CompletedTask;
}

/// <summary>How many attempts of <see cref="Flaky"/> still fail.</summary>
public sealed class Failures
{
    public int Remaining = int.MaxValue;
}

/// <summary>A scheduled route that logs the next_run it was given.</summary>
public sealed class Tick(ILogger<Tick> logger) : IApiHandler
{
    public async Task HandleAsync(HttpContext context)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        logger.LogInformation("Next run {NextRun}", body.RootElement.GetProperty("next_run").GetString());
    }
}

/// <summary>A background route that waits a minute of the app's clock, then for its token (cancelled at its time limit).</summary>
public sealed class WaitsAMinuteThenForItsToken(TimeProvider time) : IApiHandler
{
    public async Task HandleAsync(HttpContext context)
    {
        await Task.Delay(TimeSpan.FromMinutes(1), time);
        await Task.Delay(Timeout.Infinite, context.RequestAborted);
    }
}

/// <summary>A scheduled route that takes exactly a minute of the app's clock: an every-minute schedule's run ends as the next begins.</summary>
public sealed class TakesItsMinute(TimeProvider time) : IApiHandler
{
    public Task HandleAsync(HttpContext context) => Task.Delay(TimeSpan.FromMinutes(1), time, context.RequestAborted);
}

/// <summary>A scheduled route that takes 90 seconds of the app's clock: an every-minute schedule overlaps itself.</summary>
public sealed class Slow(TimeProvider time) : IApiHandler
{
    public Task HandleAsync(HttpContext context) => Task.Delay(TimeSpan.FromSeconds(90), time, context.RequestAborted);
}

/// <summary>A background route that waits for something other than the clock: the app never comes to rest.</summary>
public sealed class WaitsForever : IApiHandler
{
    public Task HandleAsync(HttpContext context) => Task.Delay(Timeout.Infinite, context.RequestAborted);
}

/// <summary>A background route that ignores its token and waits five minutes of the app's clock.</summary>
public sealed class IgnoresItsToken(TimeProvider time) : IApiHandler
{
    public Task HandleAsync(HttpContext context) => Task.Delay(TimeSpan.FromMinutes(5), time);
}

/// <summary>A background route that waits an hour of the app's clock on its token (its time limit is shorter).</summary>
public sealed class WaitsAnHour(TimeProvider time) : IApiHandler
{
    public Task HandleAsync(HttpContext context) => Task.Delay(TimeSpan.FromHours(1), time, context.RequestAborted);
}

/// <summary>Shared by <see cref="HoldsTheGate"/> and <see cref="WaitsAtTheGate"/>.</summary>
public sealed class Gate
{
    public SemaphoreSlim Semaphore { get; } = new(1, 1);
}

/// <summary>A background route that takes the gate, works two seconds of the app's clock, and lets it go.</summary>
public sealed class HoldsTheGate(Gate gate, TimeProvider time) : IApiHandler
{
    public async Task HandleAsync(HttpContext context)
    {
        await gate.Semaphore.WaitAsync(context.RequestAborted);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(2), time, context.RequestAborted);
        }
        finally
        {
            gate.Semaphore.Release();
        }
    }
}

/// <summary>A background route that waits a second of the app's clock, then takes the gate blocking its thread.</summary>
public sealed class WaitsAtTheGate(Gate gate, TimeProvider time) : IApiHandler
{
    public async Task HandleAsync(HttpContext context)
    {
        // The code after the wait is hooked to it before its timer is armed, so that it runs on the thread that moves the
        // clock every time. Task.Delay arms its timer a moment before the await hooks what follows; the test, which sees
        // the run wait on the clock once the timer is armed, could move the clock in between (cold, 3 runs in 20): the
        // delay ended with nothing hooked, the code after it blocked the handler's own thread, not the move, and the
        // settle after the move failed instead ("execution … runs and waits for nothing on the app's clock").
        var waited = new TaskCompletionSource();   // continuations run where it is completed: in the timer's callback
        var taken = TakeTheGateAsync(waited.Task);
        using var cancel = context.RequestAborted.Register(() => waited.TrySetCanceled(context.RequestAborted));
        using var timer = time.CreateTimer(_ => waited.TrySetResult(), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        await taken;

        async Task TakeTheGateAsync(Task wait)
        {
            await wait;
            gate.Semaphore.Wait(context.RequestAborted);
            gate.Semaphore.Release();
        }
    }
}

/// <summary>A scheduled route that returns at once and leaves a timeout of ten hours armed on the clock (a CTS it does not dispose).</summary>
public sealed class LeavesATimeout(TimeProvider time) : IApiHandler
{
    public Task HandleAsync(HttpContext context)
    {
#pragma warning disable CA2000 // Left undisposed on purpose: what a careless handler leaves behind.
        _ = new CancellationTokenSource(TimeSpan.FromHours(10), time);
#pragma warning restore CA2000
        return Task.CompletedTask;
    }
}

/// <summary>
/// A scheduled route that leaves a timeout of ten hours armed on the clock, as <see cref="LeavesATimeout"/>, and whose
/// request ends slowly: a response callback that takes 300 ms of real time, between its handler's return and its
/// outcome's record (what a busy machine does when it preempts the runner there).
/// </summary>
public sealed class LeavesATimeoutAndEndsSlowly(TimeProvider time) : IApiHandler
{
    public Task HandleAsync(HttpContext context)
    {
        context.Response.OnCompleted(() =>
        {
            Thread.Sleep(300);
            return Task.CompletedTask;
        });
#pragma warning disable CA2000 // Left undisposed on purpose: what a careless handler leaves behind.
        _ = new CancellationTokenSource(TimeSpan.FromHours(10), time);
#pragma warning restore CA2000
        return Task.CompletedTask;
    }
}

/// <summary>
/// A background route that waits three seconds of the app's clock through a chain of timers, each armed by the one
/// before's callback (a callback-style scheduler, a debounce), logging each tick.
/// </summary>
public sealed class TimerChain(TimeProvider time, ILogger<TimerChain> logger) : IApiHandler
{
    public Task HandleAsync(HttpContext context)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tick = 0;
        void Tick(object? state)
        {
            logger.LogInformation("Tick {Tick}", ++tick);
            if (tick == 3)
            {
                done.TrySetResult();
            }
            else
            {
                time.CreateTimer(Tick, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
            }
        }

        time.CreateTimer(Tick, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        return done.Task;
    }
}

/// <summary>Returns at once; its response's OnCompleted callback takes 200 ms of real time (a flush over a network).</summary>
public sealed class EndsOverANetwork : IApiHandler
{
    public Task HandleAsync(HttpContext context)
    {
        context.Response.OnCompleted(() => Task.Delay(200));
        return Task.CompletedTask;
    }
}

/// <summary>Attempt 1 registers an OnCompleted callback that takes 200 ms of real time, and throws; attempt 2 returns.</summary>
public sealed class FailsThenEndsOverANetwork : IApiHandler
{
    public Task HandleAsync(HttpContext context)
    {
        if (context.GetApiRoutesExecution()!.Attempt > 1)
        {
            return Task.CompletedTask;
        }

        context.Response.OnCompleted(() => Task.Delay(200));
        throw new InvalidOperationException("attempt 1 fails");
    }
}

/// <summary>What the response callbacks of <see cref="EndsOverANetworkOnItsToken"/> came to.</summary>
public sealed class CallbackEnds
{
    public System.Collections.Concurrent.ConcurrentQueue<string> Ends { get; } = new();
}

/// <summary>Returns at once; its OnCompleted callback takes 200 ms of real time on its RequestAborted, and records how it ended.</summary>
public sealed class EndsOverANetworkOnItsToken(CallbackEnds ends) : IApiHandler
{
    public Task HandleAsync(HttpContext context)
    {
        context.Response.OnCompleted(async () =>
        {
            try
            {
                await Task.Delay(200, context.RequestAborted);
                ends.Ends.Enqueue("ended");
            }
            catch (OperationCanceledException)
            {
                ends.Ends.Enqueue("aborted");
            }
        });
        return Task.CompletedTask;
    }
}

/// <summary>A scheduled route whose response callback waits a second of the app's clock (a debounced flush on it).</summary>
public sealed class EndsWaitingOnTheClock(TimeProvider time) : IApiHandler
{
    public Task HandleAsync(HttpContext context)
    {
        context.Response.OnCompleted(() => Task.Delay(TimeSpan.FromSeconds(1), time));
        return Task.CompletedTask;
    }
}
