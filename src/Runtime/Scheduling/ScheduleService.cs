using ApiRoutes.Dashboard;
using ApiRoutes.Diagnostics;
using ApiRoutes.Hosting;
using ApiRoutes.Manifest;
using ApiRoutes.ManifestLoading;
using ApiRoutes.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Scheduling;

/// <summary>
/// Runs every scheduled route at its occurrences (Cronos, UTC, time from <see cref="TimeProvider"/>). Each occurrence
/// is the first after the one handled before it; when the scheduler is late (a slow start, a sleeping machine, a clock
/// jump) and several came due, the latest is taken up — one run, never a burst — and the ones before it are recorded
/// missed (paused, when the schedule is), not replayed. A clock stepped back by hours is followed (event 3021); by less,
/// the occurrences ahead ran already and are waited for. Runs of one schedule never overlap: an occurrence that comes
/// while the previous run still goes is skipped and logged. At start-up, the
/// occurrences that came while no instance was up are recorded as missed (<see cref="OccurrenceLog"/>).
/// That first check reads the store, so it waits for the <see cref="StartupWorkGate"/> (at most a second after the app
/// listens); it counts as missed only what came before the scheduler started, and the latest occurrence due while it
/// waited runs as soon as the gate opens, as its own occurrence, never missed (with catch-up, it is then the one run of
/// the start, and the occurrences missed before are all recorded missed).
/// In Development, where the routes follow the code (<c>RouteTableSwap</c>), the schedules served are followed too: a
/// new one starts from the time it appears, one whose minutes changed goes on from where its loop was (never before the
/// minute of the change), one no longer served stops (event 3022); one left as it was goes on, its runs with the route
/// as it is now (review 16a F7, review 17b).
/// </summary>
internal sealed class ScheduleService(
    RouteTable routes,
    ScheduledRuns runs,
    IExecutionStore store,
    OccurrenceLog occurrences,
    SchedulePauses pauses,
    TimeProvider time,
    SchedulerSwitch enabled,
    ScheduleHeartbeat heartbeat,
    StartupWorkGate gate,
    ILoggerFactory loggerFactory) : BackgroundService
{
    // Timers cannot wait longer than ~49 days; a yearly schedule waits in steps.
    private static readonly TimeSpan MaxWait = TimeSpan.FromDays(24);

    // A timer counts elapsed time, and the machine's clock may be stepped meanwhile (NTP, an operator, a VM or laptop
    // resumed: elapsed time stops while suspended). Cron reads the clock every minute; so does a schedule's wait, so an
    // occurrence runs at its minute of the wall clock, not late by the step (review 24a F6: an hour late, and the
    // liveness check failing meanwhile). Not on a fake clock, whose timers fire by its own time, which cannot step away
    // from them: one timer to the occurrence (the Testing package's clock moves to each armed timer in turn).
    private static readonly TimeSpan WallClockCheck = TimeSpan.FromMinutes(1);

    // A clock stepped back by more than this behind the occurrence handled last was set wrong ahead before (cron's
    // limit): the schedule goes on from the new time. By less, the occurrences to come ran already, and it waits.
    private static readonly TimeSpan StepBackLimit = TimeSpan.FromHours(3);

    private readonly ILogger _logger = loggerFactory.CreateLogger(Log.Category);

    // The longest single timer of a schedule's wait (WallClockCheck, MaxWait on a fake clock).
    private readonly TimeSpan _longestWait = TimersFollowTheClock(time) ? MaxWait : WallClockCheck;

    // The loop of each schedule served, by route; replaced as the routes are (Follow).
    private readonly Lock _loopsGate = new();
    private readonly Dictionary<string, ScheduleLoop> _loops = new(StringComparer.Ordinal);

    // Loops stopped by a swap that have not ended yet, by route: the next loop of the route waits for its end.
    private readonly Dictionary<string, ScheduleLoop> _ending = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationToken _stopping;
    private bool _following;
    private bool _closed;

    // The instant the scheduler took over from the instances before: what came before it was missed, what comes after it
    // is this instance's to run, also while the first check waits for the gate. Read as the host starts the service, not
    // in ExecuteAsync, which the host runs on the thread pool some time later (.NET 10's BackgroundService).
    private DateTimeOffset _started;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _started = time.GetUtcNow();
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!enabled.IsEnabled)
        {
            if (routes.OfKind(RouteKind.Scheduled).Any())
            {
                if (enabled.RunsNowhere)
                {
                    _logger.NoScheduleRuns();
                }
                else
                {
                    _logger.SchedulerDisabled(enabled.HowTheyRun);
                }
            }

            return;
        }

        lock (_loopsGate)
        {
            _stopping = stoppingToken;
        }

        // A swap between these two lines changes nothing by itself (Follow waits for the first): the first Follow reads
        // the table as it is then, and gives every schedule the start-up check (review 17b F7).
        routes.Replaced += Follow;
        Follow(first: true);

        // Until shutdown, or until a loop fails: that is the scheduler's failure (liveness, the host's policy), as when
        // the loops were awaited together (review 17b F3).
        await Task.WhenAny(Task.Delay(Timeout.InfiniteTimeSpan, stoppingToken), _failed.Task);
        routes.Replaced -= Follow;
        ScheduleLoop[] loops;
        Task[] ending;
        lock (_loopsGate)
        {
            _closed = true;
            loops = [.. _loops.Values];
            ending = [.. _ending.Values.Select(loop => loop.Task)];   // stopped by a swap, not ended yet (disposed as they end)
            _loops.Clear();
        }

        foreach (var loop in loops)
        {
            loop.Stop();
        }

        await Task.WhenAll(loops.Select(loop => loop.Task).Concat(ending)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var loop in loops)
        {
            loop.Dispose();
        }

        if (_failed.Task.IsFaulted)
        {
            await _failed.Task;
        }
    }

    // From the swap (RouteTable.Replace, on its thread): never fails it, whatever the scheduler's trouble (review 17b F5).
    private void Follow()
    {
        try
        {
            Follow(first: false);
        }
#pragma warning disable CA1031 // the swap goes on; the scheduler's trouble is said, not thrown into it
        catch (Exception e)
#pragma warning restore CA1031
        {
            try
            {
                _logger.ScheduleFollowFailed(e);
            }
#pragma warning disable CA1031 // a log sink that throws: nothing is left to tell
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }

    // Starts a loop for each schedule served that has none, replaces the loop of one whose schedule changed, and stops
    // the loop of one no longer served. One loop per route at a time: a new one begins once the one before it ended,
    // also one stopped by an earlier swap (removed, then added back: review 17b F4), and goes on from where that one
    // was (F2). Loops begin on the thread pool, never inline in the swap.
    private void Follow(bool first)
    {
        var removed = new List<string>();
        lock (_loopsGate)
        {
            if (_closed || _stopping.IsCancellationRequested || (!first && !_following))
            {
                return;
            }

            _following = true;
            var now = time.GetUtcNow();
            var served = new Dictionary<string, LoadedRoute>(StringComparer.Ordinal);
            foreach (var route in routes.OfKind(RouteKind.Scheduled))
            {
                served.TryAdd(route.Template, route);
            }

            var stopped = new Dictionary<string, ScheduleLoop>(StringComparer.Ordinal);
            foreach (var (template, loop) in _loops.ToList())
            {
                if (served.TryGetValue(template, out var route) && SameSchedule(route, loop.Route))
                {
                    served.Remove(template);   // goes on as it is
                    continue;
                }

                loop.Stop();
                _loops.Remove(template);
                stopped[template] = loop;
                _ending[template] = loop;
                loop.Task.ContinueWith(
                    (_, ended) =>
                    {
                        var endedLoop = (ScheduleLoop)ended!;
                        lock (_loopsGate)
                        {
                            if (_ending.TryGetValue(endedLoop.Route.Template, out var ending) && ending == endedLoop)
                            {
                                _ending.Remove(endedLoop.Route.Template);
                            }
                        }

                        endedLoop.Dispose();
                    },
                    loop,
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
                if (route is null)
                {
                    removed.Add(template);
                }
            }

            // What is left in served has no loop: new, or changed (its old loop ends first: it says it ended, then the new
            // one says it waits).
            foreach (var route in served.Values)
            {
                var before = stopped.GetValueOrDefault(route.Template) ?? _ending.GetValueOrDefault(route.Template);
                var loop = new ScheduleLoop(route, CancellationTokenSource.CreateLinkedTokenSource(_stopping));
                var start = first ? (DateTimeOffset?)null : now;
                loop.Task = Task.Run(() => RunScheduleAsync(loop, start, before));
                _loops[route.Template] = loop;
            }
        }

        foreach (var template in removed)
        {
            _logger.ScheduleRemoved(template);
        }
    }

    // Whether a schedule served now runs on the same minutes as the loop's: the same fields (@hourly is 0 * * * *) and
    // the same zone (none is UTC).
    private static bool SameSchedule(LoadedRoute served, LoadedRoute looped) =>
        served.Entry.Schedule?.Normalized == looped.Entry.Schedule?.Normalized && served.Schedule?.ZoneName == looped.Schedule?.ZoneName;

    // Where a loop that replaces another goes on from, the swap having come at `swapped`: as the replaced loop would
    // have (the first occurrence after the one it handled last), but never before the minute of the swap — an occurrence
    // of the new expression in that minute runs (crontab reads a changed table before it runs the minute's jobs; the
    // claim keeps it from running twice), earlier ones are neither run nor recorded missed.
    private static DateTimeOffset GoOnFrom(DateTimeOffset handled, DateTimeOffset swapped)
    {
        var minute = new DateTimeOffset(swapped.UtcTicks - (swapped.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero).AddTicks(-1);
        return handled > minute ? handled : minute;
    }

    // One schedule's loop: at start-up (startedAt null) from the scheduler's start, after the occurrences missed while
    // no instance was up; when the routes changed (startedAt: then), once the loop before it (before) has ended: from
    // where that one was (GoOnFrom), or as at start-up when that one had not done the start-up check yet (review 17b F2);
    // a new schedule from the time it is served.
    private async Task RunScheduleAsync(ScheduleLoop loop, DateTimeOffset? startedAt, ScheduleLoop? before)
    {
        var (route, stopping) = (loop.Route, loop.Token);
        var registered = false;
        try
        {
            if (before is not null)
            {
                await before.Task.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (!before.CheckedStartup)
                {
                    startedAt = null;
                }
            }

            await gate.WaitAsync(stopping);
            if (startedAt is null)
            {
                await MissedAsync(route, _started, stopping);
            }

            // The first occurrence is the first after the start (a catch-up ran one before it): one due while the gate
            // was closed runs now. Each next one is the first after the one handled last, never computed from the clock:
            // an occurrence that came due while a start was slow is not passed over, and none runs twice when a timer
            // fires early or the clock steps back a little.
            var from = startedAt is not { } swapped ? _started
                : before is { } replaced ? GoOnFrom(replaced.Handled, swapped)
                : swapped;
            loop.Handled = from;
            loop.CheckedStartup = true;
            while (!stopping.IsCancellationRequested)
            {
                if (SteppedBack(from))
                {
                    // Stepped back by hours (a clock set wrong ahead, then put right): as crontab, go on from the new
                    // time, rather than wait, without a word, until the clock is back where it was. Claims keep an
                    // occurrence that ran already from running again.
                    var now = time.GetUtcNow();
                    _logger.ClockSteppedBack(route.Template, from, now);
                    from = now.AddTicks(-1);   // an occurrence at this very instant is due
                }

                if (route.NextOccurrence(from) is not { } next)
                {
                    _logger.ScheduleEnded(route.Template);
                    return;
                }

                if (!registered)
                {
                    _logger.ScheduleRegistered(route.Template, route.Entry.Schedule!.Expression, route.Schedule!.ZoneName, next);
                    registered = true;
                }

                heartbeat.Waiting(route.Template, next);
                if (!await WaitUntilAsync(route, next, from, stopping))
                {
                    continue;   // the clock stepped back by hours while it waited
                }

                var (occurrence, passed) = await LatestDueAsync(route, from, next, stopping);
                from = occurrence;
                await pauses.RefreshAsync(stopping);   // paused on another replica, or before a restart

                // Each passed over is judged at its own instant: one that came while a pause held was paused, also when
                // the pause ended while the scheduler was late (review 30d F3); one before the pause was missed.
                if (pauses.Of(route.Template) is { } held)
                {
                    RecordPaused(route.Template, passed.Latest.Where(held.Covers), held);
                    passed = passed.Without(held.Covers);
                }

                if (pauses.Skipping(route.Template, occurrence) is { } pause)
                {
                    _logger.SchedulePaused(route.Template, occurrence);
                    occurrences.Missed(route.Template, passed, takenUp: occurrence);
                    occurrences.Record(route.Template, occurrence, OccurrenceOutcome.Paused, null, $"Paused {SchedulePause.Describe(pause.Until)}.");
                    loop.Handled = occurrence;
                    continue;
                }

                occurrences.Missed(route.Template, passed, takenUp: occurrence);
                await StartAsync(route, occurrence);
                loop.Handled = occurrence;
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Shutdown, or the schedule is no longer served as it was: a run in progress is left to the drain of
            // BackgroundWorkers, or to end as it runs.
        }
#pragma warning disable CA1031 // the scheduler's failure: ExecuteAsync ends with it
        catch (Exception e)
#pragma warning restore CA1031
        {
            _failed.TrySetException(e);
        }
        finally
        {
            // However it ended (also stopped between two waits, in a step that takes no token: review 17b F1), nothing
            // is awaited of it any more; the loop after it, if any, says what it waits for once this one has ended.
            heartbeat.Ended(route.Template);
        }
    }

    // The occurrence to take up now that next is due, and the ones it passes over: next itself and none, unless the
    // scheduler is late (the start of the occurrence before outlasted the schedule's period, the process or machine was
    // paused, the clock jumped ahead) and later ones came due too. Then the latest of them is taken up, as crontab runs
    // the new time's jobs after a jump of hours, and the ones before it are not run late (no burst): they are this
    // scheduler's misses, except those another replica took up meanwhile (it recorded what became of them).
    private async Task<(DateTimeOffset Occurrence, MissedOccurrences Passed)> LatestDueAsync(
        LoadedRoute route, DateTimeOffset from, DateTimeOffset next, CancellationToken stopping)
    {
        var now = time.GetUtcNow();
        if (route.NextOccurrence(next) is not { } after || after > now)
        {
            return (next, MissedOccurrences.None);
        }

        var due = MissedOccurrences.Between(route.Schedule!, from, now, OccurrenceLog.MaxRecordedMisses + 1, MissedOccurrences.MaxCountedLate + 1);
        var latest = due.Latest[^1];
        var passed = due.WithoutLatest();
        try
        {
            // Decided per occurrence, from the records: a claim further on (an external trigger's, a replica's whose
            // clock is ahead) says nothing of the ones before it. A refused trigger did not take one up.
            var recorded = await occurrences.ReadAsync(new OccurrenceQuery(route.Template, Since: passed.Latest[0], Until: latest, Limit: 2_000), stopping);
            var takenUp = recorded.Where(record => record.Outcome != OccurrenceOutcome.Refused).Select(record => record.Occurrence).ToHashSet();
            passed = passed.Without(takenUp.Contains);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whether another replica took them up is not known: they were not run here, and are recorded so. The
            // store's trouble is the claim's to say, next.
        }

        return (latest, passed);
    }

    // Records occurrences that came while the schedule's pause held as paused.
    private void RecordPaused(string route, IEnumerable<DateTimeOffset> paused, SchedulePause pause)
    {
        var detail = $"Paused {SchedulePause.Describe(pause.Until)}.";
        foreach (var occurrence in paused)
        {
            occurrences.Record(route, occurrence, OccurrenceOutcome.Paused, null, detail);
        }
    }

    // The occurrences that came while no instance was up, since the schedule was last seen taken care of — its latest
    // claim or record at or before the start, or the start that began to serve it as it is — recorded as missed, those
    // that came while a pause held as paused, and with catch-up the latest, which runs now (one run, never a burst).
    private async Task MissedAsync(LoadedRoute route, DateTimeOffset now, CancellationToken stopping)
    {
        DateTimeOffset? since;
        try
        {
            // A deploy that changed the schedule (its minutes or its zone) serves a new one: its occurrences before it was
            // served did not exist, and none was missed (review 30d F1; as when Development follows a change, GoOnFrom).
            var schedule = Served(route);
            var served = await store.ServeScheduleAsync(route.Template, schedule, now, stopping);
            if (served.Schedule is { } before && before != schedule)
            {
                _logger.ScheduleChanged(route.Template, before, schedule);
                return;
            }

            // A claim ahead of the clock was written while a clock was ahead (this one's, another replica's), or is a
            // damaged row: said, and the missed ones counted from the latest one at or before the start, not from it
            // (review 30d F4: one claim a few hours ahead hid every outage until then).
            var claims = await store.GetLastOccurrenceAsync(route.Template, now, stopping);
            if (claims.Latest is { } ahead && ahead > time.GetUtcNow() + ExternalTriggerEndpoint.FutureSkew)
            {
                _logger.LastRunInTheFuture(route.Template, ahead);
            }

            // A refused trigger took no occurrence up, and is recorded at whatever instant it named, one not come yet or
            // no occurrence at all: taken as the last one seen, it hid every occurrence missed since (review 26c F2).
            var lastRecorded = (await occurrences.ReadAsync(new OccurrenceQuery(route.Template, Until: now.AddTicks(1), Limit: 100), stopping))
                .FirstOrDefault(record => record.Outcome != OccurrenceOutcome.Refused)?.Occurrence;
            since = new[] { claims.AtOrBefore, lastRecorded, served.Since }.Max();
            await pauses.RefreshAsync(stopping);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Unreadable or unavailable: the schedule runs on from now, as for a new one, rather than stop the host.
            _logger.StoreReadFailed(route.Template, e);
            return;
        }

        if (since is not { } lastSeen || lastSeen >= now)
        {
            return;   // never ran (a new schedule missed nothing), or another replica took up the occurrence of the start
        }

        // Those that came while the schedule's pause held were paused, not missed, also when the pause has ended since
        // (review 30d F2, F5).
        var pause = pauses.Of(route.Template);
        var missed = MissedOccurrences.Between(route.Schedule!, lastSeen, now, OccurrenceLog.MaxRecordedMisses + 1, leftOut: pause is null ? null : pause.Covers);
        var paused = pause is null ? MissedOccurrences.None
            : MissedOccurrences.Between(route.Schedule!, lastSeen, now, OccurrenceLog.MaxRecordedMisses, leftOut: occurrence => !pause.Covers(occurrence));
        if (paused.Count > 0)
        {
            RecordPaused(route.Template, paused.Latest, pause!);
        }

        if (missed.Count == 0)
        {
            return;
        }

        // Without catch-up, or when an occurrence came while the first check waited for the gate: that one runs now, as
        // its own, and is the start's one run (never a burst: a catch-up beside it would take its slot, and it would be
        // skipped as overlapping). Nor while the pause holds, or when it held at the latest occurrence: the operator's
        // word was the last.
        var latest = missed.Latest[^1];
        if (route.Entry.CatchUp != true || route.NextOccurrence(now) <= time.GetUtcNow() || pause?.HoldsAt(time.GetUtcNow()) == true || paused.Latest.Any(at => at > latest))
        {
            occurrences.Missed(route.Template, missed);
            return;
        }

        occurrences.Missed(route.Template, missed.WithoutLatest());
        _logger.ScheduleCatchingUp(route.Template, missed.Count, lastSeen, latest);
        await StartAsync(route, latest, missed: true);
    }

    // What a schedule is served with, as the store remembers it: its fields (@hourly is 0 * * * *) and its zone.
    private static string Served(LoadedRoute route) =>
        route.Schedule?.TimeZoneId is { } zone ? $"{route.Entry.Schedule!.Normalized} {zone}" : route.Entry.Schedule!.Normalized;

    // A fault starting one occurrence loses that occurrence, logged; the schedule goes on to the next (never this one
    // again: the caller moved past it) rather than stop the host.
    private async Task StartAsync(LoadedRoute route, DateTimeOffset occurrence, bool missed = false)
    {
        try
        {
            // The route as served now: its handler and time limit may have changed since the loop began (Follow).
            var current = routes.Routes.FirstOrDefault(served => served.Kind == RouteKind.Scheduled && served.Template == route.Template) ?? route;
            await runs.TryStartAsync(current, occurrence, missed);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.ScheduledStartFailed(route.Template, occurrence, e);
        }
    }

    // The clock is behind the occurrence handled last (from) by more than StepBackLimit: set wrong ahead, then put right.
    private bool SteppedBack(DateTimeOffset from) => from - time.GetUtcNow() > StepBackLimit;

    // Until due; false, at once, when the clock is found stepped back by hours behind the occurrence handled last (from):
    // at the next wake, so within a minute (on a fake clock, within the schedule's period or MaxWait).
    private async Task<bool> WaitUntilAsync(LoadedRoute route, DateTimeOffset due, DateTimeOffset from, CancellationToken stopping)
    {
        var first = true;
        for (var wait = due - time.GetUtcNow(); wait > TimeSpan.Zero; wait = due - time.GetUtcNow())
        {
            if (SteppedBack(from))
            {
                return false;
            }

            var delay = Task.Delay(wait < _longestWait ? wait : _longestWait, time, stopping);

            // Logged once the timer is armed, so an observer (and a test on a fake clock) knows it is waiting; once.
            if (first)
            {
                _logger.ScheduleWaiting(route.Template, due);
                first = false;
            }

            await delay;
        }

        return true;
    }

    // A fake clock (Microsoft.Extensions.Time.Testing, the Testing package's TestClock) fires its timers by the time it
    // tells: no step can put the two apart.
    private static bool TimersFollowTheClock(TimeProvider time)
    {
        for (var type = time.GetType(); type is not null; type = type.BaseType)
        {
            if (type.FullName == "Microsoft.Extensions.Time.Testing.FakeTimeProvider")
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>The loop of one schedule, as it was when the loop began, and what stops it.</summary>
internal sealed class ScheduleLoop(LoadedRoute route, CancellationTokenSource stop) : IDisposable
{
    public LoadedRoute Route { get; } = route;

    public CancellationToken Token { get; } = stop.Token;

    public Task Task { get; set; } = Task.CompletedTask;

    /// <summary>The occurrence it handled last (run, or recorded paused), or where it began: where a loop after it goes on.</summary>
    public DateTimeOffset Handled { get; set; }

    /// <summary>Whether it got past the start-up check of the occurrences missed while no instance was up.</summary>
    public bool CheckedStartup { get; set; }

    // Its loop goes on to its end on the thread pool, never inline in the swap that stopped it.
    public void Stop() => _ = stop.CancelAsync();

    public void Dispose() => stop.Dispose();
}

/// <summary>Whether the in-process scheduler runs: options, else on outside Development.</summary>
internal sealed class SchedulerSwitch(bool isEnabled, bool isDevelopment = false, bool externalTrigger = false)
{
    public bool IsEnabled { get; } = isEnabled;

    /// <summary>Off, and no scheduled route can run at all: its path is served in Development only, and no trigger is set.</summary>
    public bool RunsNowhere => !IsEnabled && !isDevelopment && !externalTrigger;

    /// <summary>With the scheduler off, how the scheduled routes run (event 3004; review 24b F1: it said "when their path
    /// is requested" also in production, where the path is not served; event 3024 when they cannot run at all).</summary>
    public string HowTheyRun => isDevelopment
        ? "scheduled routes run when their path is requested (development)"
        : $"scheduled routes run when the hosting platform's signed trigger asks for an occurrence (POST {TriggerSignature.Path})";
}
