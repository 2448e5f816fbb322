using System.Collections.Concurrent;

namespace ApiRoutes.Dashboard;

/// <summary>
/// Schedules paused from the dashboard: the scheduler skips their occurrences until resumed, or until the time they
/// were paused until (on the injected clock), after which they run again by themselves. Kept in this process's memory.
/// </summary>
internal sealed class SchedulePauses(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _paused = new(StringComparer.Ordinal);

    public bool IsPaused(string route) => _paused.TryGetValue(route, out var until) && time.GetUtcNow() < until;

    /// <summary>When a timed pause ends; null when the schedule is not paused, or paused until resumed.</summary>
    public DateTimeOffset? Until(string route) =>
        _paused.TryGetValue(route, out var until) && time.GetUtcNow() < until && until != DateTimeOffset.MaxValue ? until : null;

    /// <summary>Pauses the schedule until resumed, or until <paramref name="until"/>.</summary>
    public void Pause(string route, DateTimeOffset? until = null) => _paused[route] = until ?? DateTimeOffset.MaxValue;

    public void Resume(string route) => _paused.TryRemove(route, out _);
}
