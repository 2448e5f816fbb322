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

    /// <summary>
    /// The pairs of a compiler's <c>PathMap</c> (<c>from=to</c>, separated by <c>,</c>; a doubled <c>,</c> or <c>=</c> is
    /// the character itself, as the compiler reads it), each as (mapped <c>to</c>, local <c>from</c>).
    /// </summary>
    public static IEnumerable<(string Mapped, string Local)> Parse(string? pathMap)
    {
        if (string.IsNullOrEmpty(pathMap))
        {
            yield break;
        }

        foreach (var pair in Split(pathMap, ','))
        {
            if (Split(pair, '=') is [var from, var to] && from.Length > 0 && to.Length > 0)
            {
                yield return (to, from);
            }
        }
    }

    // Splits at each single separator; a doubled one is one character of the part.
    private static List<string> Split(string text, char separator)
    {
        var parts = new List<string>();
        var part = new System.Text.StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != separator)
            {
                part.Append(text[i]);
            }
            else if (i + 1 < text.Length && text[i + 1] == separator)
            {
                part.Append(separator);
                i++;
            }
            else
            {
                parts.Add(part.ToString());
                part.Clear();
            }
        }

        parts.Add(part.ToString());
        return parts;
    }

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
