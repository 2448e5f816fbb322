using System.Runtime.Versioning;
using ApiRoutes.Bundling;
using ApiRoutes.Text;

namespace ApiRoutes.Storage;

/// <summary>
/// Whether users other than the app's can read or change the SQLite store (event 4008): its database and write-ahead log
/// hold the body and headers of every accepted request, and what is written in them runs as the app; the shared-memory
/// index, changed by another user, corrupts what is read; whoever can open the lock file can hold it and keep the app
/// from starting; whoever can write to the folder can put a write-ahead log of their own beside the database between
/// two runs (SQLite replays one it finds), whatever the sticky bit says of renaming. The store makes its own files
/// 0600 and leaves the mode of files it finds alone, as an operator may have chosen it: a store made before (0644
/// under the usual umask), or put in a shared folder, is told of.
/// <para>
/// Someone else is a user other than the app's and root: the owner when another, the group unless it is the user's
/// own (<see cref="UserPrivateGroup"/>), others. Only what someone else can reach counts: every folder from the root
/// down to the store's must let someone else search it (x), so a store below a home folder of 0700 is the owner's,
/// whatever its files' modes. Owners and groups are read on Linux (<c>statx(2)</c>); elsewhere the modes alone tell.
/// </para>
/// </summary>
[UnsupportedOSPlatform("windows")]
internal static class SqliteStoreAccess
{
    // File systems whose modes come from how they are mounted (Windows drives under WSL, SMB, FAT): chmod changes
    // nothing there, and a warning would come back at every start.
    private static readonly HashSet<string> ModesNotKept = new(StringComparer.OrdinalIgnoreCase)
    {
        "9p", "drvfs", "cifs", "smb3", "smbfs", "vfat", "msdos", "exfat", "fuseblk", "ntfs", "ntfs3",
    };

    /// <summary>The app's user: its id, and its own group (<see cref="UserPrivateGroup"/>) if it has one.</summary>
    internal readonly record struct User(uint Id, uint? OwnGroup)
    {
        public static User Current() => new(UnixFiles.CurrentUser, UserPrivateGroup.OfThisProcess());

        // Root, and the user, are not someone else: root can read anything anyway.
        public bool IsSomeoneElse(uint? owner) => owner is { } other && other != Id && other != 0;

        // Users other than the owner may do what these bits of the mode grant (UnixFiles.OthersMay).
        public bool LetsOthers(string path, UnixFileMode mode, uint? group, UnixFileMode groupBits, UnixFileMode otherBits) =>
            UnixFiles.OthersMay(path, mode, group, OwnGroup, groupBits, otherBits);
    }

    /// <summary>
    /// What of the store (its file as the store opened it, every link resolved) someone else can read or change, with the
    /// way to close it; null when nothing is, or when that cannot be told. A folder that holds a link met on the way to it
    /// (the store's file, a folder above it, or a link those lead through) decides where the store is, and whoever can
    /// write to that folder can point the link at a database of their own.
    /// </summary>
    public static (string Found, string Remedy)? OpenToOthers(StorePath.Resolved resolved, User user)
    {
        var store = resolved.File;
        if (Path.GetDirectoryName(store) is not { } folder)
        {
            return null;
        }

        // The store's own folder and files, where someone else can reach them and their modes are their own (a file
        // system that takes them from how it is mounted has none to change); the links on the way to it, wherever it is.
        var checkStore = !ModesNotKeptOn(folder) && Reachable(folder, user);
        var found = new List<string>();
        var chmod = new List<string>();
        var foreign = false;
        foreach (var file in checkStore ? [store, store + "-wal", store + "-shm", store + ".lock"] : Array.Empty<string>())
        {
            if (StatusOf(file) is not var (owner, group, mode))
            {
                continue;
            }

            var open = user.LetsOthers(file, mode, group, UnixFileMode.GroupRead | UnixFileMode.GroupWrite, UnixFileMode.OtherRead | UnixFileMode.OtherWrite);
            if (user.IsSomeoneElse(owner))
            {
                found.Add($"{Path.GetFileName(file)} {UnixFiles.Octal(mode)} of user {owner}");
                foreign = true;
            }
            else if (open)
            {
                found.Add($"{Path.GetFileName(file)} {UnixFiles.Octal(mode)}");
                chmod.Add(ShellWords.Quote(file));
            }
        }

        var closeFolders = new List<string>();
        // The store's own folder (checked as such), then those holding a link, other than it.
        var linkHolders = resolved.LinkHolders.Where(holder => holder.Folder != folder).Select(static holder => (holder.Folder, (string?)holder.Link));
        foreach (var (at, link) in checkStore ? linkHolders.Prepend((folder, null)) : linkHolders)
        {
            if (StatusOf(at) is not var (folderOwner, folderGroup, folderMode) || link is not null && (!Reachable(at, user) || ModesNotKeptOn(at)))
            {
                continue;
            }

            var holding = link is null ? "" : $" (holding the link {link})";
            var writable = user.LetsOthers(at, folderMode, folderGroup, UnixFileMode.GroupWrite, UnixFileMode.OtherWrite);

            // In a sticky folder only an entry's owner may replace it: a link of the app's user (or root's) stays put.
            var linkKept = link is not null && folderMode.HasFlag(UnixFileMode.StickyBit) && StatusOf(Path.Join(at, link)) is var (linkOwner, _, _) && !user.IsSomeoneElse(linkOwner);
            if (user.IsSomeoneElse(folderOwner))
            {
                found.Add($"folder {at} {UnixFiles.Octal(folderMode)} of user {folderOwner}{holding}");
                foreign = true;
            }
            else if (writable && !linkKept)
            {
                found.Add($"folder {at} {UnixFiles.Octal(folderMode)}{holding}");
                if (folderOwner == user.Id && !folderMode.HasFlag(UnixFileMode.StickyBit))
                {
                    closeFolders.Add(ShellWords.Quote(at));
                }
                else
                {
                    foreign = true;   // a shared folder (/tmp), or root's, is not the app's to close
                }
            }
        }

        if (found.Count == 0)
        {
            return null;
        }

        var remedy = new List<string>();
        if (chmod.Count > 0)
        {
            remedy.Add($"chmod 600 {string.Join(' ', chmod)}");
        }

        if (closeFolders.Count > 0)
        {
            remedy.Add($"chmod go-w {string.Join(' ', closeFolders)}");
        }

        remedy.Add(foreign
            ? "set ApiRoutes:Store:Path to a file in a folder of this user's own (one the user does not share)"
            : "or set ApiRoutes:Store:Path to a file in a folder of this user's own");
        return (string.Join(", ", found), string.Join("; ", remedy));
    }

    // Someone else can search every folder from the root down to this one: others may, its group unless it is the
    // user's own, its owner if another. A member of an upper folder's group is one of the others below: either class
    // passes, as the warning errs towards being given. A folder that cannot be examined counts as searchable.
    private static bool Reachable(string folder, User user)
    {
        for (var at = folder; at is not null; at = Path.GetDirectoryName(at))   // shorter at each step, to the root
        {
            if (StatusOf(at) is var (owner, group, mode)
                && !user.LetsOthers(at, mode, group, UnixFileMode.GroupExecute, UnixFileMode.OtherExecute)
                && !user.IsSomeoneElse(owner))
            {
                return false;
            }
        }

        return true;
    }

    private static bool ModesNotKeptOn(string folder)
    {
        try
        {
            return ModesNotKept.Contains(new DriveInfo(folder).DriveFormat);
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static (uint? Owner, uint? Group, UnixFileMode Mode)? StatusOf(string path)
    {
        try
        {
            return Path.Exists(path) ? UnixFiles.Status(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

}
