using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace ApiRoutes.Development;

/// <summary>
/// Whether a file event changed what a file holds. A file written again with the bytes it had is no change: a build
/// step that writes a source on every build (a version file, a code generator's output) is run by each analysis's own
/// build, so every analysis started the next one, without end (review 17c F4: 34 analyses a minute); and an editor's
/// save of an unchanged file starts none. Remembers a hash of each file's content as an event last found it; a file it
/// cannot read (gone, in use, over <see cref="MaxBytes"/>) is a change, as is every removal and every file seen the
/// first time: nothing is ever ignored that might differ.
/// </summary>
internal sealed class ContentChanges
{
    /// <summary>Larger files are not read: always a change.</summary>
    public const long MaxBytes = 4 * 1024 * 1024;

    /// <summary>Past this many files remembered, all are forgotten (each next event is then a change).</summary>
    public const int MaxFiles = 100_000;

    private readonly ConcurrentDictionary<string, byte[]> _seen = new(StringComparer.Ordinal);

    /// <summary>
    /// Whether the file at <paramref name="path"/> holds other bytes than when an event last found it there (made,
    /// written or renamed there); true the first time.
    /// </summary>
    public bool Written(string path)
    {
        var hash = TryHash(path);
        if (hash is null)
        {
            _seen.TryRemove(path, out _);
            return true;
        }

        if (_seen.Count >= MaxFiles)
        {
            _seen.Clear();
        }

        var before = _seen.GetValueOrDefault(path);
        _seen[path] = hash;
        return before is null || !before.AsSpan().SequenceEqual(hash);
    }

    /// <summary>The file at <paramref name="path"/> is gone (removed, renamed away): a change, and forgotten.</summary>
    public bool Gone(string path)
    {
        _seen.TryRemove(path, out _);
        return true;
    }

    /// <summary>A watcher's event: whether it changed what the file <see cref="FileSystemEventArgs.FullPath"/> holds.</summary>
    public bool Changed(FileSystemEventArgs e) => e.ChangeType == WatcherChangeTypes.Deleted ? Gone(e.FullPath) : Written(e.FullPath);

    private static byte[]? TryHash(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
            return file.Length > MaxBytes ? null : SHA256.HashData(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null;
        }
    }
}
