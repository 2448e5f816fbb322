using System.IO.Compression;
using ApiRoutes.Bundling;
using static ApiRoutes.Bundling.BundlePath;

namespace ApiRoutes.Cli.Bundling;

/// <summary>
/// Writes one checked zip entry into the private folder. The zip's headers are not trusted: at most one byte more
/// than the listed size is inflated, and an entry that holds more (a zip bomb) or less is refused.
/// </summary>
internal static class BundleEntryWriter
{
    public static void Write(ZipArchiveEntry entry, BundleFile file, string folder)
    {
        var path = Path.GetFullPath(Path.Join(folder, file.Path));

        // The path rules already keep every listed path inside; this is the last line, not the only one.
        if (!path.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new BundleRefusedException($"The zip entry {Quote(entry.FullName)} would be written outside the bundle's folder.");
        }

        PrivateFolder.Create(Path.GetDirectoryName(path)!);
        long written;
        try
        {
            using var source = entry.Open();
            using var target = new FileStream(path, Options());
            written = CopyAtMost(source, target, file.Size + 1);
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException)
        {
            throw new BundleRefusedException($"The zip entry {Quote(entry.FullName)} cannot be unpacked: {Printable(e.Message)}");
        }

        if (written != file.Size)
        {
            throw new BundleRefusedException(written > file.Size
                ? $"The zip entry {Quote(entry.FullName)} inflates beyond its listed size of {file.Size} bytes."
                : $"The zip entry {Quote(entry.FullName)} holds {written} bytes, fewer than the {file.Size} listed.");
        }

        if (!OperatingSystem.IsWindows())
        {
            // Read-only: nothing that runs in the folder rewrites what was verified.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | (BundleZipCheck.IsExecutable(entry) ? UnixFileMode.UserExecute : 0));
        }
    }

    // CreateNew: never follows or replaces anything already at the path.
    private static FileStreamOptions Options()
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return options;
    }

    private static long CopyAtMost(Stream source, Stream target, long limit)
    {
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while (total < limit && (read = source.Read(buffer, 0, (int)Math.Min(buffer.Length, limit - total))) > 0)
        {
            target.Write(buffer, 0, read);
            total += read;
        }

        return total;
    }
}
