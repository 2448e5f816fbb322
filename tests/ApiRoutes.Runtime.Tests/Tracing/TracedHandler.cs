using System.Collections.Concurrent;
using System.Diagnostics;
using ApiRoutes.Runtime.Tests.Handlers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Runtime.Tests.Tracing;

/// <summary>What a handler saw of the current activity: its trace, its span and its parent span.</summary>
public sealed record SeenActivity(string? TraceId, string? SpanId, string? ParentSpanId, string? Body);

/// <summary>Collects what <see cref="Traced"/> saw, one entry per attempt.</summary>
public sealed class ActivityProbe
{
    public ConcurrentQueue<SeenActivity> Seen { get; } = new();
}

/// <summary>
/// Records <see cref="Activity.Current"/>, logs one line, waits for the gate "slow" when the query asks
/// (<c>?block=1</c>), and fails when it asks (<c>?fail=1</c>).
/// </summary>
public sealed class Traced(ActivityProbe probe, Probe gates, ILogger<Traced> logger) : IApiHandler
{
    public async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var current = Activity.Current;
        probe.Seen.Enqueue(new SeenActivity(current?.TraceId.ToString(), current?.SpanId.ToString(), current?.ParentSpanId.ToString(), body));
        logger.LogInformation("Traced handler ran");
        if (context.Request.Query["block"] == "1")
        {
            await gates.Gate("slow").WaitAsync(Probe.Patience, context.RequestAborted);
        }

        if (context.Request.Query["fail"] == "1")
        {
            throw new InvalidOperationException("traced handler failed");
        }
    }
}
