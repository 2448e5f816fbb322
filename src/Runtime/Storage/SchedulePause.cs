namespace ApiRoutes.Storage;

/// <summary>
/// A schedule paused from the dashboard: until <see cref="Until"/>, or until resumed when that is null. Kept in the
/// store, so that every replica skips its occurrences and a restart does not resume it. <see cref="Superseded"/>: a
/// pause a later one replaced, kept as the record of what came while it held; it holds no more, whatever the clock says.
/// </summary>
internal sealed record SchedulePause(string Route, DateTimeOffset? Until, DateTimeOffset PausedAt, bool Superseded = false)
{
    /// <summary>Whether the schedule is still paused at <paramref name="now"/>.</summary>
    public bool HoldsAt(DateTimeOffset now) => Until is not { } until || now < until;

    /// <summary>Whether <paramref name="occurrence"/> came while it held: paused by then, and not yet ended.</summary>
    public bool Covers(DateTimeOffset occurrence) => PausedAt <= occurrence && HoldsAt(occurrence);

    /// <summary>
    /// The record a store keeps of it once a pause of another start replaces it as the schedule's latest (superseded): as
    /// it was when it had ended by that start, else ended then (two replicas paused it at once).
    /// </summary>
    public SchedulePause EndedBy(DateTimeOffset next) =>
        this with { Until = Until is { } until && until <= next ? until : next, Superseded = true };

    /// <summary>It, ended at <paramref name="at"/> at the latest (resumed then).</summary>
    public SchedulePause EndedAt(DateTimeOffset at) => Until is { } until && until <= at ? this : this with { Until = at };

    /// <summary>How long it holds, as the logs and the occurrence records say it: "until 2026-…Z" or "until resumed".</summary>
    public static string Describe(DateTimeOffset? until) => until is { } end ? $"until {end:O}" : "until resumed";

    /// <summary>Why the run of <paramref name="occurrence"/> is skipped, as a refused trigger is answered.</summary>
    public static string Skipped(string route, DateTimeOffset? until, string occurrence) =>
        $"{route} is paused from the dashboard {Describe(until)}; the run of {occurrence} is skipped.";
}

/// <summary>
/// The pauses of one schedule the store keeps: its latest, holding or ended, and the earlier ones that ended, each the
/// record of what came while it held (review 31c F1: one pause per schedule, and a pause after one that had ended replaced
/// its record, so that what the first had paused was counted missed at the next start).
/// </summary>
internal sealed class SchedulePauseHistory(IReadOnlyList<SchedulePause> pauses)
{
    /// <summary>No pause.</summary>
    public static SchedulePauseHistory None { get; } = new([]);

    /// <summary>Every pause kept, in no order.</summary>
    public IReadOnlyList<SchedulePause> Pauses => pauses;

    /// <summary>The latest pause, holding or ended: the one not superseded; null when none is kept.</summary>
    public SchedulePause? Latest => pauses.Where(pause => !pause.Superseded).MaxBy(pause => pause.PausedAt);

    /// <summary>
    /// The pause holding at <paramref name="now"/>: the latest, when it holds; never one superseded, even with an end
    /// ahead of the clock (a pause stamped by a clock that was ahead: review 32c F3, it could not be resumed).
    /// </summary>
    public SchedulePause? HoldingAt(DateTimeOffset now) => Latest is { } latest && latest.HoldsAt(now) ? latest : null;

    /// <summary>Whether any of them holds at <paramref name="now"/> or after: one a resume then ends (<see cref="SchedulePause.EndedAt"/>).</summary>
    public bool HoldsAfter(DateTimeOffset now) => pauses.Any(pause => pause.Until is not { } until || until > now);

    /// <summary>The pauses once all are resumed at <paramref name="at"/>, as the store ends them (<see cref="IExecutionStore.EndPausesAsync"/>).</summary>
    public SchedulePauseHistory EndedAt(DateTimeOffset at) => new([.. pauses.Select(pause => pause.EndedAt(at))]);

    /// <summary>
    /// The pauses once <paramref name="pause"/> is set as the store sets it (<see cref="IExecutionStore.SetPauseAsync"/>):
    /// the latest, when of another start, kept as superseded (<see cref="SchedulePause.EndedBy"/>).
    /// </summary>
    public SchedulePauseHistory With(SchedulePause pause) => new(
    [
        .. pauses.Where(kept => kept.Superseded && kept.PausedAt != pause.PausedAt),
        .. Latest is { } latest && latest.PausedAt != pause.PausedAt ? [latest.EndedBy(pause.PausedAt)] : Array.Empty<SchedulePause>(),
        pause with { Superseded = false },
    ]);

    /// <summary>The pause that held when <paramref name="occurrence"/> came (<see cref="SchedulePause.Covers"/>), or null.</summary>
    public SchedulePause? Covering(DateTimeOffset occurrence) => pauses.FirstOrDefault(pause => pause.Covers(occurrence));

    /// <summary>Whether a pause held when <paramref name="occurrence"/> came.</summary>
    public bool Covers(DateTimeOffset occurrence) => Covering(occurrence) is not null;

    /// <summary>
    /// The pause the run of <paramref name="occurrence"/> is skipped for at <paramref name="now"/>: the one holding now,
    /// else the one that held when it came (a timed pause that ended while the scheduler was late, or no instance was
    /// up); null when none does.
    /// </summary>
    public SchedulePause? Skipping(DateTimeOffset occurrence, DateTimeOffset now) => HoldingAt(now) ?? Covering(occurrence);
}
