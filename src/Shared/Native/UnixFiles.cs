using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace ApiRoutes.Bundling;

/// <summary>
/// What .NET does not tell about a file on Unix: its owner and group (a path with every link resolved: RealPaths).
/// They come from Linux's <c>statx(2)</c>, whose buffer has one layout on every architecture (<c>stat(2)</c>'s differs
/// by architecture and C library); elsewhere they are unknown and only the mode is read.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal static partial class UnixFiles
{
    private const uint WantModeAndOwner = LinuxStatus.Type | LinuxStatus.Mode | LinuxStatus.Owner;
    private const uint WantGroup = LinuxStatus.Group;
    private const int PermissionBits = 0xFFF; // rwx for owner, group, others, and setuid, setgid, sticky
    private const int NoAttribute = 61; // ENODATA
    private const int NotSupported = 95; // EOPNOTSUPP

    /// <summary>The effective user id of this process (0 for root).</summary>
    public static uint CurrentUser => GetEffectiveUserId();

    /// <summary>The effective group id of this process: the user's primary group, unless changed.</summary>
    public static uint CurrentGroup => GetEffectiveGroupId();

    /// <summary>
    /// The owner and group (each null where it cannot be read) and permission bits of <paramref name="path"/> itself.
    /// </summary>
    /// <exception cref="IOException">The path cannot be examined.</exception>
    public static (uint? Owner, uint? Group, UnixFileMode Mode) Status(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return (null, null, File.GetUnixFileMode(path));
        }

        if (!LinuxStatus.TryRead(path, WantModeAndOwner | WantGroup, out var status, out var error))
        {
            throw new IOException($"'{path}' cannot be examined: {Marshal.GetPInvokeErrorMessage(error)}");
        }

        return (
            (status.Mask & WantModeAndOwner) == WantModeAndOwner ? status.Owner : null,
            (status.Mask & WantGroup) == WantGroup ? status.Group : null,
            (UnixFileMode)(status.Mode & PermissionBits));
    }

    /// <summary>
    /// Whether users other than the owner of <paramref name="path"/> may do what <paramref name="groupBits"/> and
    /// <paramref name="otherBits"/> of its mode grant: others' bits say so, and the group's unless the group is the
    /// user's own (<paramref name="ownGroup"/>, <see cref="UserPrivateGroup"/>) with no ACL's mask in its bits' place.
    /// </summary>
    public static bool OthersMay(string path, UnixFileMode mode, uint? group, uint? ownGroup, UnixFileMode groupBits, UnixFileMode otherBits) =>
        (mode & otherBits) != 0
        || (mode & groupBits) != 0 && (group is null || group != ownGroup || HasAccessAcl(path));

    /// <summary>A mode as chmod takes it, the set-id and sticky bits first: 0644, 1777.</summary>
    public static string Octal(UnixFileMode mode) => Convert.ToString((int)mode & PermissionBits, 8).PadLeft(4, '0');

    /// <summary>
    /// Whether <paramref name="path"/> itself carries a POSIX access ACL (Linux): its group bits are then the ACL's mask,
    /// which may grant other users and groups what the mode seems to keep for the file's group. True where that cannot
    /// be told for a reason other than "no ACL" or "no ACLs on this file system".
    /// </summary>
    public static bool HasAccessAcl(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        if (GetAttribute(path, "system.posix_acl_access", IntPtr.Zero, 0) >= 0)
        {
            return true;
        }

        return Marshal.GetLastPInvokeError() is not (NoAttribute or NotSupported);
    }

    [LibraryImport("libc", EntryPoint = "lgetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint GetAttribute(string path, string name, IntPtr value, nuint size);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "getegid")]
    private static partial uint GetEffectiveGroupId();
}
