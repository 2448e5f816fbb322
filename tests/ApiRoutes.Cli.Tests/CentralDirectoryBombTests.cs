using ApiRoutes.Cli.Bundling;

namespace ApiRoutes.Cli.Tests;

/// <summary>
/// The review's central-directory memory bomb: a zip of 46-byte records that all point at one entry, which the zip
/// reader would hold in memory at about 530 bytes each. It is refused from its end records and a count of its
/// records, before the archive is opened, and what the refusal allocates does not grow with the records.
/// </summary>
public sealed class CentralDirectoryBombTests : IDisposable
{
    private const int Copies = 40_000;

    private readonly string _folder = Directory.CreateTempSubdirectory("apiroutes-cd-bomb-").FullName;

    [Theory]
    // Declared honestly in the end record.
    [InlineData(false, true, "the zip has 40006 entries: more than the list and the ceiling of 10000 files (--max-files).")]
    // Declared honestly in the ZIP64 end record (the plain one says 0xFFFF).
    [InlineData(true, true, "the zip has 40006 entries: more than the list and the ceiling of 10000 files (--max-files).")]
    // The end records say 6 entries; the records are there all the same, and counted.
    [InlineData(false, false, "the zip has at least 10002 entries: more than the list and the ceiling of 10000 files (--max-files).")]
    [InlineData(true, false, "the zip has at least 10002 entries: more than the list and the ceiling of 10000 files (--max-files).")]
    public void A_central_directory_over_the_ceiling_is_refused_before_the_zip_is_opened(bool zip64, bool honest, string message)
    {
        var bundle = Write(CentralDirectoryZip.WithCopies(File.ReadAllBytes(CraftedBundle.Good().Write(Path.Combine(_folder, "good.zip"))), Copies, zip64, honest));
        var cache = Path.Combine(_folder, "cache");

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<BundleRefusedException>(() => BundleExtractor.Extract(bundle, cache, new BundleLimits()));
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

        Assert.Equal(message, error.Message);
        Assert.InRange(allocated, 0, 1 << 20);   // the archive would take about 20 MB for these records
        Assert.False(Directory.Exists(cache) && Directory.EnumerateFileSystemEntries(cache).Any());
    }

    [Theory]
    // A plain end record that points at a clean directory, and a ZIP64 locator a few bytes before where it belongs,
    // pointing at the copies: a reader that looks back a little for the locator would read them.
    [InlineData(4)]
    [InlineData(13)]
    public void A_zip64_locator_a_little_before_its_place_is_counted_too(int gap)
    {
        var good = File.ReadAllBytes(CraftedBundle.Good().Write(Path.Combine(_folder, "good.zip")));
        var bundle = Write(CentralDirectoryZip.WithCopies(good, Copies, zip64: true, declareCopies: false, locatorGap: gap));

        var error = Assert.Throws<BundleRefusedException>(() => BundleExtractor.Extract(bundle, Path.Combine(_folder, "cache"), new BundleLimits()));

        Assert.Equal("the zip has at least 10002 entries: more than the list and the ceiling of 10000 files (--max-files).", error.Message);
    }

    [Fact]
    public void A_central_directory_declared_larger_than_the_files_may_need_is_refused()
    {
        // 10,001 records of at most 5 KiB each.
        var zip = File.ReadAllBytes(CraftedBundle.Good().Write(Path.Combine(_folder, "good.zip")));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(zip.Length - 22 + 12), 10_001 * 5 * 1024 + 1);

        var error = Assert.Throws<BundleRefusedException>(() => BundleExtractor.Extract(Write(zip), Path.Combine(_folder, "cache"), new BundleLimits()));

        Assert.Equal("the zip's central directory is 51205121 bytes, over the 51205120 bytes that the list and 10000 files (--max-files) may need.", error.Message);
    }

    [Fact]
    public void A_bundle_at_the_ceiling_is_served()
    {
        // The list and 5 files, with --max-files 5: the bound is the ceiling's, not tighter.
        var bundle = CraftedBundle.Good().Write(Path.Combine(_folder, "App.bundle.zip"));

        using var extracted = BundleExtractor.Extract(bundle, Path.Combine(_folder, "cache"), new BundleLimits { MaxFiles = 5 });

        Assert.Equal(5, extracted.Manifest.Files.Count);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(byte[] zip)
    {
        var path = Path.Combine(_folder, "App.bundle.zip");
        File.WriteAllBytes(path, zip);
        return path;
    }
}
