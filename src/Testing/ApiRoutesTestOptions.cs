namespace ApiRoutes.Testing;

/// <summary>How <see cref="ApiRoutesTestApp"/> runs the app.</summary>
public sealed class ApiRoutesTestOptions
{
    /// <summary>The default start of the test clock: a fixed instant, so that every run of a test sees the same times.</summary>
    public static readonly DateTimeOffset DefaultStart = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Where the app's clock starts. Default <see cref="DefaultStart"/> (2026-01-01T00:00:00Z).</summary>
    public DateTimeOffset Start { get; set; } = DefaultStart;

    /// <summary>
    /// Run schedules on the test clock (<c>ApiRoutes:Scheduling:Enabled</c>), also in Development, where
    /// WebApplicationFactory starts the app. Default true.
    /// </summary>
    public bool RunSchedules { get; set; } = true;

    /// <summary>
    /// How long, in real time, the app may take to come to rest at one instant of the test clock (every run started,
    /// finished or waiting on the clock) before the test fails saying what still runs. Default 30 seconds.
    /// </summary>
    public TimeSpan Patience { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How far the clock may be moved to bring one execution to its end (its retries, its handler's own delays)
    /// before the test fails. Default 1 day.
    /// </summary>
    public TimeSpan MaxClockAdvance { get; set; } = TimeSpan.FromDays(1);
}
