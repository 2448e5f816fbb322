using ApiRoutes.Bundling;
using ApiRoutes.Cli.Bundling;

namespace ApiRoutes.Cli.Tests;

/// <summary>Unpacking for <c>apiroutes serve</c>: a fresh private folder every time, bounded by the list and the disk.</summary>
public sealed class BundleExtractorTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("apiroutes-extract-").FullName;

    private string Cache => Path.Combine(_folder, "cache");

    [Fact]
    public void A_good_bundle_is_unpacked_into_a_fresh_owner_only_read_only_folder_with_read_only_files_and_removed_on_dispose()
    {
        var bundle = CraftedBundle.Good().Write(Path.Combine(_folder, "App.bundle.zip"));

        string folder;
        using (var extracted = BundleExtractor.Extract(bundle, Cache, new BundleLimits()))
        {
            folder = extracted.Folder;
            Assert.Equal(Cache, Path.GetDirectoryName(folder));
            Assert.Equal(Path.Combine(folder, "App.dll"), extracted.EntryAssemblyPath);
            Assert.Equal("App.dll", extracted.Manifest.EntryAssembly);
            Assert.Equal(CraftedBundle.Good().Manifest().Files, extracted.Manifest.Files);
            Assert.Empty(BundleVerifier.Verify(folder));
            if (!OperatingSystem.IsWindows())
            {
                // 0500: the served app cannot add or replace a file of its bundle by mistake (review 15, F4).
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserExecute, new DirectoryInfo(folder).UnixFileMode);
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserExecute, new DirectoryInfo(Path.Combine(folder, "wwwroot")).UnixFileMode);
                Assert.Equal(UnixFileMode.UserRead, File.GetUnixFileMode(Path.Combine(folder, "appsettings.json")));
            }
        }

        Assert.False(Directory.Exists(folder));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Cache));
    }

    [Fact]
    public void A_file_added_to_an_unpacked_folder_is_never_served_again()
    {
        var bundle = CraftedBundle.Good().Write(Path.Combine(_folder, "App.bundle.zip"));

        // Where the previous version reused an unpacked folder: named by the bundle's SHA-256.
        string hash;
        using (var stream = File.OpenRead(bundle))
        {
            hash = BundleManifest.Sha256(stream);
        }

        Directory.CreateDirectory(Path.Combine(Cache, hash[..16]));
        File.WriteAllText(Path.Combine(Cache, hash[..16], "appsettings.Production.json"), """{"ApiRoutes":{"Dashboard":{"Enabled":true}}}""");
        using var first = BundleExtractor.Extract(bundle, Cache, new BundleLimits());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(first.Folder, PrivateFolder.OwnerOnly);   // as the app's own user can
        }

        File.WriteAllText(Path.Combine(first.Folder, "appsettings.Production.json"), """{"ApiRoutes":{"Dashboard":{"Enabled":true}}}""");

        using var second = BundleExtractor.Extract(bundle, Cache, new BundleLimits());

        Assert.NotEqual(first.Folder, second.Folder);
        Assert.False(File.Exists(Path.Combine(second.Folder, "appsettings.Production.json")));
        Assert.Empty(BundleVerifier.Verify(second.Folder));
        Assert.Equal(["'appsettings.Production.json' is present but not listed in apiroutes.bundle.json."], BundleVerifier.Verify(first.Folder));
    }

    [Fact]
    public void A_bundle_larger_than_the_free_space_is_refused_before_anything_is_written()
    {
        var bundle = CraftedBundle.Good().Write(Path.Combine(_folder, "App.bundle.zip"));
        var limits = new BundleLimits { FreeSpace = _ => 20 };

        var error = Assert.Throws<BundleRefusedException>(() => BundleExtractor.Extract(bundle, Cache, limits));

        var total = CraftedBundle.Good().Manifest().Files.Sum(file => file.Size);
        Assert.Equal($"apiroutes.bundle.json lists {total} bytes in total, more than the 20 bytes free in '{Cache}'.", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Cache));
    }

    [Fact]
    public void A_zip_larger_than_the_ceiling_is_refused_unopened()
    {
        var bundle = CraftedBundle.Good().Write(Path.Combine(_folder, "App.bundle.zip"));

        var error = Assert.Throws<BundleRefusedException>(() => BundleExtractor.Extract(bundle, Cache, new BundleLimits { MaxSize = 100 }));

        Assert.Equal($"it is {new FileInfo(bundle).Length} bytes, over the ceiling of 100 bytes (--max-size).", error.Message);
    }

    [Fact]
    public void The_free_space_of_the_cache_disk_is_read()
    {
        Directory.CreateDirectory(Cache);

        Assert.InRange(new BundleLimits().FreeSpace(Cache), 1, long.MaxValue);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
