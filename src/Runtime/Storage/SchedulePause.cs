namespace ApiRoutes.Storage;

/// <summary>
/// A schedule paused from the dashboard: until <see cref="Until"/>, or until resumed when that is null. Kept in the
/// store, so that every replica skips its occurrences and a restart does not resume it.
/// </summary>
internal sealed record SchedulePause(string Route, DateTimeOffset? Until, DateTimeOffset PausedAt);
