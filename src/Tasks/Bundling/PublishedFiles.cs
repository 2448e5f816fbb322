namespace ApiRoutes.Tasks.Bundling;

/// <summary>
/// What this publish wrote into its folder, so that a file an earlier publish left there (a dependency since removed,
/// an <c>appsettings.Production.json</c> deleted from the project) is not bundled and served as part of the app (review
/// 15, F8). A file is this publish's when the publish listed it (<c>ResolvedFileToPublish</c>, or <c>FileWrites</c> in
/// the folder) or wrote it after the publish started (what the SDK writes without listing it, <c>web.config</c>; what
/// a target of the app copies there). Anything else is <see cref="Stale"/>.
/// </summary>
internal sealed class PublishedFiles
{
    // Some file systems keep times in steps of up to 2 s (FAT); a file written just after the start may read as before it.
    private static readonly TimeSpan TimeStep = TimeSpan.FromSeconds(2);

    private static readonly StringComparer PathComparer = OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    private readonly HashSet<string> _listed;
    private readonly DateTime _writtenSinceUtc;

    /// <param name="listed">Paths inside the publish folder (either separator).</param>
    /// <param name="startedUtc">When the publish started, by the clock file times are written with.</param>
    public PublishedFiles(IEnumerable<string> listed, DateTime startedUtc)
    {
        _listed = new HashSet<string>(listed.Select(path => path.Replace('\\', '/')), PathComparer);
        _writtenSinceUtc = startedUtc - TimeStep;
    }

    /// <summary>The files in the folder left out as an earlier publish's, as paths inside the bundle.</summary>
    public List<string> Stale { get; } = [];

    /// <summary>Whether the file at <paramref name="relativePath"/> (<c>/</c>) is this publish's; if not, noted as stale.</summary>
    public bool IsThisPublishs(string relativePath, string fullPath)
    {
        if (_listed.Contains(relativePath) || File.GetLastWriteTimeUtc(fullPath) >= _writtenSinceUtc)
        {
            return true;
        }

        Stale.Add(relativePath);
        return false;
    }
}
