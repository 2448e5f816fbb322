using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using ApiRoutes.Bundling;

namespace ApiRoutes.Cli.Tests;

/// <summary>
/// Builds a deploy bundle in a test: by default what <c>dotnet publish</c> writes for a small app, then crafted the
/// ways an attacker would — unlisted entries, lying sizes, links, bad names — without writing anything big.
/// </summary>
internal sealed class CraftedBundle
{
    // The Unix part of a zip entry's external attributes: file type and permissions.
    public const int RegularFile = 0x81A4 << 16;
    public const int SymbolicLink = unchecked((int)0xA1FF0000);
    public const int Folder = 0x41ED << 16 | 0x10;   // drwxr-xr-x, and MS-DOS's directory bit, as zip -r writes it

    private readonly List<Entry> _entries = [];
    private readonly Dictionary<string, uint> _declaredSizes = new(StringComparer.Ordinal);

    public string EntryAssembly { get; set; } = "App.dll";

    /// <summary>Changes the listed files or entry assembly just before the bundle manifest is written.</summary>
    public Func<BundleManifest, BundleManifest> EditManifest { get; set; } = manifest => manifest;

    /// <summary>When set, written as <c>apiroutes.bundle.json</c> instead of the manifest of the entries.</summary>
    public string? ManifestJson { get; set; }

    public static CraftedBundle Good() => new CraftedBundle()
        .Add("App.dll", "MZ the app")
        .Add("App.runtimeconfig.json", """{"runtimeOptions":{}}""")
        .Add("apiroutes.manifest.json", """{"schemaVersion":1}""")
        .Add("appsettings.json", """{"Logging":{}}""")
        .Add("wwwroot/site.css", "body{}");

    /// <summary>A file that is in the zip and, when <paramref name="listed"/>, in the bundle manifest.</summary>
    public CraftedBundle Add(string name, string content, bool listed = true, int attributes = RegularFile) =>
        Add(name, Encoding.UTF8.GetBytes(content), listed, attributes);

    /// <param name="stored">Stored rather than deflated: the zip reader then returns the entry's compressed length of
    /// bytes whatever size the headers declare.</param>
    public CraftedBundle Add(string name, byte[] content, bool listed = true, int attributes = RegularFile, bool stored = false)
    {
        _entries.Add(new Entry(name, content, listed, attributes, stored));
        return this;
    }

    public CraftedBundle With(Action<CraftedBundle> change)
    {
        change(this);
        return this;
    }

    /// <summary>Rewrites the uncompressed size that the zip's headers state for an entry, as a zip bomb does.</summary>
    public CraftedBundle DeclareSize(string name, uint size)
    {
        _declaredSizes[name] = size;
        return this;
    }

    public BundleManifest Manifest() => EditManifest(new BundleManifest
    {
        EntryAssembly = EntryAssembly,
        Files = [.. _entries.Where(e => e.Listed).OrderBy(e => e.Name, StringComparer.Ordinal).Select(e => Describe(e.Name, e.Content))],
    });

    public static BundleFile Describe(string name, byte[] content) =>
        new(name, content.Length, BundleManifest.Sha256(new MemoryStream(content)));

    public string Write(string path)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            var json = Encoding.UTF8.GetBytes(ManifestJson ?? BundleManifest.Serialize(Manifest()));
            foreach (var entry in _entries.Prepend(new Entry(BundleManifest.FileName, json, true, RegularFile, false)))
            {
                var zipEntry = zip.CreateEntry(entry.Name, entry.Stored ? CompressionLevel.NoCompression : CompressionLevel.Optimal);
                zipEntry.ExternalAttributes = entry.Attributes;
                using var stream = zipEntry.Open();
                stream.Write(entry.Content);
            }
        }

        var bytes = buffer.ToArray();
        foreach (var (name, size) in _declaredSizes)
        {
            PatchSize(bytes, name, size);
        }

        File.WriteAllBytes(path, bytes);
        return path;
    }

    // The size is in the local header (offset 22, name at 30) and in the central directory (offset 24, name at 46).
    private static void PatchSize(byte[] zip, string name, uint size)
    {
        var encoded = Encoding.UTF8.GetBytes(name);
        var patched = 0;
        foreach (var (signature, sizeOffset, nameOffset) in new[] { (0x04034b50u, 22, 30), (0x02014b50u, 24, 46) })
        {
            for (var i = 0; i + nameOffset + encoded.Length <= zip.Length; i++)
            {
                if (BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(i)) == signature
                    && zip.AsSpan(i + nameOffset, encoded.Length).SequenceEqual(encoded)
                    && BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(i + nameOffset - (signature == 0x04034b50u ? 4 : 18))) == encoded.Length)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(i + sizeOffset), size);
                    patched++;
                }
            }
        }

        if (patched == 0 || patched % 2 != 0)
        {
            throw new InvalidOperationException($"Patched {patched} headers of '{name}'; expected a local and a central header for each entry.");
        }
    }

    private sealed record Entry(string Name, byte[] Content, bool Listed, int Attributes, bool Stored);
}
