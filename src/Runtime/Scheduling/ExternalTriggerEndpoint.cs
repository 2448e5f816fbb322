using System.Globalization;
using ApiRoutes.Diagnostics;
using ApiRoutes.Manifest;
using ApiRoutes.ManifestLoading;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Scheduling;

/// <summary>
/// <c>POST /_apiroutes/scheduled-runs</c>: a hosting platform's scheduler runs one occurrence of a scheduled route.
/// The request is signed with the shared secret over the route, the occurrence and a timestamp; a missing or wrong
/// signature or a stale timestamp is 401, an occurrence already run is 409 (replay), and an accepted run is 202 with
/// its execution id, started exactly as the in-process scheduler would.
/// </summary>
/// <remarks>
/// Replays are refused by the store's claim of the occurrence, which a durable store keeps across restarts (for the
/// retention period). A store that keeps nothing across restarts cannot tell a replay of a request signed before
/// this process started, so such requests are refused: the platform re-signs and sends again.
/// </remarks>
internal sealed class ExternalTriggerEndpoint(
    RouteTable routes,
    ScheduledRuns runs,
    TimeProvider time,
    bool durableStore,
    string secret,
    TimeSpan tolerance,
    ILogger logger)
{
    private readonly long _startedAt = time.GetUtcNow().ToUnixTimeSeconds();

    public async Task InvokeAsync(HttpContext context)
    {
        var headers = context.Request.Headers;
        string route = headers[TriggerSignature.RouteHeader].ToString();
        string occurrenceText = headers[TriggerSignature.OccurrenceHeader].ToString();
        string timestampText = headers[TriggerSignature.TimestampHeader].ToString();
        string signature = headers[TriggerSignature.SignatureHeader].ToString();

        if (route.Length == 0 || occurrenceText.Length == 0 || timestampText.Length == 0 || signature.Length == 0)
        {
            await RefuseAsync(context, StatusCodes.Status401Unauthorized, $"The {TriggerSignature.RouteHeader}, {TriggerSignature.OccurrenceHeader}, {TriggerSignature.TimestampHeader} and {TriggerSignature.SignatureHeader} headers are required.");
            return;
        }

        if (!TriggerSignature.IsValid(secret, route, occurrenceText, timestampText, signature))
        {
            await RefuseAsync(context, StatusCodes.Status401Unauthorized, "The signature does not match.");
            return;
        }

        var now = time.GetUtcNow();
        if (!long.TryParse(timestampText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds()
            || (now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > tolerance)
        {
            await RefuseAsync(context, StatusCodes.Status401Unauthorized, $"The timestamp is not within {tolerance} of the server's clock.");
            return;
        }

        if (!durableStore && seconds < _startedAt)
        {
            await RefuseAsync(context, StatusCodes.Status401Unauthorized, "The request was signed before this process started, and the InMemory store keeps no record of the triggers run before it; sign it again.");
            return;
        }

        var target = routes.OfKind(RouteKind.Scheduled).FirstOrDefault(r => string.Equals(r.Template, route, StringComparison.Ordinal));
        if (target is null)
        {
            await RefuseAsync(context, StatusCodes.Status404NotFound, $"'{route}' is not a scheduled route of this app.");
            return;
        }

        if (!DateTimeOffset.TryParse(occurrenceText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var occurrence)
            || occurrence == DateTimeOffset.MinValue
            || target.NextOccurrence(occurrence.AddTicks(-1)) != occurrence)
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, $"'{occurrenceText}' is not an occurrence of {route}'s schedule ({target.Entry.Schedule!.Expression}, {target.Schedule!.ZoneName}; occurrences are sent in UTC).");
            return;
        }

        var (id, refusal) = await runs.TryStartAsync(target, occurrence);
        if (id is null)
        {
            await RefuseAsync(context, StatusCodes.Status409Conflict, refusal!);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status202Accepted;
        context.Response.Headers["X-ApiRoutes-Execution-Id"] = id;
    }

    private Task RefuseAsync(HttpContext context, int statusCode, string reason)
    {
        logger.ExternalTriggerRefused(statusCode, reason);
        context.Response.StatusCode = statusCode;
        return context.Response.WriteAsync(reason);
    }
}
