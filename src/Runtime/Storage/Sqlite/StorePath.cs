namespace ApiRoutes.Storage;

/// <summary>
/// The file a configured store path names, found as the kernel finds it, so that the lock, SQLite and the start-up
/// warnings all take one file. .NET's full path folds <c>..</c> on paper (<c>data/link/../executions.db</c> is
/// <c>data/executions.db</c>), while the kernel, and SQLite, climb from the folder the link leads to: the lock was taken
/// beside one file and the database opened at another, so a second process on the same database took a lock of its
/// own. On Unix the path is walked a part at a time: a link is followed where it is met (its own links too, a chain
/// through other folders), <c>..</c> climbs from where the walk is, and every folder that holds a link met on the way is
/// told (whoever can write to it decides where the store is).
/// <para>
/// A part of the configured path that does not exist yet holds no link, and <c>..</c> after it climbs on paper, as
/// SQLite's own resolution of a name does: the store makes the folders that are missing. A link whose target is not
/// there is refused, unless it names the store's file itself in a folder that is (the store makes that file): a folder
/// made where a link leads would be made on the disk under a volume not mounted yet, and an empty store opened there.
/// </para>
/// </summary>
internal static class StorePath
{
    // Links followed in one walk at most, as Linux's own limit (MAXSYMLINKS, then ELOOP).
    private const int MaxLinks = 40;

    /// <summary>The configured path resolved, with the folders that hold a link met on the way (each by its resolved path, with the link's name).</summary>
    public sealed record Resolved(string File, IReadOnlyList<(string Folder, string Link)> LinkHolders);

    /// <summary>The file <paramref name="configured"/> names (relative to the working folder), every link on the way followed.</summary>
    /// <exception cref="IOException">
    /// The path names a folder; a link on the way loops, leads nowhere, or has a name that is not UTF-8 (as has the
    /// working folder); or a part of it cannot be read.
    /// </exception>
    /// <exception cref="ArgumentException">The path holds a NUL character.</exception>
    public static string OnDisk(string configured) => Resolve(configured).File;

    /// <inheritdoc cref="OnDisk"/>
    public static Resolved Resolve(string configured) => Resolve(configured, workingFolder: null);

    /// <summary>As <see cref="Resolve(string)"/>, a relative path taken from <paramref name="workingFolder"/> (the process's, when null).</summary>
    internal static Resolved Resolve(string configured, string? workingFolder)
    {
        if (Path.GetFileName(Path.TrimEndingDirectorySeparator(configured)) is "" or "." or ".." || Path.EndsInDirectorySeparator(configured))
        {
            throw NamesAFolder(configured);
        }

        if (OperatingSystem.IsWindows())
        {
            // Windows folds '..' on paper itself; the file's own link is followed (a second name of one file takes one lock).
            return new Resolved(FileItself(Path.GetFullPath(configured)), []);
        }

        var walk = new Walk(configured);
        var from = Path.IsPathRooted(configured) ? "/" : walk.Decoded(workingFolder ?? Directory.GetCurrentDirectory(), "the working folder");
        var file = walk.From(from, configured, final: true);

        // The file itself is a folder (a link to one, to '/'): the lock and the database would be made beside it.
        if (Path.GetDirectoryName(file) is null || Directory.Exists(file))
        {
            throw NamesAFolder(configured);
        }

        return new Resolved(file, walk.Holders);
    }

    // The file a link leads to (a chain followed to its end); a broken or looping link is left as named, for the open to refuse.
    private static string FileItself(string path)
    {
        try
        {
            return new FileInfo(path) is { LinkTarget: not null } link ? link.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path : path;
        }
        catch (IOException)
        {
            return path;
        }
    }

    private static IOException NamesAFolder(string configured) =>
        new($"'{configured}' names a folder, not the store's file (such as /data/executions.db).");

    private sealed class Walk(string configured)
    {
        private int _links;

        public List<(string Folder, string Link)> Holders { get; } = [];

        // From a folder with no link in its path, each part of the path in turn; final when what the path names is the
        // store's file itself (the configured path, or the target of a link that is its last part).
        public string From(string from, string path, bool final, bool inTarget = false)
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
                var last = final && parts[(i + 1)..].All(static rest => rest == ".");
                var info = new FileInfo(next);
                if (info.LinkTarget is { } target)
                {
                    if (++_links > MaxLinks)
                    {
                        throw new IOException($"'{configured}' cannot be resolved: more than {MaxLinks} symbolic links on the way (a loop at '{next}'?).");
                    }

                    if (!Holders.Contains((at, part)))
                    {
                        Holders.Add((at, part));
                    }

                    at = From(target.StartsWith('/') ? "/" : at, Decoded(target, $"the target of the link '{next}'"), last, inTarget: true);
                }
                else if (inTarget && !last && !info.Exists && !Directory.Exists(next))
                {
                    throw new IOException($"'{configured}' cannot be resolved: a link on the way leads to '{next}', which is not there (a volume not mounted?). "
                        + "The store makes no folder where a link leads.");
                }
                else
                {
                    // There, or a part of the configured path not made yet: it holds no link, and the store makes it.
                    at = next;
                }
            }

            return at;
        }

        // A name read from the file system (a link's target, the working folder): bytes that are not UTF-8 come back as
        // U+FFFD, a name that leads elsewhere (and two such names to one) rather than to the folder that is there.
        public string Decoded(string name, string what) => name.Contains('\uFFFD', StringComparison.Ordinal)
            ? throw new IOException($"'{configured}' cannot be resolved: {what} has a name that is not UTF-8 ('{name}'). Use folders and links whose names are.")
            : name;
    }
}
