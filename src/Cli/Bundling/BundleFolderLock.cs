using System.Text.RegularExpressions;
using ApiRoutes.Locking;

namespace ApiRoutes.Cli.Bundling;

/// <summary>
/// The lock file beside a folder <c>apiroutes serve</c> unpacked into (<c>bundle-&lt;id&gt;.lock</c>), held with an
/// exclusive <c>flock(2)</c> for as long as the bundle is served, by <c>serve</c> and by the app it starts (which
/// inherits the descriptor). The kernel lets go of the lock when both have ended, however they end, so a later
/// <c>serve</c> can tell a folder in use from one that a server killed with SIGKILL, or a power cut, left behind
/// (<see cref="RemoveAbandoned"/>); the folder itself would otherwise stay in the cache forever.
/// <para>
/// The lock is taken by a call of its own, not through <see cref="FileShare"/>: .NET takes that one only where it
/// chooses (not at all with <c>DOTNET_SYSTEM_IO_DISABLEFILELOCKING</c>, nor a shared one for writing on NFS or SMB)
/// and says nothing when it does not. A lock that cannot be taken is written into the file, and such a folder is never
/// removed. Unix only: on Windows the cache root is not checked as on Unix, so nothing is removed there.
/// </para>
/// </summary>
internal sealed partial class BundleFolderLock : IDisposable
{
    /// <summary>
    /// How old an unheld lock file must be to count as abandoned: a lock file is created a moment before it is locked,
    /// and a serve starting in that moment must not take the new folder for an old one.
    /// </summary>
    public static readonly TimeSpan MinimumAge = TimeSpan.FromMinutes(1);

    // Written into a lock file whose lock could not be taken: never abandoned, as no one could tell.
    private static readonly byte[] NotLocked = "not locked"u8.ToArray();

    private readonly FileStream _held;

    private BundleFolderLock(FileStream held) => _held = held;

    /// <summary>Whether the lock is held (false where the file system would not lock).</summary>
    public bool IsLocked { get; private init; }

    /// <summary>Creates and locks the lock file of <paramref name="folder"/>, before the folder is made.</summary>
    /// <exception cref="IOException">The lock file exists or cannot be made.</exception>
    // Inheritable: the app serve starts holds the lock too, so a serve killed while its app goes on does not leave that
    // app's folder for the next serve to remove. Delete: on Windows, the file can be deleted while held.
    public static BundleFolderLock Take(string folder)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = FileShare.Delete | FileShare.Inheritable };
        if (OperatingSystem.IsWindows())
        {
            return new BundleFolderLock(new FileStream(folder + ".lock", options)) { IsLocked = true };
        }

        options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        var file = new FileStream(folder + ".lock", options);

        // 0600 whatever the umask: a later serve opens it for writing to tell whether it is abandoned.
        File.SetUnixFileMode(file.SafeFileHandle, options.UnixCreateMode.Value);
        var locked = TryLock(file);
        if (!locked)
        {
            file.Write(NotLocked);
            file.Flush();
        }

        return new BundleFolderLock(file) { IsLocked = locked };
    }

    /// <summary>
    /// Lets go of the lock; with <paramref name="folderRemoved"/>, deletes the lock file first. A lock file whose folder
    /// is still there stays, so that the next <c>serve</c> removes both.
    /// </summary>
    public void Release(bool folderRemoved)
    {
        if (folderRemoved)
        {
            try
            {
                File.Delete(_held.Name);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Kept: RemoveAbandoned finds it without a folder and removes it.
            }
        }

        _held.Dispose();
    }

    /// <summary>
    /// Removes, under a cache root that only this user can change (Unix), each unpacked folder whose lock file nobody
    /// holds and is older than <see cref="MinimumAge"/>, with its lock file.
    /// </summary>
    /// <returns>The folders removed, and why any abandoned one could not be.</returns>
    public static (int Removed, IReadOnlyList<string> Problems) RemoveAbandoned(string root, DateTimeOffset now)
    {
        var problems = new List<string>();
        if (OperatingSystem.IsWindows())
        {
            return (0, problems);
        }

        var removed = 0;
        foreach (var file in new DirectoryInfo(root).EnumerateFiles("bundle-*.lock"))
        {
            if (!LockName().IsMatch(file.Name) || file.LinkTarget is not null || now - file.LastWriteTimeUtc < MinimumAge)
            {
                continue;
            }

            try
            {
                using var claimed = new FileStream(file.FullName, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
                if (!TryLock(claimed) || WasNeverLocked(claimed))
                {
                    continue; // Held (its bundle is being served), or no one could tell.
                }

                if (Remove(Path.Join(root, Path.GetFileNameWithoutExtension(file.Name))) is { } problem)
                {
                    problems.Add(problem); // The lock file stays: the next serve tries again.
                    continue;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            // Its folder is gone; the name is random and never used again, so the moment unlocked does not matter.
            removed++;
            try
            {
                file.Delete();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add($"'{file.FullName}' could not be removed: {e.Message}");
            }
        }

        return (removed, problems);
    }

    public void Dispose() => Release(folderRemoved: false);

    /// <summary>The lock file's handle (for tests that close it as the end of a process would).</summary>
    internal Microsoft.Win32.SafeHandles.SafeFileHandle Handle => _held.SafeFileHandle;

    private static bool TryLock(FileStream file) => ExclusiveFileLock.TryTake(file.SafeFileHandle).Result == FileLockResult.Taken;

    private static bool WasNeverLocked(FileStream file)
    {
        var start = new byte[NotLocked.Length];
        return file.Read(start) == NotLocked.Length && start.AsSpan().SequenceEqual(NotLocked);
    }

    private static string? Remove(string folder)
    {
        var info = new DirectoryInfo(folder);
        if (info.Exists && info.LinkTarget is not null)
        {
            // Only this user can write the root, so a link here is theirs; it goes, never what it points to.
            info.Delete();
            return null;
        }

        return PrivateFolder.TryDelete(folder);
    }

    [GeneratedRegex("^bundle-[0-9a-f]{32}\\.lock$", RegexOptions.CultureInvariant)]
    private static partial Regex LockName();
}
