namespace ApiRoutes.Scheduling;

/// <summary>
/// A schedule's time zone: an IANA id (<c>Europe/Berlin</c>) as the operating system's time zone data knows it
/// (<see cref="TimeZoneInfo.FindSystemTimeZoneById"/>: tzdata on Linux, ICU on Windows). No zone means UTC.
/// </summary>
internal static class CronTimeZones
{
    /// <summary>Finds the zone; a problem says what to write instead. Never throws.</summary>
    public static (TimeZoneInfo? Zone, CronProblem? Problem) Find(string? id)
    {
        if (id is null)
        {
            return (TimeZoneInfo.Utc, null);
        }

        if (MachineDependent(id) is { } instead)
        {
            return (null, new CronProblem(CronError.UnknownTimeZone,
                $"'{CronText.Display(id)}' is not the same zone on every machine: {instead} Write an IANA id such as 'Europe/Berlin' (leave it out for UTC)."));
        }

        if (Spelling(id, ZoneDirectory()) is { } spelled && !string.Equals(spelled, id, StringComparison.Ordinal))
        {
            return (null, CaseProblem(id, spelled));
        }

        TimeZoneInfo zone;
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException or System.Security.SecurityException or IOException or UnauthorizedAccessException)
        {
            return (null, Unknown(id, e is InvalidTimeZoneException ? "its time zone data on this machine is corrupt" : null));
        }

        if (!zone.HasIanaId)
        {
            // A Windows id ("W. Europe Standard Time") names no rules outside Windows; say which IANA id it maps to.
            var hint = TimeZoneInfo.TryConvertWindowsIdToIanaId(zone.Id, out var iana) ? $"; write '{iana}'" : "";
            return (null, new CronProblem(CronError.UnknownTimeZone, $"'{CronText.Display(id)}' is a Windows time zone id, not an IANA id{hint}."));
        }

        if (!string.Equals(zone.Id, id, StringComparison.Ordinal))
        {
            // Found by another spelling (Windows: ICU); other machines may not find it.
            return (null, CaseProblem(id, zone.Id));
        }

        return (zone, null);
    }

    /// <summary>
    /// The id as the time zone database's files spell it, found segment by segment under <paramref name="root"/>
    /// whatever the case of each; the id itself where it is spelled so, or where the database is not a folder of files
    /// (Windows, a machine without tzdata) or has no such file (the lookup then says it is unknown). A case-insensitive file
    /// system (macOS, by default) opens 'europe/berlin' as Europe/Berlin's file, and .NET then gives the zone the id as
    /// written, and keeps it for the whole process under either spelling: the build accepted the id no Linux host knows,
    /// and then refused 'Europe/Berlin' in the same build as "write 'europe/berlin'" (review 43a F1). So no lookup is made
    /// with an id the files do not spell.
    /// </summary>
    internal static string? Spelling(string id, string? root)
    {
        if (root is null || id.Length > 255 || id.AsSpan().IndexOfAny("*?[]\\\0") >= 0)
        {
            return null;
        }

        try
        {
            var current = root;
            var spelled = new List<string>();
            var options = new EnumerationOptions { MatchCasing = MatchCasing.CaseInsensitive, MatchType = MatchType.Simple, IgnoreInaccessible = true };
            foreach (var segment in id.Split('/'))
            {
                if (segment is "" or "." or "..")
                {
                    return null;
                }

                var names = Directory.EnumerateFileSystemEntries(current, segment, options).Select(Path.GetFileName).Take(16).ToList();
                var name = names.FirstOrDefault(name => string.Equals(name, segment, StringComparison.Ordinal)) ?? names.FirstOrDefault();
                if (name is null)
                {
                    return null;
                }

                spelled.Add(name);
                current = Path.Combine(current, name);
            }

            return string.Join('/', spelled);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.SecurityException or ArgumentException)
        {
            return null;
        }
    }

    // Where .NET reads the zones on Linux and macOS; none on Windows (ICU).
    private static string? ZoneDirectory()
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        var root = Environment.GetEnvironmentVariable("TZDIR") is { Length: > 0 } configured ? configured : "/usr/share/zoneinfo/";
        return Directory.Exists(root) ? root : null;
    }

    private static CronProblem CaseProblem(string id, string spelled) =>
        new(CronError.UnknownTimeZone, $"Time zone ids are case-sensitive: write '{CronText.Display(spelled)}', not '{CronText.Display(id)}'.");

    // Files of the time zone database that are not zones of their own: the build would check the schedule in its
    // machine's zone and each host would run it in another.
    private static string? MachineDependent(string id) => id switch
    {
        "localtime" => "it is the zone the machine is set to.",
        "posixrules" => "it is the rules a POSIX TZ string falls back on, which the machine chooses.",
        "Factory" => "it is tzdata's placeholder for a machine whose zone was not set.",
        _ when id.StartsWith("posix/", StringComparison.Ordinal) || id.StartsWith("right/", StringComparison.Ordinal) =>
            "the 'posix/' and 'right/' copies of the database are installed on some machines only ('right/' counts leap seconds).",
        _ => null,
    };

    private static CronProblem Unknown(string id, string? reason)
    {
        if (reason is null && LegacyTimeZones.Missing(id) is { } legacy)
        {
            // Review 45c: 'US/Eastern' on a host without tzdata-legacy was told "Did you mean 'Pacific/Easter'?".
            return new CronProblem(CronError.UnknownTimeZone, legacy);
        }

        var known = Known();
        var close = known.FirstOrDefault(candidate => string.Equals(candidate, id, StringComparison.OrdinalIgnoreCase))
            ?? Closest(id, known);
        var hint = close is null ? "" : $" Did you mean '{close}'?";
        return new CronProblem(CronError.UnknownTimeZone,
            $"'{CronText.Display(id)}' is not a time zone {(reason is null ? "this machine knows" : $"that can be used: {reason}")}. Write an IANA id such as "
            + $"'Europe/Berlin' or 'America/New_York' (leave it out for UTC).{hint}");
    }

    private static IReadOnlyList<string> Known()
    {
        try
        {
            return TimeZoneInfo.GetSystemTimeZones().Where(zone => zone.HasIanaId).Select(zone => zone.Id).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.SecurityException)
        {
            return [];
        }
    }

    // The id whose last part ("Berlin") is nearest the last part written, when it is near enough to be a typo.
    private static string? Closest(string id, IReadOnlyList<string> known)
    {
        var city = id[(id.LastIndexOf('/') + 1)..];
        return known
            .Select(candidate => (candidate, distance: Distance(city, candidate[(candidate.LastIndexOf('/') + 1)..])))
            .Where(pair => pair.distance <= Math.Max(1, city.Length / 3))
            .OrderBy(pair => pair.distance).ThenBy(pair => pair.candidate, StringComparer.Ordinal)
            .Select(pair => pair.candidate)
            .FirstOrDefault();
    }

    private static int Distance(string a, string b)
    {
        if (Math.Abs(a.Length - b.Length) > 3 || a.Length > 64 || b.Length > 64)
        {
            return int.MaxValue;
        }

        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var diagonal = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var above = row[j];
                var same = char.ToUpperInvariant(a[i - 1]) == char.ToUpperInvariant(b[j - 1]);
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (same ? 0 : 1));
                diagonal = above;
            }
        }

        return row[b.Length];
    }
}
