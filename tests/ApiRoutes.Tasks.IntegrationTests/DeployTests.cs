using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text.Json;
using ApiRoutes.Bundling;
using ApiRoutes.Tasks.IntegrationTests.Infrastructure;

namespace ApiRoutes.Tasks.IntegrationTests;

/// <summary>The deploy loop through the packed package: bundle on publish, validation in CI.</summary>
[Collection(PackageCollection.Name)]
public sealed class DeployTests(PackageFixture package)
{
    [Fact]
    public async Task Publish_writes_a_deterministic_bundle_without_development_files()
    {
        // A target of the app's own writes a file into the publish folder (listed nowhere): it is part of what was published.
        var project = Sources.Shop(package)
            .Write("appsettings.json", """{"Logging":{"LogLevel":{"Default":"Information"}}}""")
            .Write("appsettings.Development.json", """{"ConnectionStrings":{"Db":"dev-only"}}""")
            .Write("wwwroot/css/site.css", "body { color: black; }")   // a static web asset: the SDK copies it, listed in FileWrites only
            .AddToProject("""
                <Target Name="WriteBuildInfo" AfterTargets="Publish">
                  <WriteLinesToFile File="$(PublishDir)build-info.txt" Lines="built by CI" Overwrite="true" />
                </Target>
                """);
        var bundle = Path.Combine(project.OutputFolder("Release"), "Shop.bundle.zip");
        var publish = Path.Combine(project.OutputFolder("Release"), "publish");

        var first = (await project.RunAsync("publish")).ShouldSucceed();
        var firstBytes = File.ReadAllBytes(bundle);
        // Review 15 F8: what an earlier publish left in the folder (a dependency since removed, settings since deleted from
        // the project) is no file of this publish, and is not bundled.
        var anHourAgo = DateTime.UtcNow.AddHours(-1);
        foreach (var stale in new[] { "Removed.Dependency.dll", "appsettings.Production.json" })
        {
            File.WriteAllText(Path.Combine(publish, stale), """{"ConnectionStrings":{"Db":"last year's"}}""");
            File.SetLastWriteTimeUtc(Path.Combine(publish, stale), anHourAgo);
        }
        File.SetLastWriteTimeUtc(Path.Combine(project.Directory, "Api", "Hello.cs"), DateTime.UtcNow);
        var second = (await project.RunAsync("publish")).ShouldSucceed();

        Assert.Contains($"ApiRoutes deploy bundle: {bundle}", first.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("AR0103", first.Output, StringComparison.Ordinal);
        Assert.Contains("warning AR0103: Left out of the deploy bundle: 2 file(s) in the publish folder that this publish did not write, left by an earlier one: 'Removed.Dependency.dll', 'appsettings.Production.json'. Delete them", second.Output, StringComparison.Ordinal);
        Assert.Equal(ReadManifest(firstBytes).Files, ReadManifest(File.ReadAllBytes(bundle)).Files);
        Assert.Equal(firstBytes, File.ReadAllBytes(bundle));
        using var zip = ZipFile.OpenRead(bundle);
        var names = zip.Entries.Select(e => e.FullName).ToList();
        Assert.Equal(BundleManifest.FileName, names[0]);
        Assert.Contains("Shop.dll", names);
        Assert.Contains("build-info.txt", names);
        Assert.Contains("wwwroot/css/site.css", names);   // review 17d H1: was left out as an earlier publish's (AR0103)
        Assert.Contains("web.config", names);   // written by the Web SDK, listed nowhere: written by this publish
        Assert.Contains("apiroutes.manifest.json", names);
        Assert.Contains("appsettings.json", names);
        Assert.DoesNotContain("appsettings.Development.json", names);
        Assert.DoesNotContain(names, name => name.Contains("Npgsql", StringComparison.OrdinalIgnoreCase));   // only in ApiRoutes.PostgreSql
        Assert.Contains("runtimes/linux-x64/native/libe_sqlite3.so", names);                                  // no RID: SQLite for every platform
        Assert.Contains("runtimes/win-x64/native/e_sqlite3.dll", names);
        Assert.Equal(names.Skip(1).Order(StringComparer.Ordinal), names.Skip(1));
        using var reader = new StreamReader(zip.GetEntry(BundleManifest.FileName)!.Open());
        var manifest = BundleManifest.Deserialize(reader.ReadToEnd());
        Assert.Equal("Shop.dll", manifest.EntryAssembly);
        Assert.Equal(names.Skip(1), manifest.Files.Select(f => f.Path));

        // Start-up without JIT: the app and the runtime's IL-only dependencies are published ReadyToRun, as ApiRoutes.dll is.
        Assert.Empty(ReadyToRunImage.Where(publish, readyToRun: false, StartupAssemblies));
        // No MVC application part for ApiRoutes: it would load Mvc.Core in CreateBuilder (build/ApiRoutes.ApplicationParts.targets).
        Assert.Empty(ApplicationParts.Of(Path.Combine(publish, "Shop.dll")));
    }

    [Fact]
    public async Task Validate_prints_the_next_three_runs_of_each_schedule()
    {
        var project = Sources.Shop(package);

        var result = (await project.RunAsync("build", "-t:ApiRoutesValidate")).ShouldSucceed();

        Assert.Contains("ApiRoutes: 4 route(s) valid, 1 schedule(s) (UTC):", result.Output, StringComparison.Ordinal);
        var line = result.Output.Split('\n').Single(l => l.Contains("/api/cleanup  @hourly  next: ", StringComparison.Ordinal));
        Assert.Equal(3, line[(line.IndexOf("next: ", StringComparison.Ordinal) + 6)..].Split(", ").Length);
    }

    [Fact]
    public async Task Validate_fails_with_coded_diagnostics_and_writes_a_sarif_report_whose_paths_resolve_from_the_repository_root()
    {
        // README's GitHub Actions job: a repository with the project in MyApi/, built from the repository root.
        var project = Sources.Shop(package).Write("Api/Cleanup.cs", Sources.Cleanup("0 25 * * *"));
        var repository = Directory.GetParent(project.Directory)!.CreateSubdirectory("Repo-" + Guid.NewGuid().ToString("N")[..8]).FullName;
        var projectFolder = Path.Combine(repository, "MyApi");
        Directory.Move(project.Directory, projectFolder);
        (await DotNet.RunProgramAsync("git", repository, null, "init", "--quiet")).ShouldSucceed();
        var report = Path.Combine(repository, "apiroutes.sarif");

        var result = (await DotNet.RunAsync(repository, package.Environment, "build", "MyApi", "-t:ApiRoutesValidate", $"-p:ApiRoutesReportFile={report}", "-nodeReuse:false")).ShouldFail();

        Assert.Contains($"{Path.Combine(projectFolder, "Api", "Cleanup.cs")}(6,17): error AR4001:", result.Output, StringComparison.Ordinal);
        using var sarif = JsonDocument.Parse(File.ReadAllText(report));
        var run = sarif.RootElement.GetProperty("runs")[0];
        var finding = Assert.Single(run.GetProperty("results").EnumerateArray());
        Assert.Equal("AR4001", finding.GetProperty("ruleId").GetString());
        var artifact = finding.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation");
        Assert.Equal(("MyApi/Api/Cleanup.cs", "%SRCROOT%"), (artifact.GetProperty("uri").GetString(), artifact.GetProperty("uriBaseId").GetString()));
        var root = new Uri(run.GetProperty("originalUriBaseIds").GetProperty("%SRCROOT%").GetProperty("uri").GetString()!);
        Assert.True(File.Exists(new Uri(root, artifact.GetProperty("uri").GetString()).LocalPath), $"{root} + the uri is not the file.");
    }

    [Fact]
    public async Task ApiRoutesBundleExclude_globs_match_paths_inside_the_bundle()
    {
        // The app's .pdb sits at the top of the publish folder: **/ must match no folder as well as several.
        var project = Sources.Shop(package)
            .Write("docs/guide.md", "# guide")
            .AddToProject("""
                <PropertyGroup><ApiRoutesBundleExclude>**/*.pdb;docs/**</ApiRoutesBundleExclude></PropertyGroup>
                <ItemGroup><Content Include="docs/guide.md" CopyToPublishDirectory="PreserveNewest" /></ItemGroup>
                """);

        (await project.RunAsync("publish", "-p:ApiRoutesReadyToRun=false")).ShouldSucceed();

        var publish = Path.Combine(project.OutputFolder("Release"), "publish");
        // The switch leaves every assembly as the compiler and the packages made it (ApiRoutes.dll ships ReadyToRun).
        Assert.Equal(StartupAssemblies.Where(name => name != "ApiRoutes.dll"), ReadyToRunImage.Where(publish, readyToRun: false, StartupAssemblies));
        Assert.True(File.Exists(Path.Combine(publish, "Shop.pdb")) && File.Exists(Path.Combine(publish, "docs", "guide.md")), "The files to leave out were published.");
        using var zip = ZipFile.OpenRead(Path.Combine(project.OutputFolder("Release"), "Shop.bundle.zip"));
        var names = zip.Entries.Select(e => e.FullName).ToList();
        Assert.Contains("Shop.dll", names);
        Assert.DoesNotContain(names, name => name.EndsWith(".pdb", StringComparison.Ordinal) || name.StartsWith("docs/", StringComparison.Ordinal));
    }

    // Review 25a F5: a single-file publish failed with AR0003 ("the entry assembly 'Shop.dll' is not a listed file"),
    // though the app it published works: like a Native AOT app, it has no .dll for a bundle's host, so it gets no bundle.
    [Fact]
    public async Task A_single_file_publish_succeeds_without_a_bundle_and_serves_its_routes()
    {
        var project = Sources.Shop(package);
        var publish = Path.Combine(project.Directory, "single");

        var result = (await project.RunAsync(
            "publish", "-r", RuntimeInformation.RuntimeIdentifier, "--self-contained", "false", "-p:PublishSingleFile=true", "-o", publish)).ShouldSucceed();

        Assert.Contains("ApiRoutes: no deploy bundle for a single-file app, which has no Shop.dll", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("AR0003", result.Output, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(project.Directory, "*.bundle.zip", SearchOption.AllDirectories));
        Assert.False(File.Exists(Path.Combine(publish, "Shop.dll")), "Shop.dll was published: this is not a single-file app.");
        await using var app = await RunningApp.StartProgramAsync(Path.Combine(publish, "Shop"), publish, project.Environment);
        Assert.Equal("""{"hello":"world"}""", await app.Client.GetStringAsync("/api/hello"));
    }

    private static readonly string[] StartupAssemblies =
        ["Shop.dll", "ApiRoutes.dll", "Microsoft.Data.Sqlite.dll", "SQLitePCLRaw.core.dll", "SQLitePCLRaw.provider.e_sqlite3.dll", "SQLitePCLRaw.batteries_v2.dll", "Cronos.dll"];

    private static BundleManifest ReadManifest(byte[] bundle)
    {
        using var zip = new ZipArchive(new MemoryStream(bundle));
        using var reader = new StreamReader(zip.GetEntry(BundleManifest.FileName)!.Open());
        return BundleManifest.Deserialize(reader.ReadToEnd());
    }
}
