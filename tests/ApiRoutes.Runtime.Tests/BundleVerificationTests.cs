using ApiRoutes.Bundling;

namespace ApiRoutes.Runtime.Tests;

public sealed class BundleVerificationTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("apiroutes-bundle-").FullName;

    public BundleVerificationTests()
    {
        File.WriteAllText(Path.Combine(_root, "App.dll"), "app");
        Directory.CreateDirectory(Path.Combine(_root, "wwwroot"));
        File.WriteAllText(Path.Combine(_root, "wwwroot", "site.css"), "body{}");
        var files = new[] { "App.dll", "wwwroot/site.css" }
            .Select(path =>
            {
                using var stream = File.OpenRead(Path.Combine(_root, path));
                return new BundleFile(path, stream.Length, BundleManifest.Sha256(stream));
            })
            .ToList();
        File.WriteAllText(Path.Combine(_root, BundleManifest.FileName), BundleManifest.Serialize(new BundleManifest { EntryAssembly = "App.dll", Files = files }));
    }

    [Fact]
    public void An_untouched_bundle_verifies() => Assert.Empty(BundleVerifier.Verify(_root));

    [Fact]
    public void A_changed_file_of_the_same_size_is_found()
    {
        File.WriteAllText(Path.Combine(_root, "App.dll"), "APP");

        Assert.Equal(["'App.dll' has been changed (its SHA-256 differs from the bundle manifest)."], BundleVerifier.Verify(_root));
    }

    [Fact]
    public void A_missing_file_is_found()
    {
        File.Delete(Path.Combine(_root, "wwwroot", "site.css"));

        Assert.Equal(["'wwwroot/site.css' is missing."], BundleVerifier.Verify(_root));
    }

    [Fact]
    public void A_folder_without_a_bundle_manifest_cannot_be_verified() =>
        Assert.Contains("does not exist", Assert.Single(BundleVerifier.Verify(Path.Combine(_root, "wwwroot"))), StringComparison.Ordinal);

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
