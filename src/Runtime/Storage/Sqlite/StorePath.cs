namespace ApiRoutes.Storage;

/// <summary>
/// The file a configured store path names, found as the kernel finds it, so that the lock, SQLite and the start-up
/// warnings all take one file. .NET's full path folds <c>..</c> on paper (<c>data/link/../executions.db</c> is
/// <c>data/executions.db</c>), while the kernel, and SQLite, climb from the folder the link leads to: the lock was taken
/// beside one file and the database opened at another, so a second process on the same database took a lock of its
/// own. On Unix the path is walked a part at a time: a link is followed where it is met (its own links too, a chain
/// through other folders), <c>..</c> climbs from where the walk is, and every folder that holds a link met on the way is
/// told (whoever can write to it decides where the store is). A part that does not exist yet holds no link, and '..'
/// after it climbs on paper, as SQLite's own resolution of a name does: the store makes the folders that are missing.
/// </summary>
internal static class StorePath
{
    // Links followed in one walk at most, as Linux's own limit (MAXSYMLINKS, then ELOOP).
    private const int MaxLinks = 40;

    /// <summary>The configured path resolved, with the folders that hold a link met on the way (each by its resolved path, with the link's name).</summary>
    public sealed record Resolved(string File, IReadOnlyList<(string Folder, string Link)> LinkHolders);

    /// <summary>The file <paramref name="configured"/> names (relative to the working folder), every link on the way followed.</summary>
    /// <exception cref="IOException">The path names a folder, or a link on the way loops or cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">A folder on the way cannot be read.</exception>
    public static string OnDisk(string configured) => Resolve(configured).File;

    /// <inheritdoc cref="OnDisk"/>
    public static Resolved Resolve(string configured)
    {
        if (Path.GetFileName(Path.TrimEndingDirectorySeparator(configured)) is "" or "." or ".." || Path.EndsInDirectorySeparator(configured))
        {
            throw new IOException($"'{configured}' names a folder, not the store's file (such as /data/executions.db).");
        }

        if (OperatingSystem.IsWindows())
        {
            // Windows folds '..' on paper itself; the file's own link is followed as the lock follows it.
            return new Resolved(StoreLock.FileItself(Path.GetFullPath(configured)), []);
        }

        var holders = new List<(string, string)>();
        var links = 0;
        var file = Walk(Path.IsPathRooted(configured) ? "/" : Directory.GetCurrentDirectory(), configured, holders, ref links);
        return new Resolved(file, holders);
    }

    // From a folder with no link in its path, each part of the path in turn.
    private static string Walk(string from, string path, List<(string, string)> holders, ref int links)
    {
        var at = from;
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                at = Path.GetDirectoryName(at) ?? at;   // a folder with no link in its path: its parent on paper is its parent on disk; the root's is itself
                continue;
            }

            var next = Path.Join(at, part);
            var info = new FileInfo(next);
            if (info.LinkTarget is { } target)
            {
                if (++links > MaxLinks)
                {
                    throw new IOException($"'{path}' cannot be resolved: more than {MaxLinks} symbolic links on the way (a loop at '{next}'?).");
                }

                if (!holders.Contains((at, part)))
                {
                    holders.Add((at, part));
                }

                at = Walk(target.StartsWith('/') ? "/" : at, target, holders, ref links);
            }
            else
            {
                // There, or not yet: a part that is not there holds no link, and '..' after it climbs back on paper, as
                // SQLite's own resolution of the name climbs (the store makes the folders that are missing).
                at = next;
            }
        }

        return at;
    }
}
