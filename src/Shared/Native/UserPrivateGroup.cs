namespace ApiRoutes.Bundling;

/// <summary>
/// A user's own group, as "user private groups" make one for each user (Debian, Ubuntu, Fedora: the group of the user's
/// name, the user's primary group, with no one else in it). Its group bits give no one else access, as OpenSSH's
/// StrictModes grants in Debian's build. Read from <c>/etc/group</c> and <c>/etc/passwd</c>: a group they do not hold
/// whole (a directory service, NIS's '+' lines) is not taken as the user's own.
/// </summary>
internal static class UserPrivateGroup
{
    // An account database larger than this is not read (a line per account: millions of them).
    private const long MaxFileBytes = 16L << 20;

    /// <summary>
    /// <paramref name="primaryGroup"/> when it is <paramref name="user"/>'s alone: named as the user, listing no member but
    /// the user, and no other account's primary group. Null when it is not, or when that cannot be told.
    /// </summary>
    public static uint? Of(string user, uint primaryGroup, string groupFile = "/etc/group", string accountFile = "/etc/passwd")
    {
        if (Read(groupFile) is not { } groups || Read(accountFile) is not { } accounts)
        {
            return null;
        }

        var entries = groups.Where(fields => fields.Length >= 4 && uint.TryParse(fields[2], out var id) && id == primaryGroup).ToList();
        var alone = entries.Count > 0 && entries.All(fields =>
            string.Equals(fields[0], user, StringComparison.Ordinal)
            && fields[3].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).All(member => string.Equals(member, user, StringComparison.Ordinal)));
        var othersPrimary = accounts.Any(fields =>
            fields.Length >= 4 && uint.TryParse(fields[3], out var id) && id == primaryGroup && !string.Equals(fields[0], user, StringComparison.Ordinal));
        return alone && !othersPrimary ? primaryGroup : null;
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
