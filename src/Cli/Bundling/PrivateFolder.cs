using System.Security.Cryptography;

namespace ApiRoutes.Cli.Bundling;

/// <summary>
/// The folders <c>apiroutes serve</c> unpacks into: a new one each time, with a random name, that only the user can
/// enter (mode 0700), so nothing another process put there, earlier or meanwhile, is ever served.
/// </summary>
internal static class PrivateFolder
{
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

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
            if (info.LinkTarget is not null || info.EnumerateFileSystemInfos().Any()
                || (!OperatingSystem.IsWindows() && info.UnixFileMode != OwnerOnly))
            {
                throw new IOException($"'{folder}' was changed while it was made.");
            }

            return (folder, held);
        }
        catch
        {
            held.Dispose();
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
        Directory.CreateDirectory(made, OwnerOnly);
        return TrustedFolder.Check(made, isCacheRoot: true);
    }

    /// <summary>Makes <paramref name="path"/> (inside a private folder) and any missing parents, owner-only.</summary>
    public static void Create(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, OwnerOnly);
        }
    }

    /// <returns>Why the folder could not be removed, or null when it is gone.</returns>
    public static string? TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
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
