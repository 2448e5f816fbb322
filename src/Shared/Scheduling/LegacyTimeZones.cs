namespace ApiRoutes.Scheduling;

/// <summary>
/// The time zone names the tz database keeps only for backward compatibility (<c>US/Eastern</c>, <c>Asia/Calcutta</c>,
/// <c>CET</c>): links of its <c>backward</c> file that no country's list (<c>zone.tab</c>, <c>zone1970.tab</c>) names.
/// They work where a machine has them, but newer distributions ship them apart (Debian's and Ubuntu's
/// <c>tzdata-legacy</c>), so the host that runs the app may not (review 43a F5). The table, with the current name of each
/// one's place (the tz database's own label where it has one: Iceland is Atlantic/Reykjavik, whose rules are Africa/Abidjan's
/// today: review 45c), is written by <c>eng/legacy-time-zones.py</c>.
/// </summary>
internal static partial class LegacyTimeZones
{
    /// <summary>The current name of a legacy name's place, or null for any other id.</summary>
    public static string? CurrentId(string? id) => id is not null && Names.TryGetValue(id, out var current) ? current : null;

    /// <summary>The names in the table, with the current name of each one's place.</summary>
    internal static IReadOnlyDictionary<string, string> All => Names;

    /// <summary>What the build says of a schedule in a legacy zone this machine has (AR4103), or null.</summary>
    public static string? Warning(string? id) => CurrentId(id) is not { } current
        ? null
        : $"'{CronText.Display(id!)}' is a legacy name of the time zone database, kept for backward compatibility (the place's current name "
            + $"is '{current}'): newer Linux distributions ship such names apart (Debian's and Ubuntu's tzdata-legacy package), and an app whose host "
            + $"does not have it stops at start-up. Write '{current}'{OrUtc(current)}; it runs on the same clock.";

    /// <summary>What is said of a legacy name this machine's time zone data does not have (AR4010), or null.</summary>
    public static string? Missing(string id) => CurrentId(id) is not { } current
        ? null
        : $"'{CronText.Display(id)}' is a legacy name of the time zone database that this machine's time zone data does not have (newer Linux "
            + $"distributions ship such names apart, in the tzdata-legacy package of Debian and Ubuntu). Write '{current}', the place's current "
            + $"name{OrUtc(current)}.";

    private static string OrUtc(string current) => current is "Etc/UTC" or "Etc/GMT" ? ", or leave the time zone out for UTC" : "";
}
