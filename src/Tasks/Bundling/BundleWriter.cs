using System.IO.Compression;
using System.Text;
using ApiRoutes.Bundling;

namespace ApiRoutes.Tasks.Bundling;

/// <summary>
/// Writes a deploy bundle: a zip of the publish folder that is byte-for-byte the same for the same files (entries
/// in ordinal order, one fixed timestamp, fixed permissions), with <c>apiroutes.bundle.json</c> first, listing the
/// SHA-256 of every other file. Development-only files are left out. A bundle that <c>apiroutes serve</c> and
/// <c>ApiRoutes:VerifyBundle</c> would refuse (a name they do not accept, no route manifest) is not written.
/// </summary>
internal static class BundleWriter
{
    // 1980-01-01 is the earliest time a zip entry can hold; any fixed value makes the bytes repeatable.
    private static readonly DateTimeOffset FixedTimestamp = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    // Regular file rw-r--r-- (rwxr-xr-x for executables such as the app host), in the Unix part of the attributes.
    private const int RegularFile = 0x8000;
    private const int ReadWrite = 0b110_100_100;
    private const int Executable = 0b111_101_101;

    /// <summary>What never ships: development settings, secrets, build leftovers. Globs on the relative path.</summary>
    public static readonly string[] DefaultExcludes =
    [
        "appsettings.Development.json",
        "appsettings.*.Development.json",
        "**/secrets.json",
        "**/*.user",
        "**/.env",
        "**/.env.*",
        "**/*.env",          // production.env: dotenv files named for their environment
        "**/nuget.config",   // package feeds' credentials (review 25a F14); never read at run time. Any case: NuGet.Config
        "**/.npmrc",         // the same for npm's registries
        "obj/**",
        "**/obj/**",
        "Properties/launchSettings.json",
        "*.bundle.zip",
    ];

    /// <summary>
    /// Writes the bundle of <paramref name="publishDirectory"/> to <paramref name="bundlePath"/>, leaving out the paths
    /// <paramref name="excludes"/> match and, with <paramref name="published"/>, what this publish did not write (an
    /// earlier publish's files: <see cref="PublishedFiles.Stale"/>).
    /// </summary>
    /// <returns>The bundle manifest written into the zip; null when the files do not make a bundle that can be
    /// served, with the reasons in <paramref name="problems"/> and nothing written.</returns>
    public static BundleManifest? Write(string publishDirectory, string entryAssembly, string bundlePath, IEnumerable<string> excludes, BundleProblems problems, PublishedFiles? published = null)
    {
        var patterns = excludes.Select(Glob.ToRegex).ToList();
        var root = Path.GetFullPath(publishDirectory);
        var bundleFullPath = Path.GetFullPath(bundlePath);
        var (found, links) = Walk(root, problems);
        var files = found
            .Where(path => !string.Equals(Path.GetFullPath(path), bundleFullPath, StringComparison.Ordinal))
            .Select(path => (Full: path, Relative: Relative(root, path)))
            .Where(file => file.Relative != BundleManifest.FileName && !patterns.Exists(pattern => pattern.IsMatch(file.Relative)))
            .Where(file => published?.IsThisPublishs(file.Relative, file.Full) ?? true)
            .OrderBy(file => file.Relative, StringComparer.Ordinal)
            .ToList();

        // A link would be followed by the reads below: its target's bytes, from anywhere (a key beside the project), would be
        // packed as a file of the bundle (review 15, F8). The hosts refuse links; so does the publish. The walk does not
        // go into a linked folder (review 45b F2: a link to '/' was walked to its end, and the publish failed on a file
        // deep inside it, with an error that never named the link).
        foreach (var link in links
            .Select(path => Relative(root, path))
            .Where(relative => !patterns.Exists(pattern => pattern.IsMatch(relative)))
            .Order(StringComparer.Ordinal))
        {
            problems.Add($"{BundlePath.Quote(link)} in the publish folder is a symbolic link; a bundle holds regular files and folders only. Copy the file there instead of linking it.");
        }

        if (problems.Count > 0)
        {
            return null;
        }

        var manifest = new BundleManifest
        {
            EntryAssembly = entryAssembly,
            Files = [.. files.Select(file => Describe(file.Full, file.Relative))],
        };

        // The same reader as the hosts: what it refuses there must fail the publish here, not the deploy.
        var json = BundleManifest.Serialize(manifest);
        if (BundleManifestReader.Read(Encoding.UTF8.GetBytes(json), problems) is null)
        {
            return null;
        }

        // And what the hosts' check of the listed files refuses (review 46c F4: a runtimeconfig.template.json's startup hook
        // from outside, or probing paths, published without a word a bundle every host refused).
        HostJson.CheckWhatTheHostLoads(root, manifest, problems);
        if (problems.Count > 0)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var entry = Open(zip, BundleManifest.FileName))
            using (var writer = new StreamWriter(entry))
            {
                writer.Write(json);
            }

            foreach (var file in files)
            {
                using var entry = Open(zip, file.Relative, IsExecutable(file.Full));
                using var source = File.OpenRead(file.Full);
                source.CopyTo(entry);
            }
        }

        WriteIfChanged(bundlePath, buffer.ToArray());
        return manifest;
    }

    // The files and the links under root, without going into a linked folder; a folder that cannot be read is a problem.
    private static (List<string> Files, List<string> Links) Walk(string root, BundleProblems problems)
    {
        var files = new List<string>();
        var links = new List<string>();
        var folders = new Stack<string>();
        folders.Push(root);
        while (folders.TryPop(out var folder))
        {
            try
            {
                foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos())
                {
                    if (entry.LinkTarget is not null)
                    {
                        links.Add(entry.FullName);
                    }
                    else if (entry is DirectoryInfo)
                    {
                        folders.Push(entry.FullName);
                    }
                    else
                    {
                        files.Add(entry.FullName);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.SecurityException)
            {
                problems.Add(folder == root
                    ? $"The publish folder cannot be read: {e.Message} Check PublishDir, and publish again."
                    : $"{BundlePath.Quote(Relative(root, folder))} in the publish folder cannot be read: {e.Message} Give the build read access to it, or keep it out of the publish folder.");
            }
        }

        return (files, links);
    }

    private static string Relative(string root, string path) => Path.GetRelativePath(root, path).Replace('\\', '/');

    private static BundleFile Describe(string fullPath, string relativePath)
    {
        using var stream = File.OpenRead(fullPath);
        return new BundleFile(relativePath, stream.Length, BundleManifest.Sha256(stream));
    }

    private static Stream Open(ZipArchive zip, string name, bool executable = false)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
        entry.LastWriteTime = FixedTimestamp;
        entry.ExternalAttributes = (RegularFile | (executable ? Executable : ReadWrite)) << 16;
        return entry.Open();
    }

    private static bool IsExecutable(string path) =>
        !OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & UnixFileMode.UserExecute) != 0;

    private static void WriteIfChanged(string path, byte[] content)
    {
        if (File.Exists(path) && File.ReadAllBytes(path).AsSpan().SequenceEqual(content))
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllBytes(path, content);
    }
}
