using ApiRoutes.Watch;
using Microsoft.CodeAnalysis.CSharp;

namespace ApiRoutes.EntryPoint;

/// <summary>
/// The tombstone generator's reading of the snapshot file (<see cref="SourceSnapshot"/>): nothing when it is missing,
/// unreadable or larger than <see cref="SourceSnapshot.MaxLength"/>; parsed once per version of the file (its size and
/// time of last write), since the workspace runs the generator again on every change of the code.
/// </summary>
#pragma warning disable RS1035 // File IO: the snapshot is rewritten by the running app, so it is read from disk.
internal static class SnapshotFile
{
    private static readonly object Gate = new();
    private static Cached? _last;

    public static bool SamePath(string a, string b)
    {
        try
        {
            return string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), StringComparison.Ordinal);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return false;
        }
    }

    public static IReadOnlyList<ParsedText> Read(string path, CSharpParseOptions options, CancellationToken cancellation)
    {
        try
        {
            var file = new FileInfo(path);
            if (!file.Exists || file.Length == 0 || file.Length > SourceSnapshot.MaxLength)
            {
                return [];
            }

            var version = (path, file.Length, file.LastWriteTimeUtc, options);
            lock (Gate)
            {
                if (_last is { } last && last.Version.Equals(version))
                {
                    return last.Texts;
                }
            }

            var texts = Tombstones.Parse(SourceSnapshot.Read(File.ReadAllText(path)), options, cancellation);
            lock (Gate)
            {
                _last = new Cached(version, texts);
            }

            return texts;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private sealed record Cached((string Path, long Length, DateTime Written, CSharpParseOptions Options) Version, IReadOnlyList<ParsedText> Texts);
}
#pragma warning restore RS1035
