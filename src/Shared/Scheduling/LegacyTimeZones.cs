namespace ApiRoutes.Scheduling;

/// <summary>
/// The time zone names the tz database keeps only for backward compatibility (<c>US/Eastern</c>, <c>Asia/Calcutta</c>,
/// <c>CET</c>): links of its <c>backward</c> file that no country's list (<c>zone.tab</c>, <c>zone1970.tab</c>) names.
/// They work where a machine has them, but newer distributions ship them apart (Debian's and Ubuntu's
/// <c>tzdata-legacy</c>), so the host that runs the app may not (review 43a F5). The table is written by
/// <c>eng/legacy-time-zones.py</c>.
/// </summary>
internal static partial class LegacyTimeZones
{
    /// <summary>The current id a legacy name links to, or null for any other id.</summary>
    public static string? CurrentId(string? id) => id is not null && Names.TryGetValue(id, out var current) ? current : null;

    /// <summary>The names in the table, with the id each links to.</summary>
    internal static IReadOnlyDictionary<string, string> All => Names;

    /// <summary>What the build says of a schedule in a legacy zone (AR4103), or null.</summary>
    public static string? Warning(string? id) => CurrentId(id) is not { } current
        ? null
        : $"'{CronText.Display(id!)}' is a legacy name of the time zone database (a link to '{current}', kept for backward compatibility): "
            + "newer Linux distributions ship such names apart (Debian's and Ubuntu's tzdata-legacy package), and an app whose host does not have "
            + $"it stops at start-up. Write '{current}'{(current is "Etc/UTC" or "Etc/GMT" ? ", or leave the time zone out for UTC" : "")}; it runs on the same clock.";
}
