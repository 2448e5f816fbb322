using System.Collections.Concurrent;

namespace ApiRoutes;

/// <summary>
/// The occurrence each schedule of the in-process scheduler waits for, as the scheduler last said: one it has not
/// dealt with long after its time means the scheduler is stuck (<see cref="SchedulerHealthCheck"/>).
/// </summary>
internal sealed class ScheduleHeartbeat
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _due = new(StringComparer.Ordinal);

    public IReadOnlyCollection<KeyValuePair<string, DateTimeOffset>> Due => [.. _due];

    /// <summary>The schedule waits for <paramref name="occurrence"/> now (the one before it is dealt with).</summary>
    public void Waiting(string route, DateTimeOffset occurrence) => _due[route] = occurrence;

    /// <summary>The schedule has no more occurrences, or its loop ended.</summary>
    public void Ended(string route) => _due.TryRemove(route, out _);
}
