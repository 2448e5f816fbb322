namespace ApiRoutes.Bundling;

/// <summary>
/// What .NET does not tell about a file on Linux: whether it is a regular file (not a FIFO, socket or device), and how
/// many names it has (<see cref="LinuxStatus"/>). Not the build's (it makes no native calls): the hosts' verifier only.
/// </summary>
internal static partial class UnixFileKind
{
    private const uint WantTypeAndLinks = LinuxStatus.Type | LinuxStatus.Links;
    private const ushort TypeBits = 0xF000; // S_IFMT
    private const ushort RegularFile = 0x8000; // S_IFREG

    /// <summary>
    /// Whether <paramref name="path"/>, its links followed, is a FIFO, a socket or a device; false where it is not, or where
    /// that cannot be told (not Linux). Opened, a FIFO without a writer blocks for good.
    /// </summary>
    public static bool IsSpecial(string path)
    {
        var target = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
        return OperatingSystem.IsLinux() && LinuxStatus.TryRead(target, LinuxStatus.Type, out var status, out _)
            && (status.Mask & LinuxStatus.Type) != 0 && (status.Mode & TypeBits) != RegularFile;
    }

    /// <summary>
    /// Why the file at <paramref name="path"/> is not a regular file of the bundle's own, as the rest of a sentence that
    /// starts with its name; null when it is, or where it cannot be told (not Linux, or the file cannot be examined).
    /// </summary>
    public static string? Problem(string path)
    {
        if (!OperatingSystem.IsLinux() || !LinuxStatus.TryRead(path, WantTypeAndLinks, out var status, out _)
            || (status.Mask & WantTypeAndLinks) != WantTypeAndLinks)
        {
            return null;
        }

        if ((status.Mode & TypeBits) != RegularFile)
        {
            return "is not a regular file (a FIFO, a socket or a device in a listed file's place); a bundle holds regular files and folders only.";
        }

        return status.Links > 1
            ? $"has {status.Links} hard links: it can be changed through a name outside the bundle's folder. Copy the bundle's files, do not link them."
            : null;
    }
}
