using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using ApiRoutes.Manifest;
using ApiRoutes.Tasks.IntegrationTests.Infrastructure;

namespace ApiRoutes.Tasks.IntegrationTests;

/// <summary>
/// The package as a user gets it: a project with a PackageReference to the freshly packed ApiRoutes, built and
/// published with the real dotnet CLI.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class BuildTests(PackageFixture package)
{
    private const string Skipped = "Skipping target \"_ApiRoutesGenerateManifest\" because all output files are up-to-date";

    [Fact]
    public async Task Build_writes_the_manifest_beside_the_assembly_and_publish_copies_it()
    {
        var project = Sources.Shop(package).Write("apiroutes.yaml", """
            routes:
              /api/generate-report:
                timeLimit: 5m
            """);

        (await project.RunAsync("build")).ShouldSucceed();

        var manifest = ManifestJson.Deserialize(File.ReadAllText(project.ManifestPath()));
        Assert.Equal(
            [
                "/api/cleanup scheduled 0 * * * * Api/Cleanup.cs:7",
                "/api/generate-report background 300 Api/GenerateReport.cs:8",
                "/api/hello standard - Api/Hello.cs:6",
                "/api/orders/{id:int} standard - Api/OrderById.cs:7",
            ],
            manifest.Routes.Select(r => $"{r.Route} {r.Kind.ToString().ToLowerInvariant()} "
                + $"{r.Schedule?.Normalized ?? r.TimeLimitSeconds?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"} {r.Source!.File}:{r.Source.Line}"));
        Assert.Equal(Mvid(Path.Combine(project.OutputFolder(), "Shop.dll")), manifest.Assembly.Mvid);

        var publish = Path.Combine(project.Directory, "out");
        (await project.RunAsync("publish", "-o", publish)).ShouldSucceed();
        var published = ManifestJson.Deserialize(File.ReadAllText(Path.Combine(publish, RouteManifest.FileName)));
        Assert.Equal(Mvid(Path.Combine(publish, "Shop.dll")), published.Assembly.Mvid);
        Assert.Equal(manifest.Routes.Select(r => r.Route), published.Routes.Select(r => r.Route));
    }

    [Fact]
    public async Task A_bad_schedule_fails_the_build_with_its_code_file_line_and_column()
    {
        var project = Sources.Shop(package).Write("Api/Cleanup.cs", Sources.Cleanup("*/5 * * * * *"));

        var result = (await project.RunAsync("build")).ShouldFail();

        var file = Path.Combine(project.Directory, "Api", "Cleanup.cs");
        Assert.Contains($"{file}(6,17): error AR4003: '*/5 * * * * *' runs more than once a minute", result.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(project.ManifestPath()), "No manifest may sit beside an assembly whose routes failed validation.");
    }

    [Fact]
    public async Task A_yaml_error_fails_the_build_at_the_yaml_line_and_column()
    {
        var project = Sources.Shop(package).Write("apiroutes.yaml", "routes:\n  /api/cleanup:\n    schedule: \"@reboot\"\n");

        var result = (await project.RunAsync("build")).ShouldFail();

        Assert.Contains($"{Path.Combine(project.Directory, "apiroutes.yaml")}(3,15): error AR4002:", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_build_with_no_change_skips_the_analysis_and_a_changed_input_reruns_it()
    {
        var project = Sources.Shop(package);
        (await project.RunAsync("build")).ShouldSucceed();
        var written = File.GetLastWriteTimeUtc(project.ManifestPath());

        var again = (await project.RunAsync("build", "-v:detailed")).ShouldSucceed();

        Assert.Contains(Skipped, again.Output, StringComparison.Ordinal);
        Assert.Equal(written, File.GetLastWriteTimeUtc(project.ManifestPath()));

        // Adding apiroutes.yaml changes the routes: the analysis must run again.
        project.Write("apiroutes.yaml", "routes:\n  /api/cleanup:\n    schedule: \"@daily\"\n");
        var withYaml = (await project.RunAsync("build", "-v:detailed")).ShouldSucceed();
        Assert.DoesNotContain(Skipped, withYaml.Output, StringComparison.Ordinal);
        Assert.Equal("@daily", Schedule(project));

        // Deleting it is a change too, although no input is newer than the last run.
        project.Delete("apiroutes.yaml");
        (await project.RunAsync("build")).ShouldSucceed();
        Assert.Equal("@hourly", Schedule(project));
    }

    [Fact]
    public async Task Clean_removes_the_manifest()
    {
        var project = Sources.Shop(package);
        (await project.RunAsync("build")).ShouldSucceed();
        Assert.True(File.Exists(project.ManifestPath()));

        (await project.RunAsync("clean")).ShouldSucceed();

        Assert.False(File.Exists(project.ManifestPath()));
    }


    private static string Schedule(FixtureProject project) =>
        ManifestJson.Deserialize(File.ReadAllText(project.ManifestPath())).Routes.Single(r => r.Route == "/api/cleanup").Schedule!.Expression;

    private static Guid Mvid(string assemblyPath)
    {
        using var pe = new PEReader(File.OpenRead(assemblyPath));
        var reader = pe.GetMetadataReader();
        return reader.GetGuid(reader.GetModuleDefinition().Mvid);
    }
}
