using static ApiRoutes.Bundling.BundlePath;

namespace ApiRoutes.Bundling;

/// <summary>
/// One walk of an unpacked bundle's folder against its verified list. Links are never followed, only folders that
/// hold listed files are entered, and the walk stops when the problems are full, so it is bounded by the list.
/// </summary>
internal sealed class BundleTree(BundleManifest manifest, BundleProblems problems)
{
    private static readonly EnumerationOptions OneLevel = new()
    {
        RecurseSubdirectories = false,
        AttributesToSkip = 0,
        IgnoreInaccessible = false,
        MatchType = MatchType.Simple,
        ReturnSpecialDirectories = false,
    };

    private readonly Dictionary<string, BundleFile> _listed = manifest.Files.ToDictionary(file => file.Path, StringComparer.Ordinal);
    private readonly HashSet<string> _folders = [.. manifest.Files.SelectMany(file => Folders(file.Path))];
    private readonly HashSet<string> _found = new(StringComparer.Ordinal);

    public void Check(string root)
    {
        Walk(new DirectoryInfo(root), "");
        foreach (var file in manifest.Files.Where(file => !_found.Contains(file.Path)))
        {
            problems.Add($"{Quote(file.Path)} is missing.");
        }
    }

    private void Walk(DirectoryInfo folder, string prefix)
    {
        foreach (var entry in folder.EnumerateFileSystemInfos("*", OneLevel))
        {
            if (problems.IsFull)
            {
                return;
            }

            var path = prefix + entry.Name;
            if (!entry.Exists)
            {
                // Review 46c F5: a name that is not valid UTF-8 comes decoded, with U+FFFD, and no file has that name: its
                // attributes read as every flag, and it was said to be a link.
                problems.Add($"{Quote(path)} cannot be reached by its name (one that is not valid UTF-8, shown with U+FFFD, or a file removed meanwhile): "
                    + $"present but not listed in {BundleManifest.FileName}.");
            }
            else if (entry.LinkTarget is not null || entry.Attributes.HasFlag(FileAttributes.ReparsePoint))
            {
                problems.Add($"{Quote(path)} is a symbolic link; a bundle holds regular files and folders only.");
            }
            else if (entry is DirectoryInfo subfolder)
            {
                if (_folders.Contains(path))
                {
                    Walk(subfolder, path + "/");
                }
                else
                {
                    problems.Add($"{Quote(path + "/")} is a folder that holds no listed file.");
                }
            }
            else if (path != BundleManifest.FileName)
            {
                Check(path, (FileInfo)entry);
            }
        }
    }

    private void Check(string path, FileInfo file)
    {
        if (!_listed.TryGetValue(path, out var listed))
        {
            problems.Add($"{Quote(path)} is present but not listed in {BundleManifest.FileName}.");
            return;
        }

        _found.Add(path);
#if !APIROUTES_NO_LIBC
        if (UnixFileKind.Problem(file.FullName) is { } kind)
        {
            // Before its size and bytes: a FIFO in an empty file's place is never read, and a hard-linked file matches
            // now and may be changed, from outside the folder, later (review 15, F6).
            problems.Add($"{Quote(path)} {kind}");
            return;
        }
#endif

        if (file.Length != listed.Size)
        {
            // Not read: its size alone says it changed, and a FIFO or device in its place would block the read.
            problems.Add($"{Quote(path)} has been changed: it is {file.Length} bytes; {BundleManifest.FileName} lists {listed.Size}.");
        }
        else if (!BundleVerifier.HasListedContent(file.FullName, listed))
        {
            problems.Add($"{Quote(path)} has been changed: its SHA-256 differs from {BundleManifest.FileName}.");
        }
    }

    private static IEnumerable<string> Folders(string path)
    {
        for (var slash = path.IndexOf('/', StringComparison.Ordinal); slash > 0; slash = path.IndexOf('/', slash + 1))
        {
            yield return path[..slash];
        }
    }
}
