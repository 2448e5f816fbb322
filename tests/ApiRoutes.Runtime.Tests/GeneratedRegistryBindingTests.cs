using ApiRoutes.ManifestLoading;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// An app built with the package's handler registry (every C# app, and the only way a trimmed or Native AOT one binds):
/// the manifest's entries bind to the registry's types, and the build id, not the MVID, says whether the manifest is
/// this build's.
/// </summary>
public class GeneratedRegistryBindingTests
{
    private const string BuildId = "0123456789abcdef0123456789abcdef";

    [Fact]
    public void The_manifest_entries_bind_to_the_registered_types_without_loading_the_assembly_by_name()
    {
        var manifest = Create(StandardRoute("/api/hello", typeof(Hello)), BackgroundRoute("/api/slow", typeof(Slow)));
        var path = TestManifest.Write(manifest with { Assembly = manifest.Assembly with { BuildId = BuildId, Mvid = Guid.NewGuid() } });

        var table = ManifestLoader.Load(path, NoLoading, Registry(BuildId, typeof(Hello), typeof(Slow), typeof(Tick)));

        Assert.Equal([typeof(Hello), typeof(Slow)], table.Routes.Select(route => route.HandlerType));
    }

    [Theory]
    [InlineData("fedcba9876543210fedcba9876543210", "build id fedcba9876543210fedcba9876543210")]   // another build's manifest
    [InlineData(null, "build id (none)")]                                                            // written without the generator
    public void A_manifest_of_another_build_stops_start_up(string? manifestBuildId, string named)
    {
        var manifest = Create(StandardRoute("/api/hello", typeof(Hello)));
        var path = TestManifest.Write(manifest with { Assembly = manifest.Assembly with { BuildId = manifestBuildId } });

        var error = Assert.Throws<ApiRoutesManifestException>(() => ManifestLoader.Load(path, NoLoading, Registry(BuildId, typeof(Hello))));

        Assert.Equal(
            $"The manifest '{path}' was written for {manifest.Assembly.FileName} with {named}, but the running "
            + $"{manifest.Assembly.Name} was compiled with build id {BuildId}: the manifest is out of date. Build the project again "
            + "(dotnet build or dotnet publish) so that the manifest and the app come from the same build.",
            error.Message);
    }

    // Review 25a F8: a handler class another source generator adds is in the compiled assembly (so in the manifest) but
    // not in the registry (generators do not see each other's output): it refused to start after a clean build.
    [Fact]
    public void A_handler_the_registry_does_not_list_binds_by_name_in_the_registered_assembly()
    {
        var manifest = Create(StandardRoute("/api/hello", typeof(Hello)), BackgroundRoute("/api/slow", typeof(Slow)));
        var path = TestManifest.Write(manifest with { Assembly = manifest.Assembly with { BuildId = BuildId } });

        var table = ManifestLoader.Load(path, NoLoading, Registry(BuildId, typeof(Slow)));

        Assert.Equal([typeof(Hello), typeof(Slow)], table.Routes.Select(route => route.HandlerType));
    }

    [Fact]
    public void A_handler_neither_the_registry_nor_the_assembly_has_stops_start_up()
    {
        var manifest = Create(StandardRoute("/api/hello", typeof(Hello)));
        var path = TestManifest.Write(manifest with
        {
            Assembly = manifest.Assembly with { BuildId = BuildId },
            Routes = [.. manifest.Routes.Select(route => route with { Handler = route.Handler with { Type = "Shop.Api.Gone" } })],
        });

        var error = Assert.Throws<ApiRoutesManifestException>(() => ManifestLoader.Load(path, NoLoading, Registry(BuildId, typeof(Slow))));

        Assert.Contains("names the handler 'Shop.Api.Gone', which is not a concrete IApiHandler", error.Message, StringComparison.Ordinal);
    }

    // Review 25a F11: two apps with one output folder overwrite each other's apiroutes.manifest.json; app A then read B's
    // manifest, bound B's handlers by name and served B's routes, silently. The manifest found by default is this app's.
    [Fact]
    public void A_manifest_written_for_another_app_stops_start_up_and_names_the_shared_output_folder()
    {
        var manifest = Create(StandardRoute("/api/hello", typeof(Hello)));
        var path = TestManifest.Write(manifest with { Assembly = manifest.Assembly with { BuildId = BuildId } });

        var error = Assert.Throws<ApiRoutesManifestException>(() => ManifestLoader.Load(path, NoLoading, Registry(BuildId, typeof(Hello)), owner: "OtherApp"));
        var own = ManifestLoader.Load(path, NoLoading, Registry(BuildId, typeof(Hello)), owner: manifest.Assembly.Name);

        Assert.Equal(
            $"The route manifest '{path}' was written for the app {manifest.Assembly.Name}, but this app is OtherApp. Apps that "
            + "build or publish into one output folder (a shared OutDir) overwrite each other's apiroutes.manifest.json: give "
            + "each app a folder of its own, then build again.",
            error.Message);
        Assert.Equal([typeof(Hello)], own.Routes.Select(route => route.HandlerType));
    }

    private static Func<string, GeneratedHandlers?> Registry(string buildId, params Type[] handlers) =>
        name => new GeneratedHandlers(typeof(Hello).Assembly, buildId, handlers.ToDictionary(type => type.FullName!, type => new HandlerRegistration(type.FullName!, type)));

    private static System.Reflection.Assembly NoLoading(string name) =>
        throw new InvalidOperationException($"The registry path must not load '{name}' by name.");
}
