using System.Collections.Concurrent;

namespace ApiRoutes.Dashboard;

/// <summary>Schedules paused from the development dashboard: the scheduler skips their occurrences until resumed.</summary>
internal sealed class SchedulePauses
{
    private readonly ConcurrentDictionary<string, bool> _paused = new(StringComparer.Ordinal);

    public bool IsPaused(string route) => _paused.ContainsKey(route);

    public void Pause(string route) => _paused[route] = true;

    public void Resume(string route) => _paused.TryRemove(route, out _);
}
