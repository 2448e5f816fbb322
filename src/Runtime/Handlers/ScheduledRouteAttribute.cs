namespace ApiRoutes;

/// <summary>
/// Makes a handler a scheduled route that runs on a cron schedule, in UTC unless <see cref="TimeZone"/> says
/// otherwise. Crontab's format, run as Debian's cron runs it: 5 fields (<c>*/15 * * * *</c>) or one of
/// <c>@yearly @monthly @weekly @daily @midnight @hourly</c>.
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
    /// <param name="schedule">The cron expression, for example <c>@hourly</c> or <c>0 3 * * *</c>.</param>
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

    /// <summary>
    /// The IANA time zone the schedule's times are in, such as <c>Europe/Berlin</c>; <see langword="null"/> (the
    /// default) for UTC. Across daylight-saving changes the schedule runs as crontab runs it: a job at a fixed time
    /// whose time is skipped runs at the change, and runs once when its time is repeated. An unknown zone is a build
    /// error (AR4010). <c>apiroutes.yaml</c>'s <c>timeZone</c> overrides it.
    /// </summary>
    public string? TimeZone { get; set; }
}
