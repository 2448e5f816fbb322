namespace ApiRoutes.Tasks.Metadata;

/// <summary>
/// Maps PDB document paths back to local files. Deterministic CI builds record <c>/_/src/…</c> instead of the real
/// path (MSBuild's <c>SourceRoot</c> items with <c>MappedPath</c>); the source text is needed to place diagnostics.
/// </summary>
internal sealed class SourcePathMap
{
    public static readonly SourcePathMap Identity = new([]);

    private readonly IReadOnlyList<(string Mapped, string Local)> _roots;

    /// <param name="roots">Pairs of mapped prefix (<c>/_/</c>) and local folder.</param>
    public SourcePathMap(IEnumerable<(string Mapped, string Local)> roots) =>
        _roots = roots.Where(root => root.Mapped.Length > 0).OrderByDescending(root => root.Mapped.Length).ToList();

    public string ToLocalPath(string documentPath)
    {
        foreach (var (mapped, local) in _roots)
        {
            if (documentPath.StartsWith(mapped, StringComparison.Ordinal) && !documentPath.Contains('\0', StringComparison.Ordinal))
            {
                return Path.GetFullPath(Path.Combine(local, documentPath[mapped.Length..]));
            }
        }

        return documentPath;
    }
}
