using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace ApiRoutes.Runtime.Tests.Handlers;

/// <summary>
/// Handlers whose constructors take no services (as most do): what they saw goes to <see cref="Seen"/>, under the
/// request's "id" query value, so that tests running at the same time never read each other's.
/// </summary>
public static class RequestPath
{
    public static ConcurrentDictionary<string, ConcurrentQueue<string>> Seen { get; } = new(StringComparer.Ordinal);

    public static void Record(HttpContext context, string what) =>
        Seen.GetOrAdd(context.Request.Query["id"].ToString(), _ => new ConcurrentQueue<string>()).Enqueue(what);

    public static IReadOnlyList<string> Of(string id) => Seen.TryGetValue(id, out var seen) ? [.. seen] : [];
}

/// <summary>Answers "plain" at once.</summary>
public sealed class Plain : IApiHandler
{
    public Task HandleAsync(HttpContext context) => context.Response.WriteAsync("plain");
}

/// <summary>Answers "later" after giving up its thread, so the endpoint waits for it.</summary>
public sealed class Later : IApiHandler
{
    public async Task HandleAsync(HttpContext context)
    {
        await Task.Yield();
        await context.Response.WriteAsync("later");
    }
}

/// <summary>Throws from HandleAsync itself, before any task exists.</summary>
public sealed class ThrowsAtOnce : IApiHandler
{
    public Task HandleAsync(HttpContext context) => throw new InvalidOperationException("thrown at once");
}

/// <summary>Answers, then records its disposal.</summary>
public sealed class DisposedAfter : IApiHandler, IDisposable
{
    private HttpContext? _context;

    public Task HandleAsync(HttpContext context)
    {
        _context = context;
        RequestPath.Record(context, "handled");
        return context.Response.WriteAsync("disposable");
    }

    public void Dispose() => RequestPath.Record(_context!, "disposed");
}

/// <summary>Answers after a yield, then records its asynchronous disposal.</summary>
public sealed class DisposedAsyncAfter : IApiHandler, IAsyncDisposable
{
    private HttpContext? _context;

    public async Task HandleAsync(HttpContext context)
    {
        _context = context;
        await Task.Yield();
        RequestPath.Record(context, "handled");
    }

    public async ValueTask DisposeAsync()
    {
        await Task.Yield();
        RequestPath.Record(_context!, "disposed async");
    }
}
