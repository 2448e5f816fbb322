using System.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace ApiRoutes.Execution;

/// <summary>
/// The W3C trace context (<c>traceparent</c>, <c>tracestate</c>) an execution continues, kept with it in the store so
/// that an attempt after a restart or on another replica is still a child of the request that was accepted.
/// </summary>
internal readonly record struct TraceContext(string? Parent, string? State)
{
    public static readonly TraceContext None = default;

    // W3C: a tracestate of more than 512 characters may be dropped; a longer one is not kept.
    private const int MaxStateCharacters = 512;

    /// <summary>
    /// The request's: its activity when ASP.NET Core made one (it does whenever something listens or logs), else the
    /// <c>traceparent</c> it came with; none when neither is a valid W3C context.
    /// </summary>
    public static TraceContext Of(HttpContext context)
    {
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } current)
        {
            return Valid(current.Id, current.TraceStateString);
        }

        var headers = context.Request.Headers;
        return Valid(headers["traceparent"].ToString(), headers["tracestate"].ToString());
    }

    /// <summary>The trace id of a <c>traceparent</c> (32 hex digits), to look the trace up; null when there is none.</summary>
    public static string? TraceIdOf(string? parent) =>
        ActivityContext.TryParse(parent, null, isRemote: true, out var context) ? context.TraceId.ToHexString() : null;

    /// <summary>The context, when <paramref name="parent"/> is a valid <c>traceparent</c>; else none.</summary>
    public static TraceContext Valid(string? parent, string? state)
    {
        state = string.IsNullOrEmpty(state) || state.Length > MaxStateCharacters ? null : state;
        return ActivityContext.TryParse(parent, state, isRemote: true, out _) ? new TraceContext(parent, state) : None;
    }
}
