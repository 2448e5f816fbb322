using System.IO.Compression;
using ApiRoutes.Bundling;
using static ApiRoutes.Bundling.BundlePath;

namespace ApiRoutes.Cli.Bundling;

/// <summary>
/// Unpacks a deploy bundle for <c>apiroutes serve</c>. Before opening the zip it bounds its central directory
/// (<see cref="ZipCentralDirectory"/>), which the archive would read into memory whole. Before writing anything it
/// reads the list (the zip's first entry), checks it, checks the sizes against the ceilings and the free space, and
/// checks every entry; then it unpacks into a fresh private folder, copying at most the listed size of each entry, and
/// verifies the folder with the same verifier as <c>ApiRoutes:VerifyBundle</c>. Any refusal removes the folder.
/// </summary>
internal static class BundleExtractor
{
    /// <exception cref="BundleRefusedException">The bundle will not be served; the message says why.</exception>
    public static ExtractedBundle Extract(string bundle, string cacheRoot, BundleLimits limits)
    {
        try
        {
            // One open file for the checks and the archive, so the zip checked is the zip read.
            using var file = new FileStream(bundle, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096);
            var length = file.Length;
            if (length > limits.MaxSize)
            {
                throw new BundleRefusedException($"it is {length} bytes, over the ceiling of {limits.MaxSize} bytes (--max-size).");
            }

            ZipCentralDirectory.Check(file.SafeFileHandle, limits);
            using var zip = new ZipArchive(file, ZipArchiveMode.Read);
            var (manifest, list) = ReadList(zip.Entries);
            CheckSize(manifest, cacheRoot, limits);
            var problems = new BundleProblems();
            var unpack = BundleZipCheck.Check(zip.Entries, manifest, problems);
            Refuse(problems);
            var (folder, held) = PrivateFolder.CreateUnder(cacheRoot);
            return Unpack(folder, held, list, unpack);
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException)
        {
            throw new BundleRefusedException($"it is not a valid zip file: {Printable(e.Message)}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BundleRefusedException($"it cannot be unpacked: {Printable(e.Message)}");
        }
    }

    private static (BundleManifest Manifest, byte[] Json) ReadList(IReadOnlyList<ZipArchiveEntry> entries)
    {
        if (entries.Count == 0 || entries[0].FullName != BundleManifest.FileName)
        {
            throw new BundleRefusedException($"its first entry is {(entries.Count == 0 ? "missing" : Quote(entries[0].FullName))}, "
                + $"not {BundleManifest.FileName}. Serve the bundle that 'dotnet publish' writes.");
        }

        if (BundleZipCheck.TypeProblem(entries[0]) is { } notAFile)
        {
            throw new BundleRefusedException($"The zip entry {BundleManifest.FileName} {notAFile}.");
        }

        using var stream = entries[0].Open();
        var json = BundleVerifier.ReadAtMost(stream, BundleManifestReader.MaxBytes)
            ?? throw new BundleRefusedException($"{BundleManifest.FileName} is over {BundleManifestReader.MaxBytes} bytes, more than any publish writes.");
        var problems = new BundleProblems();
        var manifest = BundleManifestReader.Read(json, problems);
        Refuse(problems);
        return (manifest!, json);
    }

    // From the list alone, before anything is written; Int128 because a crafted list can add up past long.
    private static void CheckSize(BundleManifest manifest, string cacheRoot, BundleLimits limits)
    {
        if (manifest.Files.Count > limits.MaxFiles)
        {
            throw new BundleRefusedException($"{BundleManifest.FileName} lists {manifest.Files.Count} files, over the ceiling of {limits.MaxFiles} (--max-files).");
        }

        var total = manifest.Files.Aggregate(Int128.Zero, (sum, file) => sum + file.Size);
        if (total > limits.MaxSize)
        {
            throw new BundleRefusedException($"{BundleManifest.FileName} lists {total} bytes in total, over the ceiling of {limits.MaxSize} bytes (--max-size).");
        }

        PrivateFolder.CreateRoot(cacheRoot);
        var free = limits.FreeSpace(cacheRoot);
        if (total > free)
        {
            throw new BundleRefusedException($"{BundleManifest.FileName} lists {total} bytes in total, more than the {free} bytes free in '{cacheRoot}'.");
        }
    }

    private static ExtractedBundle Unpack(string folder, BundleFolderLock held, byte[] list, List<(ZipArchiveEntry Entry, BundleFile File)> entries)
    {
        try
        {
            File.WriteAllBytes(Path.Join(folder, BundleManifest.FileName), list);
            foreach (var (entry, file) in entries)
            {
                BundleEntryWriter.Write(entry, file, folder);
            }

            PrivateFolder.Seal(folder);
            var problems = BundleVerifier.Verify(folder, out var manifest);
            if (problems.Count > 0)
            {
                throw new BundleRefusedException(BundleProblems.OneLine(problems));
            }

            return new ExtractedBundle(folder, held, manifest!);
        }
        catch
        {
            held.Release(folderRemoved: PrivateFolder.TryDelete(folder) is null);
            throw;
        }
    }

    private static void Refuse(BundleProblems problems)
    {
        if (problems.Count > 0)
        {
            throw new BundleRefusedException(BundleProblems.OneLine(problems.ToList()));
        }
    }
}
