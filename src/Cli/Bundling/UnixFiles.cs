using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using ApiRoutes.Bundling;

namespace ApiRoutes.Cli.Bundling;

/// <summary>
/// What .NET does not tell about a file on Unix: its owner (a path with every link resolved: RealPaths). The owner
/// comes from Linux's <c>statx(2)</c>, whose buffer has one layout on every architecture (<c>stat(2)</c>'s differs
/// by architecture and C library); elsewhere it is unknown and only the mode is read.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal static partial class UnixFiles
{
    private const uint WantModeAndOwner = LinuxStatus.Type | LinuxStatus.Mode | LinuxStatus.Owner;
    private const int PermissionBits = 0xFFF; // rwx for owner, group, others, and setuid, setgid, sticky

    /// <summary>The effective user id of this process (0 for root).</summary>
    public static uint CurrentUser => GetEffectiveUserId();

    /// <summary>The owner (null where it cannot be read) and permission bits of <paramref name="path"/> itself.</summary>
    /// <exception cref="IOException">The path cannot be examined.</exception>
    public static (uint? Owner, UnixFileMode Mode) Status(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return (null, File.GetUnixFileMode(path));
        }

        if (!LinuxStatus.TryRead(path, WantModeAndOwner, out var status, out var error))
        {
            throw new IOException($"'{path}' cannot be examined: {Marshal.GetPInvokeErrorMessage(error)}");
        }

        return ((status.Mask & WantModeAndOwner) == WantModeAndOwner ? status.Owner : null, (UnixFileMode)(status.Mode & PermissionBits));
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();
}
