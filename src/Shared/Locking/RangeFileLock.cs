using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ApiRoutes.Locking;

/// <summary>
/// An exclusive lock of one byte of a file, taken without waiting, that belongs to the open file rather than to the
/// process (<c>fcntl(F_OFD_SETLK)</c>, Linux 3.15 and later): closing another descriptor of the file, as SQLite does,
/// does not release it, and a second open of the file in the same process conflicts with it, as another process's does.
/// The byte is far past any SQLite locks (its lock bytes start at 1 GiB), so the two never meet; and it is a lock of the
/// file itself, not of a file beside it that a cleanup can delete. Linux only: elsewhere nothing is taken.
/// </summary>
internal static partial class RangeFileLock
{
    private const int SetOpenFileLock = 37;        // F_OFD_SETLK
    private const short WriteLock = 1;             // F_WRLCK
    private const long Offset = 1L << 62;          // 4 EiB: no database reaches it, and SQLite never locks there

    /// <summary>Takes the lock on <paramref name="file"/> (opened for writing): what came of it, and the error number.</summary>
    public static (FileLockResult Result, int Error) TryTake(SafeFileHandle file)
    {
        if (!OperatingSystem.IsLinux())
        {
            return (FileLockResult.Failed, 0);
        }

        // EAGAIN or EACCES: held by another open of the file; anything else (EINVAL before Linux 3.15, ENOLCK): it cannot
        // be taken here.
        return ExclusiveFileLock.Attempt(
            () =>
            {
                var request = new Flock { Type = WriteLock, Whence = 0, Start = Offset, Length = 1 };
                return Fcntl((int)file.DangerousGetHandle(), SetOpenFileLock, ref request);
            },
            error => error is 11 or 13 ? FileLockResult.HeldElsewhere : FileLockResult.Failed);
    }

    // struct flock of Linux on 64-bit machines (x64, arm64): 32 bytes, the same layout.
    [StructLayout(LayoutKind.Sequential)]
    private struct Flock
    {
        public short Type;
        public short Whence;
        public long Start;
        public long Length;
        public int Pid;
    }

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int descriptor, int command, ref Flock request);
}
