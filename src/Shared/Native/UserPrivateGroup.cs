namespace ApiRoutes.Bundling;

/// <summary>
/// A user's own group, as "user private groups" make one for each user (Debian, Ubuntu, Fedora: the group of the user's
/// name, the user's primary group, with no one else in it). Its group bits give no one else access, as OpenSSH's
/// StrictModes grants in Debian's build. Read from <c>/etc/group</c> and <c>/etc/passwd</c>, the user found by id: a
/// group they may not hold whole is never taken as the user's own: a name service other than the files (LDAP, SSSD,
/// winbind; systemd's only without membership records), NIS's '+' lines, and gid 0, which containers give to users
/// the files do not list.
/// </summary>
internal static class UserPrivateGroup
{
    // An account database larger than this is not read (a line per account: millions of them).
    private const long MaxFileBytes = 16L << 20;

    private static readonly string[] FileSources = ["files", "compat", "systemd"];

    /// <summary>
    /// <paramref name="primaryGroup"/> when it is the group of the user with id <paramref name="user"/> alone: named as
    /// the user, listing no member but the user, and no other account's primary group. Null when it is not, or when that
    /// cannot be told.
    /// </summary>
    public static uint? Of(
        uint user, uint primaryGroup, string groupFile = "/etc/group", string accountFile = "/etc/passwd",
        string nameServices = "/etc/nsswitch.conf", IReadOnlyList<string>? membershipFolders = null)
    {
        if (primaryGroup == 0 || !OnlyFiles(nameServices, membershipFolders ?? ["/etc/userdb", "/run/userdb"])
            || Read(groupFile) is not { } groups || Read(accountFile) is not { } accounts)
        {
            return null;
        }

        var userId = user.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var own = accounts.Where(fields => fields.Length >= 4 && fields[2] == userId).Select(fields => fields[0]).Distinct(StringComparer.Ordinal).ToList();
        if (own is not [var name])
        {
            return null;
        }

        var entries = groups.Where(fields => fields.Length >= 4 && uint.TryParse(fields[2], out var id) && id == primaryGroup).ToList();
        var alone = entries.Count > 0 && entries.All(fields =>
            string.Equals(fields[0], name, StringComparison.Ordinal)
            && fields[3].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).All(member => string.Equals(member, name, StringComparison.Ordinal)));
        var othersPrimary = accounts.Any(fields =>
            fields.Length >= 4 && uint.TryParse(fields[3], out var id) && id == primaryGroup && fields[2] != userId);
        return alone && !othersPrimary ? primaryGroup : null;
    }

    /// <summary>
    /// The own group of this process's user (its effective ids); null when it has none, or where that cannot be told
    /// (a C library without the calls).
    /// </summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public static uint? OfThisProcess()
    {
        try
        {
            return Of(UnixFiles.CurrentUser, UnixFiles.CurrentGroup);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    // Whether accounts and groups come from the files alone: nsswitch.conf's passwd and group lines name no other
    // source, and systemd's (userdb) holds no membership records. No nsswitch.conf: the C library's default, the files.
    private static bool OnlyFiles(string nameServices, IReadOnlyList<string> membershipFolders)
    {
        try
        {
            if (File.Exists(nameServices))
            {
                if (new FileInfo(nameServices).Length > MaxFileBytes)
                {
                    return false;
                }

                foreach (var line in File.ReadAllLines(nameServices))
                {
                    var text = line.Split('#')[0].Trim();
                    if (!(text.StartsWith("passwd:", StringComparison.Ordinal) || text.StartsWith("group:", StringComparison.Ordinal)))
                    {
                        continue;
                    }

                    var sources = text[(text.IndexOf(':', StringComparison.Ordinal) + 1)..]
                        .Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).Where(source => !source.StartsWith('['));
                    if (sources.Any(source => !FileSources.Contains(source, StringComparer.Ordinal)))
                    {
                        return false;
                    }
                }
            }

            return !membershipFolders.Any(folder => Directory.Exists(folder) && Directory.EnumerateFiles(folder, "*.membership").Any());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    // The entries' fields; null for a file that cannot be read whole, or that takes entries from elsewhere ('+', '-').
    private static List<string[]>? Read(string path)
    {
        try
        {
            if (new FileInfo(path).Length > MaxFileBytes)
            {
                return null;
            }

            var lines = File.ReadAllLines(path).Where(line => line.Length > 0 && line[0] != '#').ToList();
            return lines.Any(line => line[0] is '+' or '-') ? null : lines.Select(line => line.Split(':')).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
