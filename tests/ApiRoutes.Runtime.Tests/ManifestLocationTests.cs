using ApiRoutes.Manifest;
using ApiRoutes.ManifestLoading;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// Where the runtime looks for its manifest when none is configured: beside the app; else, in a project that references
/// the app (a test project under WebApplicationFactory), the copy its build put there under the app's name.
/// </summary>
public sealed class ManifestLocationTests
{
    [Fact]
    public void Without_a_manifest_beside_it_the_app_reads_the_copy_named_after_it_and_only_that()
    {
        // This test assembly's folder has no apiroutes.manifest.json of its own (nothing builds one here).
        Assert.False(File.Exists(ManifestLoader.DefaultPath));
        var name = "App" + Guid.NewGuid().ToString("N");
        var copy = Path.Combine(AppContext.BaseDirectory, $"{name}.{RouteManifest.FileName}");
        File.WriteAllText(copy, "{}");
        try
        {
            Assert.Equal(copy, ManifestLoader.DefaultPathFor(name));
            Assert.Equal(ManifestLoader.DefaultPath, ManifestLoader.DefaultPathFor("Another" + name));   // another app's: not read
            Assert.Equal(ManifestLoader.DefaultPath, ManifestLoader.DefaultPathFor(null));
        }
        finally
        {
            File.Delete(copy);
        }
    }
}
