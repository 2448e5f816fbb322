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

    // A clock found more than this past where the schedule's wait last saw it (stepped ahead, a machine that slept, a
    // process stopped), cron.c takes as jumped: it runs only the jobs of the minute it finds, none of those passed over
    // (review 32a F3; 32c F2: measured from the clock last seen, as cron.c measures from the minute it last handled,
    // not from the occurrence waited for).
    private static readonly TimeSpan JumpLimit = TimeSpan.FromHours(3);

    private readonly bool _timersFollowTheClock = TimersFollowTheClock(time);

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

    // Ends ExecuteAsync when the container is disposed without a stop (a failed start: another hosted service threw).
    // Not the base's stopping token: cancelled by its Dispose before the host's Task.Run began ExecuteAsync, it ended the
    // task as cancelled, and the host logged that as a background service failing and stopping the host (events 9 and
    // 10, Critical) after the real error (ci95).
    private readonly CancellationTokenSource _disposed = new();
    private bool _following;
    private bool _closed;

    // The instant the scheduler took over from the instances before: what came before it was missed, what comes after it
    // is this instance's to run, also while the first check waits for the gate. Read as the host starts the service, not
    // in ExecuteAsync, which the host runs on the thread pool some time later (.NET 10's BackgroundService).
    private DateTimeOffset _started;

#pragma warning disable CA2215 // The base's Dispose only cancels its stopping token, which must not be (see _disposed); stopping cancels it.
    public override void Dispose() => _disposed.Cancel();
#pragma warning restore CA2215

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _started = time.GetUtcNow();

        // Not the start's token: cancelled while the start goes on (a stop asked for, the start-up timeout), it would end
        // the task before ExecuteAsync began, as the base's Dispose did (_disposed; review 40c R3). A stop stops it.
        return base.StartAsync(CancellationToken.None);
    }

    protected override async Task ExecuteAsync(CancellationToken hostStopping)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(hostStopping, _disposed.Token);
        var stoppingToken = stopping.Token;
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
            loop.ClockSeen = time.GetUtcNow();
            while (!stopping.IsCancellationRequested)
            {
                if (SteppedBack(loop, from))
                {
                    // Stepped back by hours (a clock set wrong ahead, then put right): as crontab, go on from the new
                    // time, rather than wait, without a word, until the clock is back where it was. Claims keep an
                    // occurrence that ran already from running again; but those this process made, while the clock was
                    // ahead, of occurrences after the new time had not come, and are released: they run when they come
                    // (review 35b F2: a catch-up at a start 8 hours ahead took the next day's 03:00, refused at 03:00).
                    var now = time.GetUtcNow();
                    var released = 0;
                    try
                    {
                        released = await runs.ReleaseClaimsAfterAsync(route.Template, now);
                    }
                    catch (ExecutionStoreUnavailableException e)
                    {
                        _logger.ClaimsNotReleased(route.Template, now, e);
                    }

                    _logger.ClockSteppedBack(route.Template, Later(from, loop.ClockSeen), now, released);
                    from = now.AddTicks(-1);   // an occurrence at this very instant is due
                    loop.ClockSeen = now;
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
                if (!await WaitUntilAsync(loop, next, from, stopping))
                {
                    continue;   // the clock stepped back by hours while it waited
                }

                await pauses.RefreshAsync(stopping);   // paused on another replica, or before a restart
                var (occurrence, passed, pausedOver, held, takenUp, jumped) = await LatestDueAsync(loop, from, next, stopping);
                from = occurrence;

                // Each passed over is judged at its own instant: one that came while a pause held was paused, also when
                // the pause ended while the scheduler was late (review 30d F3); one before the pause was missed.
                if (pausedOver.Count > 0 && held is not null)
                {
                    RecordPaused(route.Template, pausedOver.Latest, held);
                }

                if (!takenUp)
                {
                    occurrences.Missed(route.Template, passed, jumped: true);
                    loop.Handled = occurrence;
                    continue;
                }

                if (jumped)
                {
                    occurrences.Missed(route.Template, passed, takenUp: occurrence, jumped: true);
                    passed = MissedOccurrences.None;
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
    // paused, the clock jumped ahead) and later ones came due too. Then the latest of them is taken up, and the ones
    // before it are not run late (no burst): they are this scheduler's misses — but those that came while the schedule's
    // pause held, which were paused, counted apart over the whole span (review 31a F6: judged among the latest 100 only,
    // the count of misses kept older paused ones) — except those another replica took up meanwhile (it recorded what
    // became of them). Late by more than 3 hours, as crontab after such a jump, only an occurrence of the minute the
    // clock is at now is taken up (TakenUp false: none; the latest is passed over as the others, review 32a F3: a daily
    // 03:00 ran at 08:00 after a machine slept from 02:00).
    private async Task<(DateTimeOffset Occurrence, MissedOccurrences Missed, MissedOccurrences Paused, SchedulePauseHistory? Pauses, bool TakenUp, bool Jumped)> LatestDueAsync(
        ScheduleLoop loop, DateTimeOffset from, DateTimeOffset next, CancellationToken stopping)
    {
        var (route, now) = (loop.Route, time.GetUtcNow());

        // A fake clock's wait is one timer to the occurrence, whose clock cannot step past it: there, how late it is.
        // The wake is where the clock was last seen from now on: a step back is measured from there (review 35b F1).
        var jumped = now - (_timersFollowTheClock ? next : loop.ClockSeen) > JumpLimit;
        loop.ClockSeen = now;
        if (!jumped && (route.NextOccurrence(next) is not { } after || after > now))
        {
            return (next, MissedOccurrences.None, MissedOccurrences.None, null, true, false);
        }

        var latest = MissedOccurrences.Between(route.Schedule!, from, now, keep: 1, maxCounted: 1).Latest[^1];
        var takenUp = !jumped || now - latest < TimeSpan.FromMinutes(1);
        var pause = pauses.Of(route.Template);
        var before = takenUp ? latest.AddTicks(-1) : latest;
        var passed = MissedOccurrences.Between(
            route.Schedule!, from, before, OccurrenceLog.MaxRecordedMisses, MissedOccurrences.MaxCountedLate, leftOut: pause is null ? null : pause.Covers);
        var paused = pause is null ? MissedOccurrences.None
            : MissedOccurrences.Between(route.Schedule!, from, before, OccurrenceLog.MaxRecordedMisses, MissedOccurrences.MaxCountedLate, leftOut: occurrence => !pause.Covers(occurrence));
        if (passed.Count + paused.Count == 0)
        {
            return (latest, passed, paused, pause, takenUp, jumped);
        }

        try
        {
            // Decided per occurrence, from the records: a claim further on (an external trigger's, a replica's whose
            // clock is ahead) says nothing of the ones before it. A refused trigger did not take one up.
            var earliest = passed.Count == 0 ? paused.Latest[0] : paused.Count == 0 ? passed.Latest[0] : new[] { passed.Latest[0], paused.Latest[0] }.Min();
            var recorded = await occurrences.ReadAsync(new OccurrenceQuery(route.Template, Since: earliest, Until: takenUp ? latest : latest.AddTicks(1), Limit: 2_000), stopping);
            var elsewhere = recorded.Where(record => record.Outcome != OccurrenceOutcome.Refused).Select(record => record.Occurrence).ToHashSet();
            (passed, paused) = (passed.Without(elsewhere.Contains), paused.Without(elsewhere.Contains));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whether another replica took them up is not known: they were not run here, and are recorded so. The
            // store's trouble is the claim's to say, next.
        }

        return (latest, passed, paused, pause, takenUp, jumped);
    }

    // Records occurrences that came while one of the schedule's pauses held as paused, each with that pause's end.
    private void RecordPaused(string route, IEnumerable<DateTimeOffset> paused, SchedulePauseHistory pauses)
    {
        foreach (var occurrence in paused)
        {
            occurrences.Record(route, occurrence, OccurrenceOutcome.Paused, null, $"Paused {SchedulePause.Describe(pauses.Covering(occurrence)?.Until)}.");
        }
    }

    // The occurrences that came while no instance was up, since the schedule was last seen taken care of — its latest
    // claim or record at or before the start, or the start that began to serve it as it is — recorded as missed, those
    // that came while a pause held as paused, and with catch-up the latest, which runs now (one run, never a burst).
    // What was served is read first, and what is served said only once what came while no instance was up has been
    // counted: a start that fails between the two (a store's failover, a kill) leaves the count to the next start rather
    // than take the old schedule's outage with it (review 31c F4).
    private async Task MissedAsync(LoadedRoute route, DateTimeOffset now, CancellationToken stopping)
    {
        var schedule = Served(route);
        ServedSchedule served;
        try
        {
            served = await store.GetServedScheduleAsync(route.Template, stopping);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.StoreReadFailed(route.Template, e);
            return;
        }

        if (await CountMissedAsync(route, now, schedule, served, stopping))
        {
            try
            {
                await store.ServeScheduleAsync(route.Template, schedule, now, stopping);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The count was done; the next start counts again from what it finds (the records of this one are kept once).
                _logger.ServedScheduleNotRecorded(route.Template, schedule, e);
            }
        }
    }

    // Counts (and records) what came while no instance was up, and runs the catch-up; false when the store could not be
    // read, so that what is served is not said either.
    private async Task<bool> CountMissedAsync(LoadedRoute route, DateTimeOffset now, string schedule, ServedSchedule served, CancellationToken stopping)
    {
        DateTimeOffset? since;
        var counted = route.Schedule!;
        var catchUp = route.Entry.CatchUp == true;
        try
        {

            // A claim ahead of the clock was written while a clock was ahead (this one's, another replica's), or is a
            // damaged row: said, and the missed ones counted from the latest one at or before the start, not from it
            // (review 30d F4: one claim a few hours ahead hid every outage until then); so is the start that began to
            // serve the schedule (review 31a F4).
            var claims = await store.GetLastOccurrenceAsync(route.Template, now, stopping);
            var servedSince = served.Since;
            foreach (var ahead in new[] { claims.Latest, servedSince }.OfType<DateTimeOffset>().Where(instant => instant > time.GetUtcNow() + ExternalTriggerEndpoint.FutureSkew))
            {
                _logger.LastRunInTheFuture(route.Template, ahead);
            }

            // Later than this start by no more than clocks differ: another replica's start of the same deploy, which
            // came to the store first (review 31c F2) — nothing came between them. Further ahead: not believed.
            servedSince = servedSince > now + ExternalTriggerEndpoint.FutureSkew ? null : servedSince > now ? now : servedSince;

            // A refused trigger took no occurrence up, and is recorded at whatever instant it named, one not come yet or
            // no occurrence at all: taken as the last one seen, it hid every occurrence missed since (review 26c F2).
            var lastRecorded = (await occurrences.ReadAsync(new OccurrenceQuery(route.Template, Until: now.AddTicks(1), Limit: 100), stopping))
                .FirstOrDefault(record => record.Outcome != OccurrenceOutcome.Refused)?.Occurrence;
            var lastRun = new[] { claims.AtOrBefore, lastRecorded }.Max();
            since = new[] { lastRun, servedSince }.Max();

            // A deploy that changed the schedule (its minutes or its zone): what came while no instance was up is counted
            // by the schedule served then, never by the new one, whose occurrences before this start did not exist
            // (review 30d F1), and none is caught up; one written differently that comes at the same instants in that
            // span (0-6 for *, an alias of the zone) counts as it is (review 31a F1, F3).
            if (served.Schedule is { } before && before != schedule)
            {
                if (ParseServed(before) is not { } previous)
                {
                    _logger.ScheduleChanged(route.Template, before, schedule, "the schedule served then cannot be read here (a zone this machine does not know, or a damaged row), so what came while no instance was up is not counted");
                    return true;
                }

                if (since is { } from && SameOccurrences(previous, counted, from, now))
                {
                    _logger.ScheduleChanged(route.Template, before, schedule, "both come at the same instants since the last run, so what came while no instance was up is counted, and caught up, as before");
                }
                else
                {
                    _logger.ScheduleChanged(route.Template, before, schedule, "what came while no instance was up is counted by the schedule served then, and not caught up; the new one's occurrences before this start did not exist");
                    (counted, catchUp) = (previous, false);
                }
            }
            else if (served.Schedule is null && lastRun is { } run && counted.GetNextOccurrence(run.UtcDateTime.AddTicks(-1)) != run.UtcDateTime)
            {
                // Nothing known of what was served (a store of an earlier release), and its last run is no occurrence of
                // this schedule: another schedule ran then, and this one is new (review 31a F2).
                _logger.ScheduleChanged(route.Template, $"another schedule (its last run, {run:O}, is no occurrence of this one)", schedule, "nothing before this start is counted; the new one's occurrences before it did not exist");
                return true;
            }

            await pauses.RefreshAsync(stopping);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Unreadable or unavailable: the schedule runs on from now, as for a new one, rather than stop the host.
            _logger.StoreReadFailed(route.Template, e);
            return false;
        }

        if (since is not { } lastSeen || lastSeen >= now)
        {
            return true;   // never ran (a new schedule missed nothing), or another replica took up the occurrence of the start
        }

        // Those that came while one of the schedule's pauses held were paused, not missed, also when it has ended since
        // (review 30d F2, F5).
        var pause = pauses.Of(route.Template);
        var missed = MissedOccurrences.Between(counted, lastSeen, now, OccurrenceLog.MaxRecordedMisses + 1, leftOut: pause is null ? null : pause.Covers);
        var paused = pause is null ? MissedOccurrences.None
            : MissedOccurrences.Between(counted, lastSeen, now, OccurrenceLog.MaxRecordedMisses, leftOut: occurrence => !pause.Covers(occurrence));
        if (paused.Count > 0)
        {
            RecordPaused(route.Template, paused.Latest, pause!);
        }

        if (missed.Count == 0)
        {
            return true;
        }

        // Without catch-up, or when an occurrence came while the first check waited for the gate: that one runs now, as
        // its own, and is the start's one run (never a burst: a catch-up beside it would take its slot, and it would be
        // skipped as overlapping). Nor while the pause holds, or when it held at the latest occurrence: the operator's
        // word was the last.
        var latest = missed.Latest[^1];
        if (!catchUp || route.NextOccurrence(now) <= time.GetUtcNow() || pause?.HoldingAt(time.GetUtcNow()) is not null || paused.Latest.Any(at => at > latest))
        {
            occurrences.Missed(route.Template, missed);
            return true;
        }

        occurrences.Missed(route.Template, missed.WithoutLatest());
        _logger.ScheduleCatchingUp(route.Template, missed.Count, lastSeen, latest);
        await StartAsync(route, latest, missed: true);
        return true;
    }

    // What a schedule is served with, as the store remembers it: its fields (@hourly is 0 * * * *) and its zone.
    private static string Served(LoadedRoute route) =>
        route.Schedule?.TimeZoneId is { } zone ? $"{route.Entry.Schedule!.Normalized} {zone}" : route.Entry.Schedule!.Normalized;

    // The schedule a start wrote (Served): five fields, then the zone when there is one; null when this machine cannot
    // read it (a zone it does not know, a damaged row).
    private static CrontabSchedule? ParseServed(string served)
    {
        var parts = served.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
        return parts.Length < 5 ? null : CronSchedule.Parse(string.Join(' ', parts.Take(5)), parts.Length == 6 ? parts[5] : null).Schedule;
    }

    // Whether two schedules come at the same instants after `since` up to `now` (bounded as the count of misses is).
    private static bool SameOccurrences(CrontabSchedule one, CrontabSchedule other, DateTimeOffset since, DateTimeOffset now)
    {
        using var first = one.GetOccurrences(since.UtcDateTime, now.UtcDateTime, fromInclusive: false, toInclusive: true).GetEnumerator();
        using var second = other.GetOccurrences(since.UtcDateTime, now.UtcDateTime, fromInclusive: false, toInclusive: true).GetEnumerator();
        for (var compared = 0; compared < MissedOccurrences.MaxCounted; compared++)
        {
            var (more, moreOther) = (first.MoveNext(), second.MoveNext());
            if (more != moreOther || (more && first.Current != second.Current))
            {
                return false;
            }

            if (!more)
            {
                return true;
            }
        }

        return true;
    }

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

    // The clock is behind the occurrence handled last (from), or where it was last seen, by more than StepBackLimit: set
    // wrong ahead, then put right. Where it was seen counts, as crontab measures from the time it last saw: after a jump
    // the occurrence handled last is one passed over, up to 3 hours behind the wrong clock, and the hours before it were
    // never run once the clock was put right (review 35b F1).
    private bool SteppedBack(ScheduleLoop loop, DateTimeOffset from) => Later(from, loop.ClockSeen) - time.GetUtcNow() > StepBackLimit;

    private static DateTimeOffset Later(DateTimeOffset first, DateTimeOffset second) => first > second ? first : second;

    // Until due; false, at once, when the clock is found stepped back by hours behind the occurrence handled last (from):
    // at the next wake, so within a minute (on a fake clock, within the schedule's period or MaxWait).
    private async Task<bool> WaitUntilAsync(ScheduleLoop loop, DateTimeOffset due, DateTimeOffset from, CancellationToken stopping)
    {
        var (route, first) = (loop.Route, true);
        for (var now = time.GetUtcNow(); now < due; now = time.GetUtcNow())
        {
            if (SteppedBack(loop, from))
            {
                return false;
            }

            // Where the clock was last seen before the occurrence came due: a jump is measured from there.
            loop.ClockSeen = now;
            var wait = due - now;
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

    /// <summary>The clock as the loop last saw it: its wait's last look before an occurrence came due, or the wake that found it due.</summary>
    public DateTimeOffset ClockSeen { get; set; }

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
