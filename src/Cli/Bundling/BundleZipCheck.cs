using System.IO.Compression;
using ApiRoutes.Bundling;
using static ApiRoutes.Bundling.BundlePath;

namespace ApiRoutes.Cli.Bundling;

/// <summary>
/// Checks a bundle's zip entries against its verified list before anything is written: each entry has a safe name,
/// is listed, is there once, is a regular file (not a link), and declares the listed size; each listed file is there.
/// </summary>
internal static class BundleZipCheck
{
    // The Unix file type in the high 16 bits of a zip entry's external attributes (0 when made without them).
    private const int TypeMask = 0xF000;
    private const int RegularFile = 0x8000;
    private const int SymbolicLink = 0xA000;
    private const int Directory = 0x4000;
    private const int OwnerExecute = 0x40;

    /// <returns>The entries after the list, each with its listed file, in zip order.</returns>
    public static List<(ZipArchiveEntry Entry, BundleFile File)> Check(IReadOnlyList<ZipArchiveEntry> entries, BundleManifest manifest, BundleProblems problems)
    {
        var listed = manifest.Files.ToDictionary(file => file.Path, StringComparer.Ordinal);

        // Case-insensitively: on a case-insensitive file system, 'a' and 'A' are one file and the second overwrites.
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { BundleManifest.FileName };
        var unpack = new List<(ZipArchiveEntry, BundleFile)>();

        // A bundle zipped again (zip -r) has an entry for each folder: said once, not as a bad path per folder (review 28c
        // F15: 20 lines of "an empty segment" hid the one change that mattered). Still refused: only what was published.
        var folders = entries.Skip(1).Where(IsFolderEntry).Select(entry => entry.FullName).ToList();
        if (folders.Count > 0)
        {
            problems.Add(
                $"the zip has {folders.Count} folder entr{(folders.Count == 1 ? "y" : "ies")} ({string.Join(", ", folders.Take(3).Select(Quote))}{(folders.Count > 3 ? ", …" : "")}): "
                + "a bundle holds files only, as 'dotnet publish' writes it, and zipping it again (zip -r) adds them. Serve the bundle as published.");
        }

        foreach (var entry in entries.Skip(1).Where(entry => !IsFolderEntry(entry)))
        {
            if (problems.IsFull)
            {
                return unpack;
            }

            if (Problem(entry, listed, seen) is { } problem)
            {
                problems.Add($"The zip entry {Quote(entry.FullName)} {problem}.");
            }
            else
            {
                unpack.Add((entry, listed[entry.FullName]));
            }
        }

        foreach (var file in manifest.Files.Where(file => !seen.Contains(file.Path)))
        {
            problems.Add($"{Quote(file.Path)} is listed in {BundleManifest.FileName} but not in the zip.");
        }

        return unpack;
    }

    /// <returns>Why the entry is not a plain file, or null.</returns>
    public static string? TypeProblem(ZipArchiveEntry entry) => ((entry.ExternalAttributes >>> 16) & TypeMask) switch
    {
        0 or RegularFile => entry.IsEncrypted ? "is encrypted" : null,
        SymbolicLink => "is a symbolic link; a bundle holds regular files only",
        var type => $"is not a regular file (Unix file type 0x{type:X4})",
    };

    // An empty entry named as a folder ('runtimes/'), with a safe path, and no file type or a folder's.
    private static bool IsFolderEntry(ZipArchiveEntry entry) =>
        entry.FullName is [.., not '/', '/'] name
        && BundlePath.Problem(name[..^1]) is null
        && entry.Length == 0
        && ((entry.ExternalAttributes >>> 16) & TypeMask) is 0 or Directory;

    public static bool IsExecutable(ZipArchiveEntry entry) => ((entry.ExternalAttributes >>> 16) & OwnerExecute) != 0;

    private static string? Problem(ZipArchiveEntry entry, Dictionary<string, BundleFile> listed, HashSet<string> seen)
    {
        var name = entry.FullName;
        if (BundlePath.Problem(name) is { } unsafePath)
        {
            return $"is not a safe bundle path: {unsafePath}";
        }

        if (!seen.Add(name))
        {
            return "is in the zip twice";
        }

        if (TypeProblem(entry) is { } notAFile)
        {
            return notAFile;
        }

        if (!listed.TryGetValue(name, out var file))
        {
            return $"is in the zip but not listed in {BundleManifest.FileName}";
        }

        return entry.Length == file.Size ? null : $"declares {entry.Length} bytes, but {BundleManifest.FileName} lists {file.Size}";
    }
}
