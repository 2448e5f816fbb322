using Microsoft.AspNetCore.Http;

namespace ApiRoutes.Runtime.Tests.Handlers;

/// <summary>A scoped service whose Dispose throws (a handler's dependency's bug).</summary>
public sealed class ThrowsOnDispose : IDisposable
{
    public void Dispose() => throw new InvalidOperationException("a scoped service's Dispose threw");
}

/// <summary>Takes the throwing scoped service, and succeeds.</summary>
public sealed class UsesThrowingScoped(Probe probe, ThrowsOnDispose service) : RecordingHandler(probe)
{
    protected override Task HandleCoreAsync(HttpContext context)
    {
        GC.KeepAlive(service);
        return Task.CompletedTask;
    }
}

/// <summary>Its own call gives up with a cancellation of its own (as HttpClient's time-out does), nothing to do with RequestAborted.</summary>
public sealed class OwnCancellation(Probe probe) : RecordingHandler(probe)
{
    protected override Task HandleCoreAsync(HttpContext context) =>
        throw new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.", new TimeoutException("upstream /reports/42"));
}

/// <summary>Waits on RequestAborted; on its cancellation waits for the gate "rethrow", then throws an exception of its own wrapping it.</summary>
public sealed class WrapsCancellationLater(Probe probe) : RecordingHandler(probe)
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
            await Probe.Gate("rethrow").WaitAsync(Probe.Patience);
            throw new InvalidOperationException("the report could not be finished", e);
        }
    }
}

/// <summary>Waits on RequestAborted through a callback of its own (its wait completes inline, as many libraries' do), then wraps the cancellation.</summary>
public sealed class WrapsCancellationInline(Probe probe) : RecordingHandler(probe)
{
    protected override async Task HandleCoreAsync(HttpContext context)
    {
        var aborted = new TaskCompletionSource();
        using var registration = context.RequestAborted.Register(() => aborted.TrySetCanceled(context.RequestAborted));
        try
        {
            await aborted.Task;
        }
        catch (OperationCanceledException e)
        {
            Probe.Signal("cancelled");
            throw new InvalidOperationException("the report could not be finished", e);
        }
    }
}

/// <summary>Returns a null task (a handler's bug).</summary>
public sealed class ReturnsNullTask(Probe probe) : IApiHandler
{
    public Task HandleAsync(HttpContext context)
    {
        probe.Signal("null-returned");
        return null!;
    }
}

/// <summary>
/// Registers a callback on RequestAborted that blocks until the gate "callback" opens (at most the probe's patience; then
/// it signals "callback-returned"): a handler's bug. Waits for nothing but its token.
/// </summary>
public sealed class BlocksInAbortCallback(Probe probe) : RecordingHandler(probe)
{
    protected override async Task HandleCoreAsync(HttpContext context)
    {
        context.RequestAborted.Register(() =>
        {
            Probe.Signal("callback-blocks");
            Probe.Gate("callback").Wait(Probe.Patience);
            Probe.Signal("callback-returned");
        });
        await Task.Delay(Timeout.InfiniteTimeSpan, context.RequestAborted);
    }
}
