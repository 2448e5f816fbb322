using System.Runtime.InteropServices;

namespace ApiRoutes.Runtime.Tests.Infrastructure;

/// <summary>
/// Gives a file a POSIX access ACL, as <c>setfacl -m u:ID:rwx</c> would (the tool need not be installed): the mode's
/// group bits then show the ACL's mask, rwx, whatever the file's group.
/// </summary>
internal static class PosixAcl
{
    public static void GrantUser(string path, uint user)
    {
        // struct posix_acl_xattr_header (version 2) and its entries: tag, permissions, id.
        var entries = new (ushort Tag, ushort Permissions, uint Id)[]
        {
            (0x01, 7, uint.MaxValue),   // the owner: rwx
            (0x02, 7, user),            // the user given: rwx
            (0x04, 0, uint.MaxValue),   // the file's group: ---
            (0x10, 7, uint.MaxValue),   // the mask: rwx
            (0x20, 0, uint.MaxValue),   // others: ---
        };
        var value = new byte[4 + (8 * entries.Length)];
        BitConverter.TryWriteBytes(value.AsSpan(0, 4), 2u);
        for (var i = 0; i < entries.Length; i++)
        {
            BitConverter.TryWriteBytes(value.AsSpan(4 + (8 * i), 2), entries[i].Tag);
            BitConverter.TryWriteBytes(value.AsSpan(6 + (8 * i), 2), entries[i].Permissions);
            BitConverter.TryWriteBytes(value.AsSpan(8 + (8 * i), 4), entries[i].Id);
        }

        Assert.True(
            SetAttribute(path, "system.posix_acl_access", value, (nuint)value.Length, 0) == 0,
            $"the file system of '{path}' takes no ACL: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
    }

    [DllImport("libc", EntryPoint = "setxattr", SetLastError = true)]
    private static extern int SetAttribute(string path, string name, byte[] value, nuint size, int flags);
}
