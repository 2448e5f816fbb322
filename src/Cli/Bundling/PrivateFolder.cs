using System.Security.Cryptography;
using ApiRoutes.Bundling;

namespace ApiRoutes.Cli.Bundling;

/// <summary>
/// The folders <c>apiroutes serve</c> unpacks into: a new one each time, with a random name, that only the user can
/// enter (mode 0700), so nothing another process put there, earlier or meanwhile, is ever served.
/// </summary>
internal static class PrivateFolder
{
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>The mode of an unpacked bundle's folders once written: no one, the app included, adds or renames a file.</summary>
    public const UnixFileMode Sealed = UnixFileMode.UserRead | UnixFileMode.UserExecute;

    /// <summary>
    /// Makes <paramref name="folder"/> and every folder in it read-only (0500; the files are 0400 or 0500 already), so
    /// that the served app cannot add, replace or remove a file of its bundle by mistake (a handler writing into its
    /// content root). Its own user can make them writable again: against code that means to, the check at start-up and
    /// a user of its own per bundle are the defence. <see cref="TryDelete"/> makes them writable before removing them.
    /// </summary>
    public static void Seal(string folder) => SetFolderModes(folder, Sealed);

    // Links are never followed: none is in a verified folder, and a mode set through one would change its target.
    private static void SetFolderModes(string folder, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows() || new DirectoryInfo(folder) is not { Exists: true, LinkTarget: null })
        {
            return;
        }

        File.SetUnixFileMode(folder, mode | UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = false };
        foreach (var inner in Directory.EnumerateDirectories(folder, "*", options))
        {
            File.SetUnixFileMode(inner, mode);
        }

        File.SetUnixFileMode(folder, mode);
    }

    /// <summary>
    /// Makes a fresh, empty, owner-only folder under <paramref name="root"/> (see <see cref="CreateRoot"/>), at the
    /// root's real path, with its lock file (<see cref="BundleFolderLock"/>) taken before the folder is made.
    /// </summary>
    /// <exception cref="UnsafeFolderException">Another user could change the root or a folder above it.</exception>
    /// <exception cref="IOException">The new folder is not what was made: it existed, is a link or is not empty.</exception>
    public static (string Folder, BundleFolderLock Lock) CreateUnder(string root)
    {
        root = CreateRoot(root);
        var folder = Path.GetFullPath(Path.Combine(root, "bundle-" + RandomNumberGenerator.GetHexString(32, lowercase: true)));

        // CreateDirectory quietly accepts an existing folder, which would not be fresh.
        if (Path.Exists(folder))
        {
            throw new IOException($"'{folder}' already exists.");
        }

        var held = BundleFolderLock.Take(folder);
        try
        {
            Create(folder);
            var info = new DirectoryInfo(folder);
            if (info.LinkTarget is not null || info.EnumerateFileSystemInfos().Any())
            {
                throw new IOException($"'{folder}' was changed while it was made.");
            }

            // Create set 0700 after mkdir, whatever the umask; a mode that differs still is the file system's doing.
            if (!OperatingSystem.IsWindows() && info.UnixFileMode != OwnerOnly)
            {
                throw new IOException($"'{folder}' has mode {UnixFiles.Octal(info.UnixFileMode)} after it was set to 0700: the file system of '{root}' "
                    + "does not keep Unix modes (such as vfat, exFAT, or CIFS mounted with fixed modes) or adds permissions (a default ACL). "
                    + "Choose a --cache folder on a file system that keeps them.");
            }

            return (folder, held);
        }
        catch
        {
            // Nothing was at the path before this call (and only this user can add to the root): what is there, this call
            // made, and it goes with its lock file, so that a refusal leaves nothing behind.
            held.Release(folderRemoved: TryDelete(folder) is null);
            throw;
        }
    }

    /// <summary>
    /// Makes the folder that private folders go under, and any missing parents, owner-only; on Unix, only once the
    /// part of it that exists is a folder no other user can change (<see cref="TrustedFolder"/>), and the whole is
    /// checked again once made (another user may have made it first in a shared folder such as /tmp).
    /// </summary>
    /// <returns>The root's real path, to be used from then on.</returns>
    /// <exception cref="UnsafeFolderException">Another user could change the root or a folder above it.</exception>
    public static string CreateRoot(string root)
    {
        root = Path.GetFullPath(root);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(root);
            return root;
        }

        // Up to the path's depth; '/' always exists.
        var existing = root;
        while (!Directory.Exists(existing))
        {
            existing = Path.GetDirectoryName(existing) ?? throw new IOException($"No part of '{root}' exists.");
        }

        var real = TrustedFolder.Check(existing, isCacheRoot: existing == root);
        if (existing == root)
        {
            return real;
        }

        var made = Path.Join(real, Path.GetRelativePath(existing, root));
        Create(made);
        return TrustedFolder.Check(made, isCacheRoot: true);
    }

    /// <summary>
    /// Makes <paramref name="path"/> and any missing parents owner-only: mode 0700 set after each is made, as mkdir's mode
    /// passes through the umask (0277 would make 0500, a folder its owner cannot write to).
    /// </summary>
    public static void Create(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        var missing = new Stack<string>();
        for (var folder = Path.GetFullPath(path); !Directory.Exists(folder); folder = Path.GetDirectoryName(folder) ?? throw new IOException($"No part of '{path}' exists."))
        {
            missing.Push(folder);
        }

        foreach (var folder in missing)
        {
            Directory.CreateDirectory(folder, OwnerOnly);
            File.SetUnixFileMode(folder, OwnerOnly);
        }
    }

    /// <returns>Why the folder could not be removed, or null when it is gone.</returns>
    public static string? TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                SetFolderModes(folder, OwnerOnly);   // a sealed folder's entries cannot be removed
                Directory.Delete(folder, recursive: true);
            }

            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"'{folder}' could not be removed: {e.Message}";
        }
    }
}
