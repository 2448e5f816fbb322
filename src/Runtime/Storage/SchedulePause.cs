namespace ApiRoutes.Storage;

/// <summary>
/// A schedule paused from the dashboard: until <see cref="Until"/>, or until resumed when that is null. Kept in the
/// store, so that every replica skips its occurrences and a restart does not resume it.
/// </summary>
internal sealed record SchedulePause(string Route, DateTimeOffset? Until, DateTimeOffset PausedAt)
{
    /// <summary>Whether the schedule is still paused at <paramref name="now"/>.</summary>
    public bool HoldsAt(DateTimeOffset now) => Until is not { } until || now < until;

    /// <summary>Whether <paramref name="occurrence"/> came while it held: paused by then, and not yet ended.</summary>
    public bool Covers(DateTimeOffset occurrence) => PausedAt <= occurrence && HoldsAt(occurrence);

    /// <summary>
    /// Whether the run of <paramref name="occurrence"/> is skipped for it at <paramref name="now"/>: it holds now, or
    /// held when the occurrence came (a timed pause that ended while the scheduler was late, or no instance was up).
    /// </summary>
    public bool Skips(DateTimeOffset occurrence, DateTimeOffset now) => HoldsAt(now) || Covers(occurrence);

    /// <summary>How long it holds, as the logs and the occurrence records say it: "until 2026-…Z" or "until resumed".</summary>
    public static string Describe(DateTimeOffset? until) => until is { } end ? $"until {end:O}" : "until resumed";

    /// <summary>Why the run of <paramref name="occurrence"/> is skipped, as a refused trigger is answered.</summary>
    public static string Skipped(string route, DateTimeOffset? until, string occurrence) =>
        $"{route} is paused from the dashboard {Describe(until)}; the run of {occurrence} is skipped.";
}
