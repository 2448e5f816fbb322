using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ApiRoutes.Locking;

/// <summary>
/// An exclusive <c>flock(2)</c> taken without waiting on an open file (Unix), by a call of its own rather than through
/// <see cref="FileShare"/>: .NET takes that one only where it chooses (not at all with
/// <c>DOTNET_SYSTEM_IO_DISABLEFILELOCKING</c>, nor when <c>flock</c> fails with anything but "held", such as
/// <c>ENOLCK</c> on NFS) and says nothing when it does not. Open the file with a <see cref="FileShare"/> other than
/// <see cref="FileShare.None"/> and with write access, so .NET takes no lock of its own on it. The kernel lets go of the
/// lock when the last descriptor of the open file is closed, however the process ends. Used by the SQLite store's
/// one-process lock and by <c>apiroutes serve</c>'s bundle folder lock.
/// </summary>
internal static partial class ExclusiveFileLock
{
    private const int LockExclusive = 2;
    private const int DoNotWait = 4;
    private const int Interrupted = 4;   // EINTR, the same on Linux and macOS
    private const int MaxInterruptions = 10;

    /// <summary>Takes the lock on <paramref name="file"/>: what came of it, and the error number when it failed.</summary>
    public static (FileLockResult Result, int Error) TryTake(SafeFileHandle file) =>
        Attempt(() => Flock((int)file.DangerousGetHandle(), LockExclusive | DoNotWait), Interpret);

    /// <summary>
    /// A lock call that does not wait (0 when taken, else the error in errno), made again when a signal interrupted it:
    /// what came of it by <paramref name="interpret"/>, and the error number when it failed.
    /// </summary>
    internal static (FileLockResult Result, int Error) Attempt(Func<int> call, Func<int, FileLockResult> interpret)
    {
        for (var i = 0; ; i++)
        {
            if (call() == 0)
            {
                return (FileLockResult.Taken, 0);
            }

            var error = Marshal.GetLastPInvokeError();
            if (error != Interrupted || i == MaxInterruptions)
            {
                return (interpret(error), error);
            }
        }
    }

    /// <summary>What a failed <c>flock</c>'s error number means: the lock is held elsewhere, or cannot be taken at all.</summary>
    public static FileLockResult Interpret(int error) =>
        error == (OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD() ? 35 : 11)   // EWOULDBLOCK (EAGAIN)
            ? FileLockResult.HeldElsewhere
            : FileLockResult.Failed;

    /// <summary>The error number's text (as <c>strerror</c> gives it), for a message.</summary>
    public static string Describe(int error) => $"{Marshal.GetPInvokeErrorMessage(error)} (errno {error})";

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(int descriptor, int operation);
}

/// <summary>What came of <see cref="ExclusiveFileLock.TryTake"/>.</summary>
internal enum FileLockResult
{
    /// <summary>This open file holds the lock now.</summary>
    Taken,

    /// <summary>Another open file holds it (another process, or another open of the file in this one).</summary>
    HeldElsewhere,

    /// <summary>It cannot be taken at all here (a file system without locks, say); the error number says why.</summary>
    Failed,
}
