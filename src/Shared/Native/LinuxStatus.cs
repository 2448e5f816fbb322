using System.Runtime.InteropServices;

namespace ApiRoutes.Bundling;

/// <summary>
/// Linux's <c>statx(2)</c> of a path itself (a link is not followed), whose buffer has one layout on every architecture
/// (<c>stat(2)</c>'s differs by architecture and C library): what .NET does not tell about a file.
/// </summary>
internal static partial class LinuxStatus
{
    public const uint Type = 0x1; // STATX_TYPE
    public const uint Mode = 0x2; // STATX_MODE
    public const uint Links = 0x4; // STATX_NLINK
    public const uint Owner = 0x8; // STATX_UID
    public const uint Group = 0x10; // STATX_GID

    private const int CurrentFolder = -100; // AT_FDCWD
    private const int NoFollow = 0x100; // AT_SYMLINK_NOFOLLOW

    /// <summary>Reads what <paramref name="wanted"/> asks for; false, with the error number, when the path cannot be examined.</summary>
    public static bool TryRead(string path, uint wanted, out Buffer status, out int error)
    {
        var read = Statx(CurrentFolder, path, NoFollow, wanted, out status) == 0;
        error = read ? 0 : Marshal.GetLastPInvokeError();
        return read;
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int folder, string path, int flags, uint mask, out Buffer buffer);

    /// <summary>The start of <c>struct statx</c> (linux/stat.h); the kernel writes all 256 bytes.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 256)]
    public struct Buffer
    {
        public uint Mask;
        public uint BlockSize;
        public ulong Attributes;
        public uint Links;
        public uint Owner;
        public uint Group;
        public ushort Mode;
    }
}
