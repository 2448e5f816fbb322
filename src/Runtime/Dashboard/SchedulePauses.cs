using ApiRoutes.Diagnostics;
using ApiRoutes.Storage;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Dashboard;

/// <summary>
/// Schedules paused from the dashboard: their occurrences are skipped, by the scheduler and when an external trigger
/// brings them, until resumed, or until the time they were paused until (on the injected clock), after which they run
/// again by themselves. Kept in the execution store, so that every replica skips them and a restart does not resume
/// them; <see cref="RefreshAsync"/> reads them before each decision, and what was last read answers in between.
/// </summary>
internal sealed class SchedulePauses(IExecutionStore store, TimeProvider time, ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger(Log.Category);
    private readonly Lock _changing = new();
    private volatile Dictionary<string, SchedulePauseHistory> _paused = new(StringComparer.Ordinal);

    // Whether a pause holds is decided as the stores' claims decide it (SchedulePause.HoldsAt).
    public bool IsPaused(string route) => Holding(route) is not null;

    /// <summary>
    /// The pause that skips the run of <paramref name="occurrence"/>: one that holds now, or held when the occurrence came
    /// (<see cref="SchedulePauseHistory.Skipping"/>); null when none does.
    /// </summary>
    public SchedulePause? Skipping(string route, DateTimeOffset occurrence) =>
        _paused.GetValueOrDefault(route)?.Skipping(occurrence, time.GetUtcNow());

    /// <summary>The schedule's pauses as last read, those that have ended too (each covers what came while it held); null when none.</summary>
    public SchedulePauseHistory? Of(string route) => _paused.GetValueOrDefault(route);

    /// <summary>When a timed pause ends; null when the schedule is not paused, or paused until resumed.</summary>
    public DateTimeOffset? Until(string route) => Holding(route)?.Until;

    /// <summary>Reads the pauses from the store (another replica's included); when it cannot, says so and keeps what it knew.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        try
        {
            var stored = await store.GetPausesAsync(cancellationToken);
            var paused = stored.GroupBy(pause => pause.Route, StringComparer.Ordinal)
                .ToDictionary(route => route.Key, route => new SchedulePauseHistory([.. route]), StringComparer.Ordinal);
            lock (_changing)
            {
                _paused = paused;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _logger.PausesUnreadable(e);
        }
    }

    /// <summary>Pauses the schedule until resumed, or until <paramref name="until"/>; stored when it completes.</summary>
    /// <exception cref="ExecutionStoreUnavailableException">The store cannot be written: the schedule is not paused.</exception>
    /// <remarks>
    /// A pause that replaces one still holding keeps when that one began: what came meanwhile came while paused, also for a
    /// start that counts it later (review 31a F5). One after a pause that has ended is a pause of its own, and the store
    /// keeps the ended one as the record of what came while it held (review 31c F1).
    /// </remarks>
    public async Task PauseAsync(string route, DateTimeOffset? until = null)
    {
        await RefreshAsync(CancellationToken.None);
        var now = time.GetUtcNow();
        var pause = new SchedulePause(route, until, Holding(route)?.PausedAt ?? now);
        await store.SetPauseAsync(pause, CancellationToken.None);
        Change(paused => paused[route] = (paused.GetValueOrDefault(route) ?? SchedulePauseHistory.None).With(pause));
    }

    /// <summary>
    /// Resumes the schedule: its pause ends now, and stays in the store (until retention prunes it) as the record of what
    /// came while it held — a start that counts what came while no instance was up reads it (review 31a F5: removed, the
    /// occurrences it had paused were counted missed, and one caught up). So do the records of earlier pauses stamped
    /// ahead of this clock (review 32c F3: a replica's clock a day ahead paused the next day's runs, past any resume).
    /// </summary>
    /// <exception cref="ExecutionStoreUnavailableException">The store cannot be written: the schedule stays paused.</exception>
    public async Task ResumeAsync(string route)
    {
        await RefreshAsync(CancellationToken.None);
        var now = time.GetUtcNow();
        if (Of(route) is { } pauses && pauses.HoldsAfter(now))
        {
            await store.EndPausesAsync(route, now, CancellationToken.None);
            Change(paused => paused[route] = (paused.GetValueOrDefault(route) ?? pauses).EndedAt(now));
        }

        // Not paused (any more): nothing to do. A pause that has ended is kept, not removed, by a resume that comes after
        // it (a second click, a retried request, a timed pause that ended by itself: review 31c F1).
    }

    private SchedulePause? Holding(string route) => _paused.GetValueOrDefault(route)?.HoldingAt(time.GetUtcNow());

    // Copy on write: readers never see a dictionary being changed.
    private void Change(Action<Dictionary<string, SchedulePauseHistory>> change)
    {
        lock (_changing)
        {
            var copy = new Dictionary<string, SchedulePauseHistory>(_paused, StringComparer.Ordinal);
            change(copy);
            _paused = copy;
        }
    }
}
