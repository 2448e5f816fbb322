using System.Globalization;
using System.Text;
using ApiRoutes.Tasks.Diagnostics;

namespace ApiRoutes.Tasks.Configuration;

/// <summary>
/// Reads <c>apiroutes.yaml</c> from disk, at most <see cref="MaxBytes"/> of it, and hands the text to
/// <see cref="RoutesConfigReader"/>. The bound holds for files whose length the file system does not know too
/// (a pipe or <c>/dev/zero</c> named by <c>ApiRoutesConfigFile</c>), so the build never reads without end.
/// </summary>
internal static class RoutesConfigFile
{
    /// <summary>The most the file may hold; a configuration of hundreds of routes takes a few kilobytes.</summary>
    public const int MaxBytes = 1024 * 1024;

    public static RoutesConfig? Read(string path, DiagnosticBag diagnostics)
    {
        byte[] bytes;
        try
        {
            // A file of no length is not opened: what a regular one holds is known, and a FIFO (which has none) blocks
            // its reader for good until a writer comes (review 27a F3). A device or a FIFO so named reads as empty.
            if (new FileInfo(path) is { Exists: true, Length: 0 })
            {
                return RoutesConfigReader.Read(path, "", diagnostics);
            }

            using var file = File.OpenRead(path);
            bytes = ReadAtMost(file, MaxBytes + 1);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            diagnostics.Add(DiagnosticCodes.InvalidYaml, new SourceLocation(path), $"apiroutes.yaml cannot be read: {e.Message}");
            return null;
        }

        if (bytes.Length > MaxBytes)
        {
            diagnostics.Add(DiagnosticCodes.InvalidYaml, new SourceLocation(path),
                $"apiroutes.yaml is larger than {MaxBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes (1 MiB), the most ApiRoutes reads; a configuration of "
                + "hundreds of routes takes a few kilobytes. Check that ApiRoutesConfigFile names the right file.");
            return null;
        }

        // As File.ReadAllText: UTF-8 unless a byte order mark says otherwise; invalid bytes become U+FFFD.
        using var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return RoutesConfigReader.Read(path, reader.ReadToEnd(), diagnostics);
    }

    private static byte[] ReadAtMost(Stream stream, int limit)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while (buffer.Length < limit && (read = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, limit - buffer.Length))) > 0)
        {
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
