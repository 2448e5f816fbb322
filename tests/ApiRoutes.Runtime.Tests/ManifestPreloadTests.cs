using ApiRoutes.Manifest;
using ApiRoutes.ManifestLoading;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// The generated entry point loads the route table on another thread while it builds the app: the table is taken only
/// for the options it was loaded for, and a manifest that cannot be loaded fails as it does without the preload.
/// </summary>
public sealed class ManifestPreloadTests
{
    [Fact]
    public void The_preloaded_table_is_the_one_the_options_ask_for()
    {
        var path = TestManifest.Write(Create(StandardRoute("/api/hello", typeof(Hello))));
        var preload = ManifestPreload.Start(Configuration(("ApiRoutes:ManifestPath", path)), App)!;

        var table = preload.TakeFor(new ApiRoutesOptions { ManifestPath = path }, "App");

        Assert.NotNull(table);
        Assert.Equal(path, table.ManifestPath);
        Assert.Equal(["/api/hello"], table.Routes.Select(r => r.Template));
    }

    [Fact]
    public void Options_changed_by_code_after_configuration_are_not_given_the_preloaded_table()
    {
        var path = TestManifest.Write(Create(StandardRoute("/api/hello", typeof(Hello))));
        var preload = ManifestPreload.Start(Configuration(("ApiRoutes:ManifestPath", path)), App)!;

        Assert.Null(preload.TakeFor(new ApiRoutesOptions { ManifestPath = path + ".other" }, "App"));
        Assert.Null(preload.TakeFor(new ApiRoutesOptions { ManifestPath = path, VerifyBundle = true }, "App"));
        Assert.Null(preload.TakeFor(new ApiRoutesOptions { ManifestPath = path }, "AnotherApp"));
    }

    [Fact]
    public void A_manifest_that_cannot_be_loaded_fails_with_the_error_of_a_load_without_preload()
    {
        var path = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), RouteManifest.FileName);
        var preload = ManifestPreload.Start(Configuration(("ApiRoutes:ManifestPath", path)), App)!;
        var options = new ApiRoutesOptions { ManifestPath = path };

        var preloaded = Assert.Throws<ApiRoutesManifestException>(() => preload.TakeFor(options, "App"));

        Assert.Equal(Assert.Throws<ApiRoutesManifestException>(() => ManifestLoader.Load(options, "App")).Message, preloaded.Message);
        Assert.Contains("does not exist", preloaded.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bundle_check_setting_that_does_not_bind_starts_no_preload()
    {
        // The options binding fails start-up with its own message; the preload stays out of it.
        Assert.Null(ManifestPreload.Start(Configuration(("ApiRoutes:VerifyBundle", "maybe")), App));
        Assert.NotNull(ManifestPreload.Start(Configuration(("ApiRoutes:VerifyBundle", "True")), App));
    }

    [Fact]
    public void A_preload_started_after_other_work_loads_only_once_that_work_is_over()
    {
        // No manifest yet: a load that ran before the work it follows would fail with "does not exist".
        var path = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), RouteManifest.FileName);
        var storeOpen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var preload = ManifestPreload.Start(Configuration(("ApiRoutes:ManifestPath", path)), App, after: storeOpen.Task)!;

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Copy(TestManifest.Write(Create(StandardRoute("/api/hello", typeof(Hello)))), path);
        storeOpen.SetResult();

        var table = preload.TakeFor(new ApiRoutesOptions { ManifestPath = path }, "App");
        Assert.Equal(["/api/hello"], table!.Routes.Select(r => r.Template));
    }

    [Fact]
    public void A_preload_after_work_that_failed_still_loads()
    {
        var path = TestManifest.Write(Create(StandardRoute("/api/hello", typeof(Hello))));
        var preload = ManifestPreload.Start(Configuration(("ApiRoutes:ManifestPath", path)), App, after: Task.FromException(new IOException("store")))!;

        Assert.NotNull(preload.TakeFor(new ApiRoutesOptions { ManifestPath = path }, "App"));
    }

    private static readonly Microsoft.Extensions.Hosting.Internal.HostingEnvironment App = new() { ApplicationName = "App", EnvironmentName = "Production" };

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();
}
