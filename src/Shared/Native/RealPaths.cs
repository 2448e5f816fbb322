using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace ApiRoutes.Bundling;

/// <summary>A path with every symbolic link resolved, by the C library's <c>realpath(3)</c>: what .NET does not tell.</summary>
[UnsupportedOSPlatform("windows")]
internal static partial class RealPaths
{
    /// <summary>The absolute path of an existing file or folder with no symbolic link, '.' or '..' left in it.</summary>
    /// <exception cref="IOException">A part of the path does not exist or cannot be read.</exception>
    public static string Of(string path)
    {
        var resolved = RealPath(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero)
        {
            throw new IOException($"'{path}' cannot be resolved: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        try
        {
            return Marshal.PtrToStringUTF8(resolved)!;
        }
        finally
        {
            Free(resolved);
        }
    }

    [LibraryImport("libc", EntryPoint = "realpath", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr RealPath(string path, IntPtr resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(IntPtr pointer);
}
