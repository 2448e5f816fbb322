namespace ApiRoutes;

/// <summary>
/// Makes a handler a scheduled route that runs on a cron schedule, in UTC. Standard 5-field crontab format
/// (<c>*/15 * * * *</c>) or one of <c>@yearly @monthly @weekly @daily @midnight @hourly</c>.
/// </summary>
/// <remarks>
/// The schedule may instead come from <c>apiroutes.yaml</c>; use the parameterless constructor then.
/// Schedules run at most once a minute, so 6-field (seconds) expressions are refused at build time.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class ScheduledRouteAttribute : Attribute
{
    /// <summary>Creates the attribute with the schedule set in <c>apiroutes.yaml</c>.</summary>
    public ScheduledRouteAttribute()
    {
    }

    /// <summary>Creates the attribute.</summary>
    /// <param name="schedule">The cron expression, in UTC, for example <c>@hourly</c> or <c>0 3 * * *</c>.</param>
    public ScheduledRouteAttribute(string schedule) => Schedule = schedule;

    /// <summary>The cron expression, or <see langword="null"/> when <c>apiroutes.yaml</c> sets it.</summary>
    public string? Schedule { get; }

    /// <summary>
    /// The time limit of one run in seconds, at most 900; <c>0</c> means the default (30 seconds).
    /// </summary>
    public int TimeLimitSeconds { get; set; }

    /// <summary>
    /// When occurrences were missed while no instance of the app was up, run <em>one</em> catch-up at start-up, with
    /// <c>"missed": true</c> beside <c>next_run</c> in the body. Off by default: missed occurrences are not replayed.
    /// Needs the execution store (the default), which remembers each schedule's last run.
    /// </summary>
    public bool CatchUp { get; set; }
}
