using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Runtime.Tests.Handlers;

/// <summary>Records what it saw, then writes "Name:route-values".</summary>
public abstract class RecordingHandler(Probe probe) : IApiHandler
{
    protected Probe Probe { get; } = probe;

    public virtual async Task HandleAsync(HttpContext context)
    {
        await RecordAsync(context);
        await HandleCoreAsync(context);
    }

    protected virtual Task HandleCoreAsync(HttpContext context) => Task.CompletedTask;

    protected async Task RecordAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        Probe.Record(new Invocation(
            GetType().Name,
            context.Request.Method,
            context.Request.Path.Value ?? "",
            context.Request.QueryString.Value ?? "",
            body,
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            context.Request.RouteValues.ToDictionary(v => v.Key, v => v.Value?.ToString()))
        {
            Execution = context.GetApiRoutesExecution(),
        });
    }
}

public sealed class Hello(Probe probe, ScopedCounter counter) : RecordingHandler(probe)
{
    protected override Task HandleCoreAsync(HttpContext context) =>
        context.Response.WriteAsync($"hello {context.Request.RouteValues["name"]} #{counter.Id}");
}

public sealed class Throws(Probe probe) : RecordingHandler(probe)
{
    protected override Task HandleCoreAsync(HttpContext context) => throw new InvalidOperationException("handler exploded");
}

/// <summary>Parses its query's n, as many handlers parse their input: int.Parse's message quotes what it was given.</summary>
public sealed class ParsesQuery(Probe probe) : RecordingHandler(probe)
{
    protected override Task HandleCoreAsync(HttpContext context)
    {
        _ = int.Parse(context.Request.Query["n"].ToString(), System.Globalization.CultureInfo.InvariantCulture);
        return Task.CompletedTask;
    }
}

/// <summary>Waits for the gate "slow" (so a test sees the 202 first), then finishes.</summary>
public sealed class Slow(Probe probe) : RecordingHandler(probe)
{
    protected override async Task HandleCoreAsync(HttpContext context) => await Probe.Gate("slow").WaitAsync(Probe.Patience);
}

/// <summary>Waits on its RequestAborted token and says when it fires.</summary>
public sealed class HonorsCancellation(Probe probe) : RecordingHandler(probe)
{
    protected override async Task HandleCoreAsync(HttpContext context)
    {
        try
        {
            await Task.Delay(Probe.Patience, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            Probe.Signal("cancelled");
            throw;
        }
    }
}

/// <summary>
/// Answers its time limit as handlers do: on its token's cancellation it logs where it stopped (once the gate "answer"
/// opens) and returns.
/// </summary>
public sealed class LogsWhereItStopped(Probe probe, ILogger<LogsWhereItStopped> logger) : RecordingHandler(probe)
{
    protected override async Task HandleCoreAsync(HttpContext context)
    {
        logger.LogInformation("At step 3 of 5");
        try
        {
            await Task.Delay(Probe.Patience, context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            await Probe.Gate("answer").WaitAsync(Probe.Patience);
            logger.LogWarning("Stopped at step 3 of 5");
            Probe.Signal("answered");
        }
    }
}

/// <summary>
/// Honours its token the BackgroundService way: on its cancellation it cleans up (until the gate "cleanup" opens) and
/// returns normally, its work not done.
/// </summary>
public sealed class StopsEarlyOnCancellation(Probe probe) : RecordingHandler(probe)
{
    protected override async Task HandleCoreAsync(HttpContext context)
    {
        try
        {
            await Task.Delay(Probe.Patience, context.RequestAborted);
            Probe.Signal("work-done");
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            Probe.Gate("cleanup").Wait(Probe.Patience);
            Probe.Signal("stopped-early");
        }
    }
}

/// <summary>Registers a callback on RequestAborted that throws (a handler's bug), then waits for the token.</summary>
/// <summary>Catches the cancellation of its token and returns normally, at once or after a turn of the thread pool.</summary>
public sealed class ReturnsWhenAborted(Probe probe) : RecordingHandler(probe)
{
    protected override async Task HandleCoreAsync(HttpContext context)
    {
        try
        {
            await Task.Delay(Probe.Patience, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            if (context.Request.Query.ContainsKey("yield"))
            {
                await Task.Yield();
            }

            Probe.Signal("cancelled");
        }
    }
}

/// <summary>Wraps the cancellation of its token in an exception of its own.</summary>
public sealed class WrapsCancellation(Probe probe) : RecordingHandler(probe)
{
    protected override async Task HandleCoreAsync(HttpContext context)
    {
        try
        {
            await Task.Delay(Probe.Patience, context.RequestAborted);
        }
        catch (OperationCanceledException e)
        {
            Probe.Signal("cancelled");
            throw new InvalidOperationException("the report could not be finished", e);
        }
    }
}

public sealed class ThrowsWhenAborted(Probe probe) : RecordingHandler(probe)
{
    protected override async Task HandleCoreAsync(HttpContext context)
    {
        context.RequestAborted.Register(() => throw new InvalidOperationException("a handler's callback"));
        Probe.Signal("registered");
        try
        {
            await Task.Delay(Probe.Patience, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            Probe.Signal("cancelled");
        }
    }
}

/// <summary>Ignores its token and blocks its thread until the gate "stuck" opens.</summary>
public sealed class IgnoresCancellation(Probe probe) : RecordingHandler(probe)
{
    protected override Task HandleCoreAsync(HttpContext context)
    {
        Probe.Gate("stuck").Wait(Probe.Patience);
        Probe.Signal("stuck-returned");
        return Task.CompletedTask;
    }
}

/// <summary>Ignores its token and blocks its thread until the gate "stuck" opens; then its first call throws (it gave up).</summary>
public sealed class IgnoresCancellationThenThrows(Probe probe) : RecordingHandler(probe)
{
    protected override Task HandleCoreAsync(HttpContext context)
    {
        Probe.Gate("stuck").Wait(Probe.Patience);
        return Probe.Count(nameof(IgnoresCancellationThenThrows)) <= 1
            ? throw new InvalidOperationException("gave up after the gate")
            : Task.CompletedTask;
    }
}

/// <summary>Fails the first <c>failures</c> attempts (the "fail" query value, default always).</summary>
public sealed class Flaky(Probe probe) : RecordingHandler(probe)
{
    protected override Task HandleCoreAsync(HttpContext context)
    {
        var failures = int.TryParse(context.Request.Query["fail"], out var n) ? n : int.MaxValue;
        return Probe.Count(nameof(Flaky)) <= failures
            ? throw new InvalidOperationException($"attempt {Probe.Count(nameof(Flaky))} failed")
            : Task.CompletedTask;
    }
}

/// <summary>A scheduled handler; with the gate "tick" closed it blocks, to test overlap.</summary>
public sealed class Tick(Probe probe, TickOptions options) : RecordingHandler(probe)
{
    protected override async Task HandleCoreAsync(HttpContext context)
    {
        if (options.Block)
        {
            await Probe.Gate("tick").WaitAsync(Probe.Patience);
        }

        await context.Response.WriteAsync("ticked");
    }
}

/// <summary>Logs through its own logger, then finishes.</summary>
public sealed class Chatty(Probe probe, ILogger<Chatty> logger) : RecordingHandler(probe)
{
    protected override async Task HandleCoreAsync(HttpContext context)
    {
        logger.LogInformation("Working on {Report}", context.Request.Query["report"].ToString());
        await Task.Yield();
        logger.LogWarning("Half way");
    }
}

/// <summary>Logs "lines" lines of "size" characters each, then throws with a message of "size" characters.</summary>
public sealed class Flood(Probe probe, ILogger<Flood> logger) : RecordingHandler(probe)
{
    protected override Task HandleCoreAsync(HttpContext context)
    {
        var size = int.Parse(context.Request.Query["size"].ToString(), System.Globalization.CultureInfo.InvariantCulture);
        var text = new string('x', size);
        for (var i = 0; i < int.Parse(context.Request.Query["lines"].ToString(), System.Globalization.CultureInfo.InvariantCulture); i++)
        {
            logger.LogInformation("{Text}", text);
        }

        throw new InvalidOperationException(text);
    }
}

public sealed class TickOptions
{
    public bool Block { get; set; }
}

/// <summary>A scoped service: a new id per request or execution scope.</summary>
public sealed class ScopedCounter
{
    private static int _next;

    public int Id { get; } = Interlocked.Increment(ref _next);
}

/// <summary>
/// Logs a line of its attempt. Attempt 1 leaves work running that logs "late" once the gate "late" opens (then signals
/// "late-written"), and returns (throws with "fail" in its query); a later attempt waits for the gate "second", logs
/// again and returns.
/// </summary>
public sealed class LeavesWorkBehind(Probe probe, ILogger<LeavesWorkBehind> logger) : RecordingHandler(probe)
{
    protected override async Task HandleCoreAsync(HttpContext context)
    {
        var attempt = context.GetApiRoutesExecution()!.Attempt;
        logger.LogInformation("Own line of attempt {Attempt}", attempt);
        if (attempt == 1)
        {
            _ = Task.Run(async () =>
            {
                await Probe.Gate("late").WaitAsync(Probe.Patience);
                logger.LogInformation("late");
                Probe.Signal("late-written");
            });
            if (context.Request.Query.ContainsKey("fail"))
            {
                throw new InvalidOperationException("attempt 1 fails");
            }

            return;
        }

        await Probe.Gate("second").WaitAsync(Probe.Patience);
        logger.LogInformation("Attempt {Attempt} goes on", attempt);
    }
}
