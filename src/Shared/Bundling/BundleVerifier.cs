using System.Security;
using System.Security.Cryptography;
using static ApiRoutes.Bundling.BundlePath;

namespace ApiRoutes.Bundling;

/// <summary>
/// Checks an unpacked bundle against its <c>apiroutes.bundle.json</c>: the folder holds exactly the listed files,
/// each with its listed size and SHA-256, and nothing else — no other file, no other folder, no symbolic link — and its
/// runtime configuration and deps file name no code to load from outside it (<see cref="BundleRuntimeConfig"/>,
/// <see cref="BundleDepsFile"/>). Used
/// by <c>apiroutes serve</c> after unpacking and by the runtime's <c>ApiRoutes:VerifyBundle</c> at start-up. Never
/// throws: every problem is a sentence.
/// </summary>
internal static class BundleVerifier
{
    private static readonly string EmptySha256 = Convert.ToHexStringLower(SHA256.HashData([]));

    /// <returns>Every problem found (at most <see cref="BundleProblems.Max"/>); empty when the folder is the bundle.</returns>
    public static IReadOnlyList<string> Verify(string root) => Verify(root, out _);

    /// <param name="root">The bundle's root folder; it may be reached through a link, nothing inside it may be one.</param>
    /// <param name="manifest">The verified list, or null when there are problems.</param>
    public static IReadOnlyList<string> Verify(string root, out BundleManifest? manifest)
    {
        var problems = new BundleProblems();
        manifest = null;
        try
        {
            manifest = ReadManifest(root, problems);
            if (manifest is not null)
            {
                new BundleTree(manifest, problems).Check(root);
                if (problems.Count == 0)
                {
                    // The files are the listed ones: what the listed runtime configuration tells the host to load (helper 37c F1).
                    HostJson.CheckWhatTheHostLoads(root, manifest, problems);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException or SecurityException)
        {
            problems.Add($"The bundle in {Quote(root)} cannot be checked: {e.Message}");
        }

        if (problems.Count > 0)
        {
            manifest = null;
        }

        return problems.ToList();
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes; more means the source is over the limit.</summary>
    /// <returns>The bytes, or null when there were more.</returns>
    public static byte[]? ReadAtMost(Stream source, int limit)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = source.Read(chunk, 0, (int)Math.Min(chunk.Length, limit + 1L - buffer.Length))) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > limit)
            {
                return null;
            }
        }

        return buffer.ToArray();
    }

    /// <summary>Whether the file holds exactly the listed bytes; reads at most one byte more than listed.</summary>
    public static bool HasListedContent(string path, BundleFile file)
    {
        if (file.Size == 0)
        {
            // Nothing to read; and opening a FIFO that stands in for an empty file would block.
            return file.Sha256 == EmptySha256;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var chunk = new byte[81920];
        long total = 0;
        int read;
        while (total <= file.Size && (read = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, file.Size + 1 - total))) > 0)
        {
            hash.AppendData(chunk, 0, read);
            total += read;
        }

        return total == file.Size && Convert.ToHexStringLower(hash.GetHashAndReset()) == file.Sha256;
    }

    private static BundleManifest? ReadManifest(string root, BundleProblems problems)
    {
        var path = Path.Combine(root, BundleManifest.FileName);
        var info = new FileInfo(path);
        if (info.LinkTarget is not null)
        {
            problems.Add($"{Quote(BundleManifest.FileName)} is a symbolic link; a bundle holds regular files and folders only.");
            return null;
        }

        if (!info.Exists)
        {
            problems.Add($"{Quote(path)} does not exist, so the files cannot be checked. Serve the app from its deploy bundle.");
            return null;
        }

        if (info.Length == 0)
        {
            // Not opened: a FIFO in its place would block the read.
            return BundleManifestReader.Read([], problems);
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        if (info.Length > BundleManifestReader.MaxBytes || ReadAtMost(stream, BundleManifestReader.MaxBytes) is not { } json)
        {
            problems.Add($"{BundleManifest.FileName} is over {BundleManifestReader.MaxBytes} bytes, more than any publish writes.");
            return null;
        }

        return BundleManifestReader.Read(json, problems);
    }
}
