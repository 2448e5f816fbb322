using System.Text.Json;
using ApiRoutes.Manifest;
using static ApiRoutes.Bundling.BundlePath;

namespace ApiRoutes.Bundling;

/// <summary>
/// Reads <c>apiroutes.bundle.json</c> and refuses any list a publish cannot have written: malformed JSON, missing
/// fields, no files, unsafe or duplicate paths, paths out of order, bad sizes or hashes, and an entry assembly or
/// route manifest that is not a listed file of the bundle. Never throws: every problem is a sentence.
/// </summary>
internal static class BundleManifestReader
{
    /// <summary>Far above any real list (a 1,000-file app lists about 150 KB), and bounded before reading.</summary>
    public const int MaxBytes = 16 << 20;

    private const string FileName = BundleManifest.FileName;

    /// <returns>The manifest when the list is well formed and safe; otherwise null, with its problems added.</returns>
    public static BundleManifest? Read(ReadOnlySpan<byte> utf8, BundleProblems problems)
    {
        BundleManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(utf8.StartsWith("\uFEFF"u8) ? utf8[3..] : utf8, BundleJsonContext.Default.BundleManifest);
        }
        catch (JsonException e)
        {
            problems.Add($"{FileName} is not valid: {Printable(e.Message)}");
            return null;
        }

        var before = problems.Count;
        if (manifest is null)
        {
            problems.Add($"{FileName} is not valid: it is null.");
        }
        else if (manifest.SchemaVersion != BundleManifest.CurrentSchemaVersion)
        {
            problems.Add($"{FileName} has schemaVersion {manifest.SchemaVersion}; this version of ApiRoutes reads schemaVersion {BundleManifest.CurrentSchemaVersion}.");
        }
        else if (manifest.Files.Count == 0)
        {
            problems.Add($"{FileName} lists no files.");
        }
        else
        {
            var listed = CheckFiles(manifest.Files, problems);
            CheckFolders(listed, problems);
            CheckEntryPoints(manifest, listed, problems);
        }

        return problems.Count == before ? manifest : null;
    }

    private static HashSet<string> CheckFiles(IReadOnlyList<BundleFile> files, BundleProblems problems)
    {
        var listed = new HashSet<string>(StringComparer.Ordinal);
        var folded = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? previous = null;
        var outOfOrder = false;
        for (var i = 0; i < files.Count && !problems.IsFull; i++)
        {
            var file = files[i];
            if (file is null)
            {
                problems.Add($"{FileName} has null at files[{i}], where a file belongs.");
                continue;
            }

            if (Problem(file.Path) is { } unsafePath)
            {
                problems.Add($"{Quote(file.Path)} is not a safe bundle path: {unsafePath}.");
                continue;
            }

            if (file.Path == FileName)
            {
                problems.Add($"{FileName} lists itself; it is the one file that is not in its own list.");
            }

            if (file.Size < 0)
            {
                problems.Add($"{Quote(file.Path)} has the negative size {file.Size}.");
            }

            if (file.Sha256 is not { Length: 64 } hash || !hash.All(char.IsAsciiHexDigitLower))
            {
                problems.Add($"{Quote(file.Path)} has a SHA-256 that is not 64 lowercase hexadecimal digits.");
            }

            if (!listed.Add(file.Path))
            {
                problems.Add($"{FileName} lists {Quote(file.Path)} twice.");
                continue;
            }

            if (!folded.TryAdd(file.Path, file.Path))
            {
                problems.Add($"{FileName} lists {Quote(folded[file.Path])} and {Quote(file.Path)}, which differ only in case.");
            }

            if (previous is not null && string.CompareOrdinal(previous, file.Path) > 0 && !outOfOrder)
            {
                problems.Add($"{FileName} lists {Quote(previous)} before {Quote(file.Path)}; paths must be in ordinal order, each once.");
                outOfOrder = true;
            }

            previous = file.Path;
        }

        return listed;
    }

    // A path that is a file and also the folder of another cannot be unpacked; case-insensitively, as on Windows.
    private static void CheckFolders(HashSet<string> listed, BundleProblems problems)
    {
        var files = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in listed)
        {
            files.TryAdd(path, path);
        }

        foreach (var path in listed.Order(StringComparer.Ordinal))
        {
            for (var slash = path.IndexOf('/', StringComparison.Ordinal); slash > 0 && !problems.IsFull; slash = path.IndexOf('/', slash + 1))
            {
                if (files.TryGetValue(path[..slash], out var file))
                {
                    problems.Add($"{Quote(file)} is listed both as a file and as the folder of {Quote(path)}.");
                    break;
                }
            }
        }
    }

    private static void CheckEntryPoints(BundleManifest manifest, HashSet<string> listed, BundleProblems problems)
    {
        var entry = manifest.EntryAssembly;
        if (Problem(entry) is { } unsafePath)
        {
            problems.Add($"The entry assembly {Quote(entry)} is not a safe bundle path: {unsafePath}.");
        }
        else if (entry.Contains('/', StringComparison.Ordinal) || !entry.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            // 'dotnet <entry>' must run the app, never an SDK command or an option, and AppContext.BaseDirectory must
            // be the bundle's root, where ApiRoutes:VerifyBundle finds this list.
            problems.Add($"The entry assembly {Quote(entry)} is not a .dll at the bundle's root.");
        }
        else if (!listed.Contains(entry))
        {
            problems.Add($"The entry assembly {Quote(entry)} is not a listed file.");
        }

        if (!listed.Contains(RouteManifest.FileName))
        {
            problems.Add($"{FileName} does not list {RouteManifest.FileName}, the route manifest the app serves.");
        }
    }
}
