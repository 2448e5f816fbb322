using ApiRoutes.Background;
using ApiRoutes.Diagnostics;
using ApiRoutes.Execution;
using ApiRoutes.Manifest;
using ApiRoutes.ManifestLoading;
using ApiRoutes.Scheduling;
using ApiRoutes.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Dashboard;

/// <summary>
/// Replays failed (or timed-out) executions from the dashboard: each replay is a new execution, its
/// <see cref="ExecutionRecord.ReplayOf"/> the one it replays, admitted as a new request would be (a background
/// execution with the stored request it failed with; a scheduled run for the same occurrence, started by hand). The
/// old execution stays as it was.
/// </summary>
internal sealed class ExecutionReplays(
    RouteTable routes,
    ExecutionLog log,
    IExecutionStore store,
    BackgroundAdmission admissions,
    BackgroundQueue queue,
    ScheduledRuns runs,
    SecretHeaders secrets,
    TimeProvider time,
    ILoggerFactory loggerFactory)
{
    /// <summary>At most this many executions are replayed by one call (and looked at for it, ten times as many).</summary>
    public const int MaxPerCall = 1000;

    private readonly ILogger _logger = loggerFactory.CreateLogger(Log.Category);

    // One replay at a time in this process, so that "replayed already?" and the replay are one step: a double click,
    // a client retrying a slow call and two bulk calls at once replay each failure once.
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    /// <summary>Replays one execution: 202 with the new id, or 404, 409 (not failed, route gone, request not kept) or 503 (queue full) with why.</summary>
    public async Task<Replay> ReplayAsync(string id)
    {
        if (await log.FindAsync(id) is not { } record)
        {
            return new Replay(StatusCodes.Status404NotFound, null, $"No execution '{id}' is known.");
        }

        if (record.Status is not (ExecutionStatus.Failed or ExecutionStatus.TimedOut))
        {
            return new Replay(StatusCodes.Status409Conflict, null, $"Execution {id} is {ExecutionLog.Name(record.Status)}; only failed and timed-out executions are replayed.");
        }

        return await ReplayOnceAsync(record) ?? new Replay(StatusCodes.Status409Conflict, null, Replayed(record, await ReplayOfAsync(record)), record.Id);
    }

    /// <summary>
    /// Replays every failed or timed-out execution of <paramref name="route"/> accepted since <paramref name="since"/>,
    /// oldest first, but those replayed already (one replay per failure); stops at the first refusal. Those left for
    /// a later call (still ending here, or replayed meanwhile by another call) are counted and said (review 40d F5).
    /// </summary>
    public async Task<BulkReplay> ReplayFailedAsync(string route, DateTimeOffset since)
    {
        var recent = await log.RecentAsync(new ExecutionQuery { Route = route, Since = since, Limit = MaxPerCall * 10 });
        var replayed = recent.Select(record => record.ReplayOf).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var failed = recent.Where(record => record.Status is ExecutionStatus.Failed or ExecutionStatus.TimedOut && !replayed.Contains(record.Id))
            .Reverse().Take(MaxPerCall).ToList();
        var done = new List<Replay>();
        var (ending, meanwhile) = (0, 0);
        string? endingFirst = null;
        foreach (var record in failed)
        {
            if (StillEnding(record) is { } why)
            {
                endingFirst ??= $"{record.Id}: {why}";   // replayed by a later call, once it has ended
                ending++;
                continue;
            }

            if (await ReplayOnceAsync(record) is not { } replay)
            {
                meanwhile++;
                continue;
            }

            done.Add(replay);
            if (replay.ExecutionId is null)
            {
                break;
            }
        }

        var left = new List<string>(2);
        if (ending > 0)
        {
            left.Add($"{ending} still ending here (such as {endingFirst}): replay again once they have ended, so that a replay never runs beside the attempt it replays");
        }

        if (meanwhile > 0)
        {
            left.Add($"{meanwhile} replayed meanwhile by another call");
        }

        return new BulkReplay(done, failed.Count - done.Count(replay => replay.ExecutionId is not null), left.Count > 0 ? string.Join("; ", left) + "." : null);
    }

    // Null when the execution has a replay already (in the store, or in this process and not yet written).
    private async Task<Replay?> ReplayOnceAsync(ExecutionRecord record)
    {
        await _oneAtATime.WaitAsync();
        try
        {
            return await ReplayOfAsync(record) is null ? await ReplayAsync(record) : null;
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    private async Task<ExecutionRecord?> ReplayOfAsync(ExecutionRecord record) =>
        (await log.RecentAsync(new ExecutionQuery { Route = record.Route, Since = record.AcceptedAt, ReplayOf = record.Id, Limit = 1 })).FirstOrDefault();

    private static string Replayed(ExecutionRecord record, ExecutionRecord? replay) =>
        replay is null
            ? $"Execution {record.Id} was being replayed by another call."
            : $"Execution {record.Id} was replayed already, as {replay.Id} ({ExecutionLog.Name(replay.Status)}); each failure is replayed once. If that replay failed too, replay {replay.Id}.";

    // What of its last attempt still runs here, if anything (review 40b A3: a replay ran beside it, as a retry did before
    // it waited for that end): its handler, abandoned at its time limit, or its response's callbacks and scope's disposal.
    // Also once the log has let it go (1,000 more finished since: review 40d F1), while a worker still holds it.
    private string? StillEnding(ExecutionRecord record) => (log.Held(record.Id) ?? queue.Working.FirstOrDefault(held => held.Id == record.Id)) switch
    {
        { HandlerRunning: true } => "its handler still runs, abandoned when its attempt ended (it ignores RequestAborted)",
        { End.IsCompleted: false } => "its response's callbacks or its scope's disposal still run",
        _ => null,
    };

    /// <summary>
    /// The key a replay of execution <paramref name="id"/> is written under (in the store's keys of its route, beside
    /// clients' <c>Idempotency-Key</c>s, which a key of this form would meet only if a client sent it).
    /// </summary>
    internal static IdempotencyKey ReplayKey(string id) => new($"{IdempotencyKey.ReservedPrefix}replay-of:{id}", id);

    // Null when another call replayed it meanwhile (on another replica: its replay's key was found taken).
    private async Task<Replay?> ReplayAsync(ExecutionRecord record)
    {
        var route = routes.Routes.FirstOrDefault(r => r.Kind != RouteKind.Standard && string.Equals(r.Template, record.Route, StringComparison.Ordinal));
        if (route is null)
        {
            return new Replay(StatusCodes.Status409Conflict, null, $"Execution {record.Id} ran {record.Route}, which is no longer a background or scheduled route of this app.", record.Id);
        }

        if (StillEnding(record) is { } ending)
        {
            return new Replay(StatusCodes.Status409Conflict, null, $"Execution {record.Id} is still ending: {ending}. Replay it once that is over, so that the two never run at once.", record.Id);
        }

        string? id;
        string? refusal;
        var refusedWith = StatusCodes.Status503ServiceUnavailable;
        if (route.Kind == RouteKind.Scheduled)
        {
            var start = await runs.TryStartAsync(route, record.Occurrence ?? time.GetUtcNow(), manual: true, replayOf: record.Id);
            (id, refusal, refusedWith) = (start.ExecutionId, start.Refusal, start.RefusalStatusCode);
        }
        else
        {
            RequestSnapshot? request;
            try
            {
                request = await store.GetRequestAsync(record.Id, CancellationToken.None);
            }
            catch (ExecutionStoreUnavailableException e)
            {
                return new Replay(StatusCodes.Status503ServiceUnavailable, null, e.Message, record.Id);
            }

            if (request is null)
            {
                return new Replay(StatusCodes.Status409Conflict, null, $"The request of execution {record.Id} is no longer kept (the InMemory store keeps those of the latest {InMemoryExecutionStore.MaxReplayable} failed executions only), so it cannot be replayed.", record.Id);
            }

            // Stored before a header was named secret, it is not stored again with it. Under the key of the execution it
            // replays: the look for an earlier replay above is a read, and replicas asked at one moment both passed it; the
            // store holds a key once (its unique index), so one of them is written.
            var admission = await admissions.AdmitAsync(route, request.WithoutSecrets(secrets), TraceContext.None, CancellationToken.None, record.Id, ReplayKey(record.Id));
            if (admission.Earlier.Existing is not null)
            {
                return null;   // replayed meanwhile by another call, on another replica
            }

            (id, refusal) = (admission.Execution?.Id, admission.Refusal is { } why ? $"Not replayed now: {why}." : null);
        }

        if (id is null)
        {
            return new Replay(refusedWith, null, refusal, record.Id);
        }

        _logger.ExecutionReplayed(id, route.Template, record.Id);
        return new Replay(StatusCodes.Status202Accepted, id, null, record.Id);
    }
}

/// <summary>How a replay went: <see cref="ExecutionId"/>, the new execution, or <see cref="Error"/>, why not.</summary>
internal sealed record Replay(int StatusCode, string? ExecutionId, string? Error, string? ReplayOf = null);

/// <summary>
/// The replays of a bulk replay, in order (the last one may be the refusal that stopped it), how many were left, and of
/// those skipped rather than refused, why (<see cref="Skipped"/>; null when none was).
/// </summary>
internal sealed record BulkReplay(IReadOnlyList<Replay> Replays, int NotReplayed, string? Skipped = null)
{
    /// <summary>Why some were not replayed: the refusal that stopped the call, then those skipped; null when all were.</summary>
    public string? Why => string.Join(" ", new[] { Replays.LastOrDefault(r => r.ExecutionId is null)?.Error, Skipped }.OfType<string>()) is { Length: > 0 } why ? why : null;
}
