namespace ApiRoutes.Cli.Bundling;

/// <summary>
/// How much <c>apiroutes serve</c> unpacks at most: the bundle's own list must fit under both ceilings and in the
/// free space of the disk, and no entry may inflate beyond its listed size — so a zip bomb is refused before it is
/// written, never by a full disk.
/// </summary>
internal sealed record BundleLimits
{
    /// <summary>1 GiB: far above a published ASP.NET Core app (tens of MB), far below a disk.</summary>
    public const long DefaultMaxSize = 1L << 30;

    /// <summary>A self-contained app with every satellite assembly has about a thousand files.</summary>
    public const int DefaultMaxFiles = 10_000;

    /// <summary>The most bytes, in total, that a bundle may unpack to (<c>--max-size</c>); also the most the zip may be.</summary>
    public long MaxSize { get; init; } = DefaultMaxSize;

    /// <summary>The most files a bundle may list (<c>--max-files</c>).</summary>
    public int MaxFiles { get; init; } = DefaultMaxFiles;

    /// <summary>The bytes free for the given folder; a test replaces it to stand for a nearly full disk.</summary>
    public Func<string, long> FreeSpace { get; init; } = folder => new DriveInfo(folder).AvailableFreeSpace;
}
