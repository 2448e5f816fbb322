using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace ApiRoutes.Runtime.Tests.Handlers;

/// <summary>What ran at the end of a handler's request, in order (a singleton the test registers).</summary>
public sealed class EndRecord
{
    public ConcurrentQueue<string> Events { get; } = new();

    public void Add(string name) => Events.Enqueue(name);
}

/// <summary>A scoped service that records its disposal and signals "scope-disposed".</summary>
public sealed class DisposedWithScope(EndRecord record, Probe probe) : IDisposable
{
    public void Dispose()
    {
        record.Add("ScopeDisposed");
        probe.Signal("scope-disposed");
    }
}

/// <summary>Registers an OnStarting and an OnCompleted callback and two objects to dispose, writes nothing, and returns.</summary>
public sealed class RegistersForTheEnd(Probe probe, EndRecord record, DisposedWithScope scoped) : RecordingHandler(probe)
{
    protected override Task HandleCoreAsync(HttpContext context)
    {
        GC.KeepAlive(scoped);
        ResponseEnd.Register(context, record);
        record.Add("Returned");
        return Task.CompletedTask;
    }
}

/// <summary>Registers as <see cref="RegistersForTheEnd"/> does, then ignores its token until the gate "stuck" opens.</summary>
public sealed class RegistersThenIgnoresItsLimit(Probe probe, EndRecord record, DisposedWithScope scoped) : RecordingHandler(probe)
{
    protected override async Task HandleCoreAsync(HttpContext context)
    {
        GC.KeepAlive(scoped);
        ResponseEnd.Register(context, record);
        await Probe.Gate("stuck").WaitAsync(Probe.Patience, CancellationToken.None);
        record.Add("Returned");
    }
}

/// <summary>
/// Returns at once; its OnCompleted callback waits for the gate "done" and, unless the request's query says
/// <c>deaf</c>, ends early when its RequestAborted is cancelled (then records "OnCompleted aborted" and signals
/// "callback-aborted").
/// </summary>
public sealed class EndsSlowly(Probe probe, EndRecord record, DisposedWithScope scoped) : RecordingHandler(probe)
{
    protected override Task HandleCoreAsync(HttpContext context)
    {
        GC.KeepAlive(scoped);
        var aborted = context.Request.Query.ContainsKey("deaf") ? CancellationToken.None : context.RequestAborted;
        context.Response.OnCompleted(async () =>
        {
            record.Add("OnCompleted started");
            Probe.Signal("callback-started");
            try
            {
                await Probe.Gate("done").WaitAsync(Probe.Patience, aborted);
                record.Add("OnCompleted ended");
            }
            catch (OperationCanceledException)
            {
                record.Add("OnCompleted aborted");
                Probe.Signal("callback-aborted");
            }
        });
        record.Add("Returned");
        return Task.CompletedTask;
    }
}

/// <summary>
/// Attempt 1 registers an OnCompleted callback that waits for the gate "done" (ignoring its token) and throws; attempt 2
/// returns. Each records its attempt, the callback its end.
/// </summary>
public sealed class FailsThenEndsSlowly(Probe probe, EndRecord record) : RecordingHandler(probe)
{
    protected override Task HandleCoreAsync(HttpContext context)
    {
        var attempt = context.GetApiRoutesExecution()!.Attempt;
        record.Add($"attempt {attempt}");
        if (attempt > 1)
        {
            return Task.CompletedTask;
        }

        context.Response.OnCompleted(async () =>
        {
            await Probe.Gate("done").WaitAsync(Probe.Patience, CancellationToken.None);
            record.Add("OnCompleted ended");
        });
        throw new InvalidOperationException("attempt 1 fails");
    }
}

/// <summary>Registers an OnStarting callback, then writes: it records HasStarted before and after the write.</summary>
public sealed class WritesItsResponse(Probe probe, EndRecord record) : RecordingHandler(probe)
{
    protected override async Task HandleCoreAsync(HttpContext context)
    {
        context.Response.OnStarting(() =>
        {
            record.Add("OnStarting");
            return Task.CompletedTask;
        });
        record.Add($"HasStarted {context.Response.HasStarted}");
        await context.Response.WriteAsync("hello", context.RequestAborted);
        record.Add($"HasStarted {context.Response.HasStarted}");
    }
}

/// <summary>Its OnStarting and OnCompleted callbacks and an object it registers for disposal throw; one more callback records "ran".</summary>
public sealed class RegistersThrowingCallbacks(Probe probe, EndRecord record) : RecordingHandler(probe)
{
    protected override Task HandleCoreAsync(HttpContext context)
    {
        context.Response.OnCompleted(() =>
        {
            record.Add("ran");
            return Task.CompletedTask;
        });
        context.Response.OnStarting(() => throw new InvalidOperationException("an OnStarting callback's bug"));
        context.Response.OnCompleted(() => throw new InvalidOperationException("an OnCompleted callback's bug"));
        context.Response.RegisterForDispose(new ThrowsOnDispose());
        return Task.CompletedTask;
    }
}

/// <summary>Aborts its own request, as code moved from a standard route does, then waits on RequestAborted (signals "cancelled", rethrows).</summary>
public sealed class AbortsItsRequest(Probe probe) : RecordingHandler(probe)
{
    protected override async Task HandleCoreAsync(HttpContext context)
    {
        context.Abort();
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

internal static class ResponseEnd
{
    // In this order: the OnCompleted ones run in reverse (DisposeAsync, Dispose, OnCompleted), as on a request.
    public static void Register(HttpContext context, EndRecord record)
    {
        context.Response.OnCompleted(() =>
        {
            record.Add("OnCompleted");
            return Task.CompletedTask;
        });
        context.Response.RegisterForDispose(new Tracked(record));
        context.Response.RegisterForDisposeAsync(new TrackedAsync(record));
        context.Response.OnStarting(() =>
        {
            record.Add("OnStarting");
            return Task.CompletedTask;
        });
    }

    private sealed class Tracked(EndRecord record) : IDisposable
    {
        public void Dispose() => record.Add("Dispose");
    }

    private sealed class TrackedAsync(EndRecord record) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            record.Add("DisposeAsync");
            return ValueTask.CompletedTask;
        }
    }
}
