using System.Collections.Concurrent;
using ApiRoutes.Diagnostics;
using ApiRoutes.Execution;
using ApiRoutes.ManifestLoading;
using ApiRoutes.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Scheduling;

/// <summary>
/// Starts scheduled runs, for the in-process scheduler and for external triggers alike, and keeps runs of one
/// schedule from overlapping: while a run goes (until its handler has returned, also one abandoned at its time limit, or
/// the drain period is over), another occurrence of the same route is refused. What becomes of each
/// occurrence (ran, skipped, claimed elsewhere) goes to the <see cref="OccurrenceLog"/>; runs started by hand are not
/// occurrences and are not recorded there.
/// </summary>
internal sealed class ScheduledRuns(
    ExecutionRunner runner,
    ExecutionLifecycle lifecycle,
    IExecutionStore store,
    OccurrenceLog occurrences,
    TimeProvider time,
    ILoggerFactory loggerFactory,
    IReplicaCoordination? coordination = null,
    IHostApplicationLifetime? lifetime = null)
{
    /// <summary>
    /// With replicas, how long after its occurrence (after now, for a catch-up of one long past) the scheduler's claim
    /// that failed for the store's sake is asked again at most; never past the schedule's next occurrence either.
    /// </summary>
    public static readonly TimeSpan ClaimRetryWindow = TimeSpan.FromMinutes(5);

    // The longest wait between two tries of one claim: 1, 2, 4 … s, then every 30 s.
    private static readonly TimeSpan MaxClaimRetryDelay = TimeSpan.FromSeconds(30);

    private readonly ILogger _logger = loggerFactory.CreateLogger(Log.Category);
    private readonly ConcurrentDictionary<string, Running> _running = new(StringComparer.Ordinal);

    // The latest claims the scheduler made here, by route (not a trigger's: an external claim keeps its meaning), so
    // that those made while the clock was ahead by hours can be released once it is put right (review 35b F2).
    private readonly ConcurrentDictionary<string, Queue<OccurrenceClaimed>> _claimed = new(StringComparer.Ordinal);

    /// <summary>
    /// How many of its latest claims per schedule the scheduler remembers: the claims a clock ahead by hours made, for
    /// as long as it was, that a step back can release (a minutely schedule's clock wrong for more than 16 hours keeps
    /// the earliest of them).
    /// </summary>
    public const int MaxClaimsRemembered = 1_000;

    /// <summary>
    /// Starts a run for <paramref name="occurrence"/> and returns its execution id; or, logged, why it is not run here:
    /// a run of the route still goes (here or on another replica), or another replica claimed the occurrence.
    /// </summary>
    /// <param name="route">The scheduled route.</param>
    /// <param name="occurrence">The occurrence it runs for; the body's <c>next_run</c> is the one after it.</param>
    /// <param name="missed">A catch-up run: <c>"missed": true</c> in the body.</param>
    /// <param name="manual">Started by hand (the dashboard): not claimed, not remembered as the schedule's last run.</param>
    /// <param name="external">Started by a signed external trigger: not run unless its claim is durable, so a replay is refused.</param>
    /// <param name="replayOf">With <paramref name="manual"/>: the failed run it replays.</param>
    /// <param name="trace">The trace the run continues (the trigger's request), or none: a trace of its own.</param>
    public async Task<ScheduledStart> TryStartAsync(
        LoadedRoute route, DateTimeOffset occurrence, bool missed = false, bool manual = false, bool external = false, string? replayOf = null, TraceContext trace = default)
    {
        var id = Guid.CreateVersion7(time.GetUtcNow()).ToString("N");
        var start = new TaskCompletionSource<TrackedExecution?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = start.Task.ContinueWith(
            queued => queued.Result is { } execution ? runner.RunToEndAsync(execution) : Task.CompletedTask,
            TaskScheduler.Default).Unwrap();
        var running = new Running(id, manual ? null : occurrence, start.Task, run);
        var added = TakeSlot();
        for (var waits = 0; added.Id != id && !added.Started.IsCompleted && waits < MaxWaitsForAStart; waits++)
        {
            // The slot's holder is still being claimed and may not run at all (claimed elsewhere, a store that cannot
            // be written, a pause): what this start is told, and what it records, waits for that to be decided. A
            // holder that did not start has freed the slot, which this start then tries to take as if it had come after.
            // A request waits no longer than the holder's first claim: one asked again is asked for up to minutes while
            // the store is away (review 38a F1), also when the request came while the first was under way (review 38g).
            if (manual || external)
            {
                await Task.WhenAny(added.Started, added.AskedAgain);
                if (added.ClaimAskedAgain && !added.Started.IsCompleted)
                {
                    return new ScheduledStart(null, $"The occurrence {added.Occurrence:O} of {route.Template} is still being claimed (the store could not be written); try again shortly.") { StoreUnavailable = true };
                }
            }
            else
            {
                await added.Started;
            }

            added = TakeSlot();
        }

        if (added.Id != id && !added.Started.IsCompleted)
        {
            // Others kept taking the slot and failing to start, each in turn: what this one would meet is not known yet.
            _logger.ScheduleSkipped(route.Template, occurrence, added.Id);
            if (!manual && !external)
            {
                occurrences.Record(route.Template, occurrence, OccurrenceOutcome.Skipped, null, "Other starts of the schedule were still being claimed.");
            }

            return new ScheduledStart(null, $"Other starts of {route.Template} are still being claimed; try again shortly.") { StoreUnavailable = true };
        }

        if (added.Id != id && !manual && added.Occurrence == occurrence)
        {
            // Not a next occurrence meeting a run still going: this occurrence's own run (a replayed external trigger).
            // The endpoint records its refusal; the occurrence ran, and was not skipped.
            _logger.ScheduleClaimedElsewhere(route.Template, occurrence);
            return new ScheduledStart(null, $"The occurrence {occurrence:O} of {route.Template} has already been claimed: it runs as {added.Id}.");
        }

        if (added.Id != id)
        {
            _logger.ScheduleSkipped(route.Template, occurrence, added.Id);
            if (!manual)
            {
                await ClaimSkipAsync(route, occurrence, added.Id, external);
                occurrences.Record(route.Template, occurrence, OccurrenceOutcome.Skipped, added.Id, "The previous run was still going.");
            }

            return new ScheduledStart(null, $"The previous run of {route.Template} ({added.Id}) is still going; this occurrence is skipped.");
        }

        ExecutionRecord? byHand = null;   // a run by hand's record, its row written with the look elsewhere
        try
        {
            if ((manual ? await StartByHandElsewhereAsync(route, byHand = lifecycle.ScheduledRecord(route, id, occurrence, trace, replayOf)) : await TryClaimAsync(route, occurrence, id, external)) is { } refusal)
            {
                if (refusal.ClaimAskedAgain)
                {
                    running.MarkAskedAgain();
                    // Asked again in the background, the slot held meanwhile: the scheduler's loop goes on (an occurrence
                    // undealt with for Health:OverdueAfter fails liveness, and a database away for minutes must not restart
                    // every replica), and the next occurrence waits for what becomes of this one, which ends before it.
                    _ = ClaimAgainAsync(route, occurrence, id, Accept, NotStarted);
                    return refusal;
                }

                NotStarted();
                return refusal;
            }

            return Accept();
        }
        catch
        {
            // The caller logs the fault.
            NotStarted();
            throw;
        }

        ScheduledStart Accept()
        {
            // In the execution log before the id is handed out.
            var trigger = manual ? "manual" : external ? "external" : missed ? "catch_up" : "scheduler";
            var execution = lifecycle.AcceptScheduled(route, byHand ?? lifecycle.ScheduledRecord(route, id, occurrence, trace, replayOf), missed, trigger);
            _logger.ScheduleFired(route.Template, occurrence, id);
            if (!manual)
            {
                occurrences.Record(route.Template, occurrence, OccurrenceOutcome.Ran, id);
            }

            start.SetResult(execution);
            return new ScheduledStart(id, null);
        }

        // The slot's holder: this start, unless another holds it still.
        Running TakeSlot() => _running.AddOrUpdate(route.Template, running, (_, current) => current.Holds ? current : running);

        // The schedule's slot is free again at once: the next occurrence is not skipped for a run that never was, and
        // the drain does not wait for it.
        void NotStarted()
        {
            _running.TryRemove(new KeyValuePair<string, Running>(route.Template, running));
            start.TrySetResult(null);
        }
    }

    /// <summary>
    /// Releases the claims the scheduler made here of occurrences of <paramref name="route"/> after
    /// <paramref name="after"/>, the clock put right: made while the clock was ahead by hours, of occurrences that had
    /// not come (review 35b F2: a catch-up at a start whose clock was 8 hours ahead ran the next day's 03:00 at once,
    /// and at 03:00 it was refused as claimed). Those occurrences run when they come; their early runs stay, as their
    /// records. Other replicas' claims and triggers' are not this scheduler's, and stay. Returns how many.
    /// </summary>
    /// <exception cref="ExecutionStoreUnavailableException">The store cannot be written (the claims stay).</exception>
    public async Task<int> ReleaseClaimsAfterAsync(string route, DateTimeOffset after)
    {
        if (!_claimed.TryGetValue(route, out var claimed))
        {
            return 0;
        }

        OccurrenceClaimed[] ahead;
        lock (claimed)
        {
            ahead = [.. claimed.Where(claim => claim.Occurrence > after)];
        }

        if (ahead.Length == 0)
        {
            return 0;
        }

        await store.ReleaseClaimsAsync(route, ahead, CancellationToken.None);
        var released = ahead.ToHashSet();
        lock (claimed)
        {
            var kept = claimed.Where(claim => !released.Contains(claim)).ToList();
            claimed.Clear();
            kept.ForEach(claimed.Enqueue);
        }

        return ahead.Length;
    }

    private void Remember(string route, OccurrenceClaimed claim)
    {
        var claimed = _claimed.GetOrAdd(route, _ => new Queue<OccurrenceClaimed>());
        lock (claimed)
        {
            claimed.Enqueue(claim);
            while (claimed.Count > MaxClaimsRemembered)
            {
                claimed.Dequeue();
            }
        }
    }

    /// <summary>The runs that still hold their schedule's slot: their runner (or their abandoned handler) has not returned.</summary>
    internal IEnumerable<string> Holding() => _running.Values.Where(running => !running.Run.IsCompleted).Select(running => running.Id);

    /// <summary>Completes when every run started so far has ended (the drain waits for it).</summary>
    public Task WhenAllEndedAsync() => Task.WhenAll(_running.Values.Select(running => running.Run));

    // The run that holds a schedule's slot: the occurrence it runs for (none for a run by hand), and its end.
    private sealed record Running(string Id, DateTimeOffset? Occurrence, Task<TrackedExecution?> Started, Task Run)
    {
        private readonly TaskCompletionSource _askedAgain = new(TaskCreationOptions.RunContinuationsAsynchronously);

        // Its claim failed for the store's sake and is asked again, in the background (ClaimAgainAsync).
        public bool ClaimAskedAgain => _askedAgain.Task.IsCompleted;

        // Completes once its claim is asked again: what a request waiting for the slot waits for besides its start.
        public Task AskedAgain => _askedAgain.Task;

        public void MarkAskedAgain() => _askedAgain.TrySetResult();

        // Whether it keeps the slot: being claimed, or started and its run not ended. One that did not start never does.
        public bool Holds => !Run.IsCompleted && !(Started.IsCompleted && Started.Result is null);
    }

    // How many holders of a slot in turn a start waits for, each of which took the slot and then did not start.
    private const int MaxWaitsForAStart = 8;

    // A skip is final: its claim, written before the skip is answered, refuses any claim of the occurrence after it (a
    // trigger sent again, on this replica or another), also before its record (written apart, not awaited) has landed
    // (review 47C F1: a resend in that window ran it late). The scheduler's is remembered as its claims are, for a release
    // once a clock ahead by hours is put right. A store that cannot be written leaves the record alone to say it (the
    // trigger endpoint refuses an occurrence whose record says skipped): logged, the skip stands here.
    private async Task ClaimSkipAsync(LoadedRoute route, DateTimeOffset occurrence, string running, bool external)
    {
        try
        {
            if ((await store.SkipOccurrenceAsync(route.Template, occurrence, running, CancellationToken.None)).Claimed && !external)
            {
                Remember(route.Template, new OccurrenceClaimed(occurrence, running));
            }
        }
        catch (ExecutionStoreUnavailableException e)
        {
            _logger.OccurrenceNotRecorded(route.Template, occurrence, "skipped (as a claim, which refuses a later claim of it: only its record will say it)", e);
        }
    }

    // A run by hand claims no occurrence, but it must not overlap a run of the schedule on another replica either: with
    // replicas, its row is written in the schedule's turn, with the look for a run going elsewhere (StartByHandAsync).
    // Returns why it is not run, or null. A store that could not be reached once the row was sent may have written it
    // with its answer lost: a row queued here that never runs would be a run going for every other replica, so the run
    // is recorded failed (written when the store is back, if not now). One that failed before leaves nothing to record.
    private async Task<ScheduledStart?> StartByHandElsewhereAsync(LoadedRoute route, ExecutionRecord run)
    {
        if (coordination is null)
        {
            return null;
        }

        try
        {
            return await coordination.StartByHandAsync(run, CancellationToken.None) is { } other
                ? new ScheduledStart(null, $"The previous run of {route.Template} ({other}, on another replica) is still going; it is not started again until that run ends.")
                : null;
        }
        catch (ExecutionStoreUnavailableException e)
        {
            var reason = $"Whether {route.Template} runs on another replica cannot be known: {e.Message}";
            if (e.MayHaveLanded)
            {
                // Not as a replay (review 45c F4): the failure it was to replay would count as replayed, and refuse the
                // replay asked again once the store is back. A row that did land keeps what it was written with.
                store.UpdateAsync(
                        run with { Status = ExecutionStatus.Failed, FinishedAt = time.GetUtcNow(), Error = $"Not started (it was started by hand as the store could not be reached). {reason}", ReplayOf = null },
                        CancellationToken.None)
                    .LogIfFails(_logger, run.Id);
            }

            return new ScheduledStart(null, reason) { StoreUnavailable = true };
        }
    }

    // Exactly once across replicas: only the replica whose claim of (route, occurrence) lands runs it, and not while a
    // run of the schedule goes on another replica. Without a store to ask, one process alone runs its own schedule
    // anyway; replicas sharing the store, and external triggers (which a replay could repeat), skip it rather than risk
    // running it twice. Returns why it is not run here, or null.
    private async Task<ScheduledStart?> TryClaimAsync(LoadedRoute route, DateTimeOffset occurrence, string id, bool external)
    {
        try
        {
            return Answered(route, occurrence, id, external, await store.ClaimOccurrenceAsync(route.Template, occurrence, id, CancellationToken.None));
        }
        catch (ExecutionStoreUnavailableException e)
        {
            if (external)
            {
                // The trigger's sender tries again (it is answered 503 at once).
                _logger.ScheduleNotClaimed(route.Template, occurrence, "an external trigger's: it is answered 503, for its sender to try again", e);
                return new ScheduledStart(null, $"The occurrence {occurrence:O} of {route.Template} could not be claimed: {e.Message}") { StoreUnavailable = true };
            }

            if (coordination is not null)
            {
                // The claim may have landed, its answer lost (review 38a F2), or not (a database away, review 38a F1): it is
                // asked again (ClaimAgainAsync), not given up at once.
                _logger.ScheduleClaimAskedAgain(route.Template, occurrence, ClaimWindowEnd(route, occurrence), e);
                return new ScheduledStart(null, $"The occurrence {occurrence:O} of {route.Template} could not be claimed yet: {e.Message}") { StoreUnavailable = true, ClaimAskedAgain = true };
            }

            _logger.StoreWriteFailed(id, e);
            return null;
        }
    }

    // A claim that failed for the store's sake, with replicas (review 38a F1, F2): it may have landed with its answer
    // lost, or not. Asked again with the same execution id (the store answers Claimed to the execution its row holds),
    // after 1, 2, 4 … 30 s, until the store answers or the window ends (ClaimWindowEnd), or the app stops. Claimed: it
    // runs, late by the outage. Any other answer is recorded as at once. No answer: recorded skipped, with why (3011), as
    // another replica's record of the occurrence says whether it ran there.
    private async Task ClaimAgainAsync(LoadedRoute route, DateTimeOffset occurrence, string id, Func<ScheduledStart> accept, Action notStarted)
    {
        var stopping = lifetime?.ApplicationStopping ?? CancellationToken.None;
        try
        {
            var until = ClaimWindowEnd(route, occurrence);
            ExecutionStoreUnavailableException? failure = null;
            for (var delay = TimeSpan.FromSeconds(1); time.GetUtcNow() + delay < until && !stopping.IsCancellationRequested; delay = Min(delay * 2, MaxClaimRetryDelay))
            {
                var wait = Task.Delay(delay, time, stopping);
                _logger.ScheduleClaimWaiting(route.Template, occurrence, time.GetUtcNow() + delay);   // once the timer is armed
                await wait.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (stopping.IsCancellationRequested)
                {
                    break;
                }

                OccurrenceClaim answer;
                try
                {
                    answer = await store.ClaimOccurrenceAsync(route.Template, occurrence, id, CancellationToken.None);
                }
                catch (ExecutionStoreUnavailableException e)
                {
                    failure = e;
                    continue;
                }

                if (Answered(route, occurrence, id, external: false, answer) is not null)
                {
                    notStarted();
                    return;
                }

                _logger.ScheduleClaimedLate(route.Template, occurrence, time.GetUtcNow());
                accept();
                return;
            }

            var gaveUp = time.GetUtcNow();
            _logger.ScheduleNotClaimed(route.Template, occurrence, $"asked again until {gaveUp:O}; another replica's record of the occurrence says whether it ran there", failure);
            occurrences.Record(
                route.Template, occurrence, OccurrenceOutcome.Skipped, null,
                $"This replica could not reach the store to claim it (event 3011), though asked again until {ScheduledRequest.Format(gaveUp)}; another replica's record of it says whether it ran there.");
            notStarted();
        }
#pragma warning disable CA1031 // a fault of this start, in the background: logged, as the scheduler logs one it awaits
        catch (Exception e)
#pragma warning restore CA1031
        {
            _logger.ScheduledStartFailed(route.Template, occurrence, e);
            notStarted();
        }
    }

    // Where asking a claim again ends: 5 minutes after the occurrence (after now, for a catch-up of one long past), and
    // before the schedule's next occurrence, which the slot this claim holds would keep waiting.
    private DateTimeOffset ClaimWindowEnd(LoadedRoute route, DateTimeOffset occurrence)
    {
        var end = (occurrence > time.GetUtcNow() ? occurrence : time.GetUtcNow()) + ClaimRetryWindow;
        return route.NextOccurrence(occurrence) is { } next && next < end ? next : end;
    }

    private static TimeSpan Min(TimeSpan one, TimeSpan other) => one < other ? one : other;

    // What the store answered a claim: null, claimed (remembered, for a release after a clock put right); else why it is
    // not run here, recorded (a trigger's refusal is recorded by its endpoint).
    private ScheduledStart? Answered(LoadedRoute route, DateTimeOffset occurrence, string id, bool external, OccurrenceClaim claim)
    {
        switch (claim)
        {
            case { Claimed: true }:
                if (!external)
                {
                    Remember(route.Template, new OccurrenceClaimed(occurrence, id));
                }

                return null;
            case { Paused: { } pause }:
                // Paused after this replica last read the pauses: the store's decision holds.
                _logger.SchedulePaused(route.Template, occurrence);
                occurrences.Record(route.Template, occurrence, OccurrenceOutcome.Paused, null, $"Paused {SchedulePause.Describe(pause.Until)}.");
                return new ScheduledStart(null, SchedulePause.Skipped(route.Template, pause.Until, ScheduledRequest.Format(occurrence))) { Paused = true };
            case { ClosedAsMissed: true }:
                // Its own claim, landed with its answer lost, that another replica closed while this one's lease had lapsed
                // (cut off from the store alone, past its lease): missed, as that replica recorded it, not "claimed
                // elsewhere" (review 38g F3).
                _logger.ScheduleClaimClosed(route.Template, occurrence);
                occurrences.Record(
                    route.Template, occurrence, OccurrenceOutcome.Missed, null,
                    "This replica's claim landed while the store's answer to it was lost, and another replica closed it as missed while this replica's lease had lapsed. Not run late.");
                return new ScheduledStart(null, $"The occurrence {occurrence:O} of {route.Template} was claimed by this replica and closed as missed by another while this replica's lease had lapsed.");
            case { SkippedFor: { } running }:
                // Skipped before, here or on another replica, for a run that still went: final (review 47C F1).
                _logger.ScheduleSkipped(route.Template, occurrence, running);
                occurrences.Record(route.Template, occurrence, OccurrenceOutcome.Skipped, running, "The previous run was still going.");
                return new ScheduledStart(null, $"The occurrence {occurrence:O} of {route.Template} was skipped: the previous run ({running}) was still going when it came. A skipped occurrence is not run late.");
            case { RunningElsewhere: { } other }:
                // The claim took the occurrence as skipped (PostgreSQL, review 47C F1): remembered as the scheduler's claims are.
                if (!external)
                {
                    Remember(route.Template, new OccurrenceClaimed(occurrence, other));
                }

                _logger.ScheduleSkipped(route.Template, occurrence, other);
                occurrences.Record(route.Template, occurrence, OccurrenceOutcome.Skipped, other, "The previous run was still going on another replica.");
                return new ScheduledStart(null, $"The previous run of {route.Template} ({other}, on another replica) is still going; this occurrence is skipped.");
            default:
                _logger.ScheduleClaimedElsewhere(route.Template, occurrence);
                if (!external)
                {
                    // A trigger's refusal is recorded by its endpoint, with the reason it answers.
                    occurrences.Record(route.Template, occurrence, OccurrenceOutcome.ClaimedElsewhere, null, "Another replica or process claimed it, or it ran before a restart.");
                }

                return new ScheduledStart(null, $"The occurrence {occurrence:O} of {route.Template} has already been claimed (it ran before, or runs in another replica or process).");
        }
    }
}

/// <summary>
/// A started scheduled run's execution id, or why none was started; <see cref="StoreUnavailable"/> when its claim could
/// not be written (try again later), <see cref="Paused"/> when the store refused it for a pause (recorded as such).
/// </summary>
internal sealed record ScheduledStart(string? ExecutionId, string? Refusal)
{
    public bool StoreUnavailable { get; init; }

    /// <summary>The scheduler's claim failed for the store's sake and is asked again in the background (with replicas).</summary>
    public bool ClaimAskedAgain { get; init; }

    public bool Paused { get; init; }

    /// <summary>How a refusal answers over HTTP: 503 when the store could not say (try again later), else 409.</summary>
    public int RefusalStatusCode => StoreUnavailable ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status409Conflict;
}
