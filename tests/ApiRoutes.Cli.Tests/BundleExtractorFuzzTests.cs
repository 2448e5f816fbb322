using System.Globalization;
using System.Text;
using ApiRoutes.Bundling;
using ApiRoutes.Cli.Bundling;

namespace ApiRoutes.Cli.Tests;

/// <summary>
/// The extractor on corrupted zips and randomly crafted bundles (a fixed seed, so a failure repeats): each one is
/// unpacked exactly as listed or refused with one line and nothing left behind — never an exception, never a file
/// outside the cache.
/// </summary>
public sealed class BundleExtractorFuzzTests : IDisposable
{
    private const int Zips = 1600;

    private static readonly string[] Names =
    [
        "App.dll", "app.dll", "appsettings.json", "appsettings.Production.json", "Evil.dll", "wwwroot/site.css", "wwwroot/", "wwwroot",
        "../escape.txt", "wwwroot/../../escape.txt", "/tmp/apiroutes-fuzz-absolute.txt", "C:/x.txt", @"..\escape.txt", "a//b", "./a", "x\0y",
        "x\u001By", "x\u202Ey", "apiroutes.bundle.json", "APIROUTES.BUNDLE.JSON", "apiroutes.manifest.json", new string('n', 300),
        "x\U000E0001y", "x\u2028y", "wwwroot/x\u00A0y", "wwwroot\uFF0Fx", "nul.txt", "wwwroot/CON", "LPT1/x",
    ];

    private static readonly int[] Attributes = [CraftedBundle.RegularFile, CraftedBundle.SymbolicLink, 0, 0x41ED << 16, 0x11A4 << 16, -1];

    private readonly string _folder = Directory.CreateTempSubdirectory("apiroutes-extract-fuzz-").FullName;
    private readonly Random _random = new(20261202);

    [Fact]
    public void Corrupted_and_crafted_zips_are_unpacked_exactly_or_refused_never_an_exception()
    {
        var cache = Path.Combine(_folder, "cache");
        var bundle = Path.Combine(_folder, "App.bundle.zip");
        var good = File.ReadAllBytes(CraftedBundle.Good().Write(bundle));
        var limits = new BundleLimits { MaxSize = 1 << 22, MaxFiles = 50, FreeSpace = _ => 1L << 40 };
        var refused = 0;
        for (var i = 0; i < Zips; i++)
        {
            var zip = (i % 4) switch
            {
                0 => Corrupted(good),
                1 => Truncated(good),
                2 => CorruptedEnd(good),
                _ => File.ReadAllBytes(Crafted().Write(bundle)),
            };
            File.WriteAllBytes(bundle, zip);

            try
            {
                using var extracted = BundleExtractor.Extract(bundle, cache, limits);
                Assert.Empty(BundleVerifier.Verify(extracted.Folder));
            }
            catch (BundleRefusedException e)
            {
                refused++;
                Assert.DoesNotContain(e.Message, c => char.IsControl(c) || c is '\u2028' or '\u2029' || char.GetUnicodeCategory(c) == UnicodeCategory.Format);
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException($"zip {i} ({Convert.ToBase64String(zip)}) threw {e}");
            }

            Assert.Empty(Directory.Exists(cache) ? Directory.EnumerateFileSystemEntries(cache) : []);
            Assert.False(File.Exists(Path.Combine(_folder, "escape.txt")));
            Assert.False(File.Exists("/tmp/apiroutes-fuzz-absolute.txt"));
        }

        Assert.InRange(refused, Zips / 2, Zips);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private byte[] Corrupted(byte[] good)
    {
        var zip = (byte[])good.Clone();
        for (var i = _random.Next(1, 6); i > 0; i--)
        {
            zip[_random.Next(zip.Length)] = (byte)_random.Next(256);
        }

        return zip;
    }

    // The central directory and end records, which are read before the archive: copies of a record (below and over the
    // ceiling, declared or not, with ZIP64 end records or without), then bytes changed among the last ones.
    private byte[] CorruptedEnd(byte[] good)
    {
        var zip = CentralDirectoryZip.WithCopies(good, _random.Next(0, 60), zip64: _random.Next(2) == 0, declareCopies: _random.Next(2) == 0);
        for (var i = _random.Next(0, 6); i > 0; i--)
        {
            zip[zip.Length - 1 - _random.Next(Math.Min(zip.Length, 140))] = (byte)(_random.Next(3) == 0 ? 0xFF : _random.Next(256));
        }

        return zip;
    }

    private byte[] Truncated(byte[] good)
    {
        var start = _random.Next(good.Length);
        return [.. good.AsSpan(0, start), .. good.AsSpan(Math.Min(good.Length, start + _random.Next(1, 200)))];
    }

    private CraftedBundle Crafted()
    {
        var bundle = CraftedBundle.Good();
        for (var i = _random.Next(1, 4); i > 0; i--)
        {
            var name = Names[_random.Next(Names.Length)];
            var content = Encoding.UTF8.GetBytes(new string('x', _random.Next(0, 3000)));
            bundle.Add(name, content, listed: _random.Next(2) == 0, Attributes[_random.Next(Attributes.Length)], stored: _random.Next(2) == 0);
            if (_random.Next(4) == 0)
            {
                bundle.DeclareSize(name, (uint)new[] { 0, 1, content.Length + 1, int.MaxValue }[_random.Next(4)]);
            }
        }

        var entry = _random.Next(4) == 0 ? Names[_random.Next(Names.Length)] : "App.dll";
        return bundle.With(b => b.EntryAssembly = entry);
    }
}
