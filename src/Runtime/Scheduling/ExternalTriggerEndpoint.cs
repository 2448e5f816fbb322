using System.Globalization;
using ApiRoutes.Dashboard;
using ApiRoutes.Diagnostics;
using ApiRoutes.Execution;
using ApiRoutes.Manifest;
using ApiRoutes.ManifestLoading;
using ApiRoutes.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Scheduling;

/// <summary>
/// <c>POST /_apiroutes/scheduled-runs</c>: a hosting platform's scheduler runs one occurrence of a scheduled route.
/// The request is signed with the shared secret over the route, the occurrence and a timestamp; a missing or wrong
/// signature or a stale timestamp is 401, an occurrence already run is 409 (replay), one more than the tolerance ahead of
/// the clock or older than the record of runs is 400, and an accepted run is 202 with
/// its execution id, started exactly as the in-process scheduler would.
/// </summary>
/// <remarks>
/// A signed request that is refused is recorded as a refused occurrence (<see cref="OccurrenceLog"/>) when it names a
/// scheduled route and one of its occurrences that has come and is within the record of runs; at most once per occurrence, so replaying a captured request grows nothing.
/// Replays are refused by the store's claim of the occurrence, written before the run (no claim, no run: 503), which a
/// durable store keeps across restarts for the retention period; occurrences older than that less the tolerance are
/// refused. A store that keeps nothing across restarts cannot tell a replay of a request its previous process
/// accepted, so there a timestamp may be at most <see cref="FutureSkew"/> ahead, and requests signed before this
/// process started (plus that skew) are refused: the platform re-signs and sends again.
/// </remarks>
internal sealed class ExternalTriggerEndpoint(
    RouteTable routes,
    ScheduledRuns runs,
    SchedulePauses pauses,
    OccurrenceLog occurrences,
    TimeProvider time,
    bool durableStore,
    ApiRoutesOptions options,
    ILogger logger)
{
    /// <summary>With a store that forgets at restart: how far a timestamp may be ahead of this server's clock.</summary>
    public static readonly TimeSpan FutureSkew = TimeSpan.FromSeconds(30);

    private readonly long _startedAt = time.GetUtcNow().ToUnixTimeSeconds();
    private readonly LogSampler _refusals = new(time, TimeSpan.FromSeconds(1));
    private readonly string _secret = options.Scheduling.ExternalTriggerSecret!;
    private readonly TimeSpan _tolerance = options.Scheduling.ExternalTriggerTolerance;

    // How far back an occurrence may be run: no further than the store keeps its record of what ran (claims are pruned
    // by when they were claimed, after the retention period, which validation keeps at least twice the tolerance).
    private readonly TimeSpan _oldestOccurrence = options.Store.Retention - options.Scheduling.ExternalTriggerTolerance;

    public async Task InvokeAsync(HttpContext context)
    {
        // As every answer under /_apiroutes (review 46b F3: the trigger's had neither, nor a content type).
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.XContentTypeOptions = "nosniff";

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

        if (!TriggerSignature.IsValid(_secret, route, occurrenceText, timestampText, signature))
        {
            await RefuseAsync(context, StatusCodes.Status401Unauthorized, "The signature does not match.");
            return;
        }

        var now = time.GetUtcNow();
        if (!long.TryParse(timestampText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds()
            || (now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > _tolerance)
        {
            await RefuseSignedAsync(context, route, occurrenceText, StatusCodes.Status401Unauthorized, $"The timestamp is not within {_tolerance} of the server's clock.");
            return;
        }

        if (!durableStore && (seconds <= _startedAt + (long)FutureSkew.TotalSeconds || DateTimeOffset.FromUnixTimeSeconds(seconds) > now + FutureSkew))
        {
            await RefuseSignedAsync(context, route, occurrenceText, StatusCodes.Status401Unauthorized, $"With the InMemory store, which keeps no record of the triggers run before this process started, a request must be signed more than {FutureSkew.TotalSeconds:0} s after the start and at most {FutureSkew.TotalSeconds:0} s ahead of the server's clock; sign it again.");
            return;
        }

        var target = routes.OfKind(RouteKind.Scheduled).FirstOrDefault(r => string.Equals(r.Template, route, StringComparison.Ordinal));
        if (target is null)
        {
            await RefuseSignedAsync(context, route, occurrenceText, StatusCodes.Status404NotFound, $"'{route}' is not a scheduled route of this app.");
            return;
        }

        if (!DateTimeOffset.TryParse(occurrenceText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var occurrence)
            || !IsOccurrence(target, occurrence))
        {
            await RefuseSignedAsync(context, route, occurrenceText, StatusCodes.Status400BadRequest, $"'{occurrenceText}' is not an occurrence of {route}'s schedule ({target.Entry.Schedule!.Expression}, {target.Schedule!.ZoneName}; occurrences are sent in UTC).");
            return;
        }

        // Not before it comes (a clock a little behind the platform's is the tolerance's): one run ahead of time took the
        // real one's claim, which is pruned by when it was made, so that it ran again when it came (review 24b F2).
        if (occurrence > now + _tolerance)
        {
            await RefuseSignedAsync(context, route, occurrenceText, StatusCodes.Status400BadRequest, $"The occurrence {occurrenceText} has not come yet: it is more than the tolerance ({_tolerance}) ahead of the server's clock ({ScheduledRequest.Format(now)}). Send each occurrence when it is due (ApiRoutes:Scheduling:ExternalTriggerTolerance allows for clocks that differ).");
            return;
        }

        if (occurrence < now - _oldestOccurrence)
        {
            await RefuseSignedAsync(context, route, occurrenceText, StatusCodes.Status400BadRequest, $"The occurrence {occurrenceText} is older than the app keeps the record of what ran (ApiRoutes:Store:Retention less the tolerance, {_oldestOccurrence}).");
            return;
        }

        // A pause holds for the platform's triggers as for the in-process scheduler (on whichever replica it was made).
        // Also one sent late for an occurrence that came while a timed pause held.
        await pauses.RefreshAsync(context.RequestAborted);
        if (pauses.Skipping(route, occurrence) is { } pause)
        {
            logger.SchedulePaused(route, occurrence);
            occurrences.Record(route, occurrence, OccurrenceOutcome.Paused, null, $"Paused {SchedulePause.Describe(pause.Until)}.");
            await RefuseAsync(context, StatusCodes.Status409Conflict, SchedulePause.Skipped(route, pause.Until, ScheduledRequest.Format(occurrence)));
            return;
        }

        // Skipped because the previous run still went, on this replica or another: final, as the in-process scheduler's skip
        // is (review 46b F2: the same signed request, sent again within its window once that run had ended, ran the
        // occurrence late, and its records read skipped, refused and ran).
        OccurrenceRecord? skipped;
        try
        {
            skipped = (await occurrences.ReadAsync(new OccurrenceQuery(route, Since: occurrence, Until: occurrence.AddTicks(1), Limit: 20), context.RequestAborted))
                .FirstOrDefault(record => record.Outcome == OccurrenceOutcome.Skipped && record.ExecutionId is not null);
        }
        catch (ExecutionStoreUnavailableException e)
        {
            context.Response.Headers.RetryAfter = options.Background.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            await RefuseSignedAsync(context, route, occurrenceText, StatusCodes.Status503ServiceUnavailable, $"The occurrence {occurrence:O} of {route} could not be looked up: {e.Message}");
            return;
        }

        if (skipped is not null)
        {
            await RefuseSignedAsync(context, route, occurrenceText, StatusCodes.Status409Conflict,
                $"The occurrence {occurrence:O} of {route} was skipped: the previous run ({skipped.ExecutionId}) was still going when it came. A skipped occurrence is not run late.");
            return;
        }

        var start = await runs.TryStartAsync(target, occurrence, external: true, trace: TraceContext.Of(context));
        if (start is { StoreUnavailable: true })
        {
            context.Response.Headers.RetryAfter = options.Background.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            await RefuseSignedAsync(context, route, occurrenceText, StatusCodes.Status503ServiceUnavailable, start.Refusal!);
            return;
        }

        if (start is { Paused: true })
        {
            await RefuseAsync(context, StatusCodes.Status409Conflict, start.Refusal!);   // recorded as paused by the claim
            return;
        }

        if (start.ExecutionId is not { } id)
        {
            await RefuseSignedAsync(context, route, occurrenceText, StatusCodes.Status409Conflict, start.Refusal!);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status202Accepted;
        context.Response.Headers["X-ApiRoutes-Execution-Id"] = id;
    }

    // Signed by the platform: why its run was refused is part of the occurrence's record, when it names one that has come
    // and that the record of runs still covers. An instant that is no occurrence, or one years ahead, is only logged: its
    // record would be kept until long after it (retention prunes by occurrence) and shown among the schedule's real ones.
    private Task RefuseSignedAsync(HttpContext context, string route, string occurrenceText, int statusCode, string reason)
    {
        var target = routes.OfKind(RouteKind.Scheduled).FirstOrDefault(r => string.Equals(r.Template, route, StringComparison.Ordinal));
        var now = time.GetUtcNow();
        if (target is not null
            && DateTimeOffset.TryParse(occurrenceText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var occurrence)
            && occurrence <= now + _tolerance
            && occurrence >= now - _oldestOccurrence
            && IsOccurrence(target, occurrence))
        {
            occurrences.Record(route, occurrence, OccurrenceOutcome.Refused, null, $"{statusCode}: {reason}");
        }

        return RefuseAsync(context, statusCode, reason);
    }

    private static bool IsOccurrence(LoadedRoute route, DateTimeOffset instant) =>
        instant > DateTimeOffset.MinValue && route.NextOccurrence(instant.AddTicks(-1)) == instant;

    // Sampled, as every refusal of a request anyone can send (review 33a F4: 200 unsigned requests wrote 200 Warning lines);
    // a signed one's outcome is in its occurrence's record as well.
    private Task RefuseAsync(HttpContext context, int statusCode, string reason)
    {
        if (_refusals.ShouldLog(out var unlogged))
        {
            logger.ExternalTriggerRefused(statusCode, reason, unlogged);
        }

        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(reason);
    }
}
