using System.Runtime.Versioning;
using ApiRoutes.Bundling;

namespace ApiRoutes.Cli.Bundling;

/// <summary>
/// Whether a folder can be changed only by the current user (and root), as ssh's StrictModes asks of a home folder (and,
/// as Debian's build of it grants, a folder writable by the user's own group is the user's: <see cref="UserPrivateGroup"/>,
/// so that a home made with umask 002 on Ubuntu, whose ~/.local is 0775, is not refused).
/// Whoever may write to a folder may rename what it holds: another user who could write to the cache folder, or to
/// any folder above it, could move the verified private folder aside and put their own in its place before
/// <c>dotnet</c> loads it. Owners and modes are read, not tried, so the answer is the same for root.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal static class TrustedFolder
{
    // The user's own group, read once: the account files do not change under a running command.
    private static readonly Lazy<uint?> UsersOwnGroup = new(UserPrivateGroup.OfThisProcess);

    /// <summary>
    /// Checks the existing folder <paramref name="path"/> where its symbolic links lead, and every folder above it.
    /// The folders above must belong to the user or root and, if others may write to them, have the sticky bit
    /// (as /tmp has: only an entry's owner may then rename it). The cache folder itself (<paramref name="isCacheRoot"/>)
    /// must belong to the user, and no one else may write to it.
    /// </summary>
    /// <returns>The real path, to be used from then on: a link that is changed later changes nothing.</returns>
    /// <exception cref="UnsafeFolderException">Another user could change the folder or one above it.</exception>
    /// <exception cref="IOException">The folder cannot be resolved or examined.</exception>
    public static string Check(string path, bool isCacheRoot) => Check(path, isCacheRoot, UsersOwnGroup.Value);

    /// <summary>As <see cref="Check(string, bool)"/>, with the user's own group given (null: none; every group is shared).</summary>
    internal static string Check(string path, bool isCacheRoot, uint? ownGroup)
    {
        var real = RealPaths.Of(path);
        var user = UnixFiles.CurrentUser;
        for (var above = Path.GetDirectoryName(real); above is not null; above = Path.GetDirectoryName(above))
        {
            CheckAbove(above, user, ownGroup);
        }

        if (!isCacheRoot)
        {
            CheckAbove(real, user, ownGroup);
            return real;
        }

        var (owner, group, mode) = UnixFiles.Status(real);
        if (owner is { } other && other != user)
        {
            throw new UnsafeFolderException($"'{real}' is owned by user {other}, not you (user {user}), so that user could replace what it holds.");
        }

        if (WritableByOthers(real, mode, group, ownGroup))
        {
            throw new UnsafeFolderException($"'{real}' is writable by users other than its owner (mode {UnixFiles.Octal(mode)}), so they could replace what it holds.");
        }

        return real;
    }

    private static void CheckAbove(string folder, uint user, uint? ownGroup)
    {
        var (owner, group, mode) = UnixFiles.Status(folder);
        if (owner is { } other && other != user && other != 0)
        {
            throw new UnsafeFolderException($"'{folder}' is owned by user {other}, neither you (user {user}) nor root, so that user could replace what it holds.");
        }

        if (WritableByOthers(folder, mode, group, ownGroup) && (mode & UnixFileMode.StickyBit) == 0)
        {
            throw new UnsafeFolderException($"'{folder}' is writable by users other than its owner (mode {UnixFiles.Octal(mode)}) and has no sticky bit, so they could replace what it holds.");
        }
    }

    private static bool WritableByOthers(string folder, UnixFileMode mode, uint? group, uint? ownGroup) =>
        UnixFiles.OthersMay(folder, mode, group, ownGroup, UnixFileMode.GroupWrite, UnixFileMode.OtherWrite);
}
