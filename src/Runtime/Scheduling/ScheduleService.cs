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
/// jump) and several came due, the latest runs — one run, never a burst — and the ones before it are recorded missed,
/// not replayed. Runs of one schedule never overlap: an occurrence that comes while the previous run still goes is
/// skipped and logged. At start-up, the
/// occurrences that came while no instance was up are recorded as missed (<see cref="OccurrenceLog"/>).
/// That first check reads the store, so it waits for the <see cref="StartupWorkGate"/> (at most a second after the app
/// listens); it counts as missed only what came before the scheduler started, and an occurrence due while it waited
/// runs as soon as the gate opens, as its own occurrence, never missed (with catch-up, it is then the one run of the
/// start, and the occurrences missed before are all recorded missed).
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

    // Further ahead than any replica's clock or claim can be: the record of the last run is not believed.
    private static readonly TimeSpan FarAhead = TimeSpan.FromDays(1);

    private readonly ILogger _logger = loggerFactory.CreateLogger(Log.Category);

    // The instant the scheduler took over from the instances before: what came before it was missed, what comes after it
    // is this instance's to run, also while the first check waits for the gate. Read as the host starts the service, not
    // in ExecuteAsync, which the host runs on the thread pool some time later (.NET 10's BackgroundService).
    private DateTimeOffset _started;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _started = time.GetUtcNow();
        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!enabled.IsEnabled)
        {
            if (routes.OfKind(RouteKind.Scheduled).Any())
            {
                _logger.SchedulerDisabled();
            }

            return Task.CompletedTask;
        }

        return Task.WhenAll(routes.OfKind(RouteKind.Scheduled).Select(route => RunScheduleAsync(route, stoppingToken)));
    }

    private async Task RunScheduleAsync(LoadedRoute route, CancellationToken stopping)
    {
        var registered = false;
        try
        {
            await gate.WaitAsync(stopping);
            await MissedAsync(route, _started, stopping);

            // The first occurrence is the first after the start (a catch-up ran one before it): one due while the gate
            // was closed runs now. Each next one is the first after the one handled last, never computed from the clock:
            // an occurrence that came due while a start was slow is not passed over, and none runs twice when a timer
            // fires early or the clock steps back.
            var from = _started;
            while (!stopping.IsCancellationRequested)
            {
                if (route.NextOccurrence(from) is not { } next)
                {
                    _logger.ScheduleEnded(route.Template);
                    heartbeat.Ended(route.Template);
                    return;
                }

                if (!registered)
                {
                    _logger.ScheduleRegistered(route.Template, route.Entry.Schedule!.Expression, route.Schedule!.ZoneName, next);
                    registered = true;
                }

                heartbeat.Waiting(route.Template, next);
                await WaitUntilAsync(route, next, stopping);
                var occurrence = await LatestDueAsync(route, from, next, stopping);
                from = occurrence;
                await pauses.RefreshAsync(stopping);   // paused on another replica, or before a restart
                if (pauses.IsPaused(route.Template))
                {
                    _logger.SchedulePaused(route.Template, occurrence);
                    occurrences.Record(route.Template, occurrence, OccurrenceOutcome.Paused, null, $"Paused {SchedulePause.Describe(pauses.Until(route.Template))}.");
                    continue;
                }

                await StartAsync(route, occurrence);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Shutdown: a run in progress is left to the drain of BackgroundWorkers.
            heartbeat.Ended(route.Template);
        }
    }

    // The occurrence to run now that next is due: next itself, unless the scheduler is late (the start of the occurrence
    // before outlasted the schedule's period, the process or machine was paused, the clock jumped ahead) and later ones
    // came due too. Then the latest of them runs, as crontab runs the current time's jobs after a jump, and the ones
    // before it are recorded missed, never run late (no burst) — except those another replica claimed meanwhile, whose
    // outcome is that replica's to record.
    private async Task<DateTimeOffset> LatestDueAsync(LoadedRoute route, DateTimeOffset from, DateTimeOffset next, CancellationToken stopping)
    {
        var now = time.GetUtcNow();
        if (route.NextOccurrence(next) is not { } after || after > now)
        {
            return next;
        }

        var due = MissedOccurrences.Between(route.Schedule!, from, now, OccurrenceLog.MaxRecordedMisses + 1);
        var latest = due.Latest[^1];
        var since = from;
        try
        {
            if (await store.GetLastOccurrenceAsync(route.Template, stopping) is { } claimed && claimed > since)
            {
                since = claimed < latest ? claimed : latest;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whether another replica ran them is not known: they were not run here, and are recorded so. The store's
            // trouble is the claim's to say, next.
        }

        var missed = since == from ? due : MissedOccurrences.Between(route.Schedule!, since, now, OccurrenceLog.MaxRecordedMisses + 1);
        occurrences.Missed(route.Template, missed.WithoutLatest(), late: latest);
        return latest;
    }

    // The occurrences that came while no instance was up, since the last one recorded (run or otherwise): recorded as
    // missed, but with catch-up the latest, which runs now (one run, never a burst).
    private async Task MissedAsync(LoadedRoute route, DateTimeOffset now, CancellationToken stopping)
    {
        DateTimeOffset? since;
        try
        {
            var lastRun = await store.GetLastOccurrenceAsync(route.Template, stopping);
            var lastRecorded = (await occurrences.ReadAsync(new OccurrenceQuery(route.Template, Limit: 1), stopping)).FirstOrDefault()?.Occurrence;
            since = lastRun > lastRecorded || lastRecorded is null ? lastRun : lastRecorded;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Unreadable or unavailable: the schedule runs on from now, as for a new one, rather than stop the host.
            _logger.StoreReadFailed(route.Template, e);
            return;
        }

        if (since is { } ahead && ahead > now + FarAhead)
        {
            // No replica claims a day ahead: a damaged row, or one written while a clock was wrong. Said, not silent.
            _logger.LastRunInTheFuture(route.Template, ahead);
            return;
        }

        if (since is not { } lastSeen || lastSeen >= now)
        {
            return;   // never ran (a new schedule missed nothing), or claimed ahead by another replica
        }

        var missed = MissedOccurrences.Between(route.Schedule!, lastSeen, now, OccurrenceLog.MaxRecordedMisses + 1);
        if (missed.Count == 0)
        {
            return;
        }

        // Without catch-up, or when an occurrence came while the first check waited for the gate: that one runs now, as
        // its own, and is the start's one run (never a burst: a catch-up beside it would take its slot, and it would be
        // skipped as overlapping).
        if (route.Entry.CatchUp != true || route.NextOccurrence(now) <= time.GetUtcNow())
        {
            occurrences.Missed(route.Template, missed);
            return;
        }

        var latest = missed.Latest[^1];
        occurrences.Missed(route.Template, missed.WithoutLatest());
        _logger.ScheduleCatchingUp(route.Template, missed.Count, lastSeen, latest);
        await StartAsync(route, latest, missed: true);
    }

    // A fault starting one occurrence loses that occurrence, logged; the schedule goes on to the next (never this one
    // again: the caller moved past it) rather than stop the host.
    private async Task StartAsync(LoadedRoute route, DateTimeOffset occurrence, bool missed = false)
    {
        try
        {
            await runs.TryStartAsync(route, occurrence, missed);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.ScheduledStartFailed(route.Template, occurrence, e);
        }
    }

    private async Task WaitUntilAsync(LoadedRoute route, DateTimeOffset due, CancellationToken stopping)
    {
        for (var wait = due - time.GetUtcNow(); wait > TimeSpan.Zero; wait = due - time.GetUtcNow())
        {
            var delay = Task.Delay(wait < MaxWait ? wait : MaxWait, time, stopping);

            // Logged once the timer is armed, so an observer (and a test on a fake clock) knows it is waiting.
            _logger.ScheduleWaiting(route.Template, due);
            await delay;
        }
    }
}

/// <summary>Whether the in-process scheduler runs: options, else on outside Development.</summary>
internal sealed class SchedulerSwitch(bool isEnabled)
{
    public bool IsEnabled { get; } = isEnabled;
}
