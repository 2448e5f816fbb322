using System.Security.Cryptography;

namespace ApiRoutes.Cli.Bundling;

/// <summary>
/// The folders <c>apiroutes serve</c> unpacks into: a new one each time, with a random name, that only the user can
/// enter (mode 0700), so nothing another process put there, earlier or meanwhile, is ever served.
/// </summary>
internal static class PrivateFolder
{
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Makes a fresh, empty, owner-only folder under <paramref name="root"/> (made owner-only if new).</summary>
    /// <exception cref="IOException">The new folder is not what was made: it existed, is a link or is not empty.</exception>
    public static string CreateUnder(string root)
    {
        Create(root);
        var folder = Path.GetFullPath(Path.Combine(root, "bundle-" + RandomNumberGenerator.GetHexString(32, lowercase: true)));

        // CreateDirectory quietly accepts an existing folder, which would not be fresh.
        if (Path.Exists(folder))
        {
            throw new IOException($"'{folder}' already exists.");
        }

        Create(folder);
        var info = new DirectoryInfo(folder);
        if (info.LinkTarget is not null || info.EnumerateFileSystemInfos().Any()
            || (!OperatingSystem.IsWindows() && info.UnixFileMode != OwnerOnly))
        {
            throw new IOException($"'{folder}' was changed while it was made.");
        }

        return folder;
    }

    /// <summary>Makes <paramref name="path"/> and any missing parents, owner-only.</summary>
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
