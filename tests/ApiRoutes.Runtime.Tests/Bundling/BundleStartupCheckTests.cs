using ApiRoutes.Bundling;
using ApiRoutes.ManifestLoading;

namespace ApiRoutes.Runtime.Tests.Bundling;

/// <summary>ApiRoutes:VerifyBundle serves only the bundle's own route manifest, from the bundle's own app.</summary>
public sealed class BundleStartupCheckTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("apiroutes-startup-").FullName;

    public BundleStartupCheckTests() => VerifierFixture.WriteBundle(_root);

    private string App => Path.Combine(_root, "App.dll");

    private string RouteManifest => Path.Combine(_root, "apiroutes.manifest.json");

    [Fact]
    public void The_bundle_app_with_its_own_manifest_may_start() =>
        Assert.Empty(BundleStartupCheck.Problems(_root + "/", RouteManifest, App));

    [Fact]
    public void A_route_manifest_from_outside_the_bundle_is_refused()
    {
        var outside = Path.Combine(Path.GetTempPath(), "apiroutes.manifest.json");

        Assert.Equal(
            [$"ApiRoutes:ManifestPath is '{outside}', not the bundle's apiroutes.manifest.json; with ApiRoutes:VerifyBundle only the verified manifest is served. Remove ApiRoutes:ManifestPath."],
            BundleStartupCheck.Problems(_root, outside, App));
    }

    [Fact]
    public void An_app_from_outside_the_bundle_is_refused()
    {
        var outside = Path.Combine(Path.GetTempPath(), "App.dll");

        Assert.Equal([$"The running app is '{outside}', not the bundle's entry assembly 'App.dll'."], BundleStartupCheck.Problems(_root, RouteManifest, outside));
    }

    [Fact]
    public void A_folder_that_is_not_its_bundle_is_refused_first()
    {
        File.WriteAllText(Path.Combine(_root, "appsettings.Production.json"), "{}");

        Assert.Equal(["'appsettings.Production.json' is present but not listed in apiroutes.bundle.json."], BundleStartupCheck.Problems(_root, "/elsewhere/m.json", "/elsewhere/App.dll"));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
