using System.Net;
using System.Text.Json;
using System.Xml.Linq;
using ApiRoutes.Manifest;
using ApiRoutes.Tasks.IntegrationTests.Infrastructure;

namespace ApiRoutes.Tasks.IntegrationTests;

/// <summary>
/// The <c>dotnet new apiroutes</c> template as a new user meets it: packed from <c>templates/</c>, installed into a
/// private template hive, instantiated, then built, tested and served against the freshly packed ApiRoutes package.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class TemplateTests(PackageFixture package)
{
    private static readonly string[] ExpectedFiles =
    [
        "MyApi.Tests/HelloTests.cs",
        "MyApi.Tests/MyApi.Tests.csproj",
        "MyApi.Tests/RouteTests.cs",
        "MyApi.slnx",
        "MyApi/Api/Cleanup.cs",
        "MyApi/Api/GenerateReport.cs",
        "MyApi/Api/Hello.cs",
        "MyApi/Api/Orders/OrderById.cs",
        "MyApi/MyApi.csproj",
        "MyApi/Properties/launchSettings.json",
        "MyApi/apiroutes.schema.json",
        "MyApi/apiroutes.yaml",
        "MyApi/appsettings.Development.json",
        "MyApi/appsettings.json",
        "README.md",
    ];

    // Runs before README's lines. The fixture has packed this repository's packages already, so README's pack line
    // (checked as written) copies them into artifacts/packages under README's file names; 'dotnet run' (a server that
    // runs until stopped) is recorded for the test to start; 'dotnet new TEMPLATE' gets --no-update-check, the one
    // flag added, because tests reach no network but 127.0.0.1. Every other line runs as README has it.
    private const string Prelude = """
        set -euo pipefail
        dotnet() {
          case "$1" in
            pack)
              [ "$*" = "pack -c Release -o artifacts/packages" ] || { echo "README's pack line changed: dotnet $*" >&2; return 97; }
              mkdir -p artifacts/packages
              cp "$APIROUTES_TEST_PACKAGE" "$APIROUTES_TEST_TESTING" artifacts/packages/
              cp "$APIROUTES_TEST_TEMPLATES" "artifacts/packages/ApiRoutes.Templates.$APIROUTES_TEST_VERSION_PREFIX.nupkg"
              ;;
            run)
              { pwd; printf '%s\n' "$@"; } > "$APIROUTES_TEST_RUN"
              ;;
            new)
              if [ "${2:-}" = install ] || [ "${2:-}" = nugetconfig ]; then command dotnet "$@"; else command dotnet "$@" --no-update-check; fi
              ;;
            *)
              command dotnet "$@"
              ;;
          esac
        }

        """;

    [Fact]
    public async Task READMEs_getting_started_from_a_local_pack_creates_a_project_that_restores_tests_and_serves_one_route_of_each_kind()
    {
        var template = await PackTemplatesAsync();
        var work = Path.Combine(package.Root, "projects", "readme-" + Guid.NewGuid().ToString("N")[..8]);
        var clone = Directory.CreateDirectory(Path.Combine(work, "ApiRoutes")).FullName;
        var runFile = Path.Combine(work, "run.txt");
        var script = Path.Combine(work, "getting-started.sh");
        File.WriteAllText(script, Prelude + GettingStarted());
        var environment = new Dictionary<string, string>(package.Environment)
        {
            // The template hive of 'dotnet new install', in a home of the test's own.
            ["DOTNET_CLI_HOME"] = Path.Combine(work, "home"),
            ["UseSharedCompilation"] = "false",
            ["APIROUTES_TEST_PACKAGE"] = Path.Combine(package.PackagesFolder, $"ApiRoutes.{PackageFixture.Version}.nupkg"),
            ["APIROUTES_TEST_TESTING"] = await package.TestingPackageAsync(),
            ["APIROUTES_TEST_TEMPLATES"] = template,
            ["APIROUTES_TEST_VERSION_PREFIX"] = TemplateContentTests.VersionPrefix,
            ["APIROUTES_TEST_RUN"] = runFile,
            ["XDG_DATA_HOME"] = Path.Combine(work, "data"),
        };

        // The development server's store, there from an earlier 'dotnet run'. Review 28c F22: the template's tests, all on
        // the in-memory store, opened it all the same (its lock taken, its owner file rewritten, -wal and -shm made): the
        // entry point's early open of the store ran before the test's settings were applied.
        var developmentStore = Path.Combine(work, "data", "apiroutes", "MyApi", "Development", "executions.db");
        Directory.CreateDirectory(Path.GetDirectoryName(developmentStore)!);
        File.WriteAllBytes(developmentStore, []);

        var readme = (await DotNet.RunProgramAsync("bash", clone, environment, script)).ShouldSucceed();

        var directory = Path.Combine(work, "MyApi");
        Assert.Equal([.. ExpectedFiles, "nuget.config"], Files(directory).Where(file => !file.Contains("/bin/", StringComparison.Ordinal) && !file.Contains("/obj/", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.All(ExpectedFiles, file =>
        {
            var text = File.ReadAllText(Path.Combine(directory, file));
            Assert.DoesNotContain("ApiRoutesApp", text, StringComparison.Ordinal);
            Assert.DoesNotContain("APIROUTES_VERSION", text, StringComparison.Ordinal);
        });
        // The default ApiRoutesVersion was stamped with the template package's version at pack time.
        Assert.Contains($"""<PackageReference Include="ApiRoutes" Version="{PackageFixture.Version}" />""", File.ReadAllText(Path.Combine(directory, "MyApi", "MyApi.csproj")), StringComparison.Ordinal);
        Assert.Contains(Path.Combine(clone, "artifacts", "packages"), File.ReadAllText(Path.Combine(directory, "nuget.config")), StringComparison.Ordinal);
        Assert.Contains("namespace MyApi.Api;", File.ReadAllText(Path.Combine(directory, "MyApi", "Api", "Hello.cs")), StringComparison.Ordinal);
        Assert.Equal("# yaml-language-server: $schema=./apiroutes.schema.json", File.ReadLines(Path.Combine(directory, "MyApi", "apiroutes.yaml")).First());
        Assert.Equal(File.ReadAllBytes(TemplateContentTests.RepositorySchema), File.ReadAllBytes(Path.Combine(directory, "MyApi", "apiroutes.schema.json")));

        // 'dotnet test' restored from the local packages, built both projects, and the template's tests passed: the
        // handler called directly, the app through WebApplicationFactory<Program> (its manifest copied beside the tests
        // as MyApi.apiroutes.manifest.json), and one route of each kind on ApiRoutes.Testing's clock.
        Assert.Matches(@"Failed:\s+0, Passed:\s+6, Skipped:\s+0, Total:\s+6,", readme.Output);
        Assert.True(File.Exists(Path.Combine(directory, "MyApi.Tests", "bin", "Debug", "net10.0", $"MyApi.{RouteManifest.FileName}")));
        Assert.Equal(["executions.db"], Directory.GetFiles(Path.GetDirectoryName(developmentStore)!).Select(Path.GetFileName));
        Assert.Equal(0, new FileInfo(developmentStore).Length);
        Assert.False(File.Exists(Path.Combine(directory, "MyApi", "bin", "Debug", "net10.0", $"MyApi.{RouteManifest.FileName}")));
        var manifest = ManifestJson.Deserialize(File.ReadAllText(Path.Combine(directory, "MyApi", "bin", "Debug", "net10.0", RouteManifest.FileName)));
        Assert.Equal(
            [
                "/api/cleanup scheduled 0 * * * * MyApi.Api.Cleanup",
                "/api/generate-report background 300 MyApi.Api.GenerateReport",
                "/api/hello standard - MyApi.Api.Hello",
                "/api/orders/{id:int} standard - MyApi.Api.Orders.OrderById",
            ],
            manifest.Routes.Select(r => $"{r.Route} {r.Kind.ToString().ToLowerInvariant()} "
                + $"{r.Schedule?.Normalized ?? r.TimeLimitSeconds?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"} {r.Handler.Type}"));

        // README's last line: the development server, started where README starts it, with its arguments.
        var run = File.ReadAllLines(runFile);
        Assert.Equal(directory, run[0]);
        environment["ApiRoutes__Store__Path"] = Path.Combine(directory, "store", "executions.db");
        await using var app = await RunningApp.StartAsync(run[0], environment, [.. run[1..], "--"]);
        await app.WaitForOutputAsync("Hosting environment: Development", TimeSpan.FromSeconds(30));
        Assert.Equal("""{"hello":"world"}""", await app.Client.GetStringAsync("/api/hello"));
        Assert.Equal("""{"id":42,"status":"shipped"}""", await app.Client.GetStringAsync("/api/orders/42"));
        Assert.Equal(HttpStatusCode.Accepted, (await app.Client.PostAsync("/api/generate-report", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/api/cleanup")).StatusCode);
        // Cleanup read its next_run body: the next full hour, in UTC.
        await app.WaitForOutputAsync("Cleaning up; the next run is at 20", TimeSpan.FromSeconds(60));
        Assert.Matches(@"Cleaning up; the next run is at \d{4}-\d\d-\d\dT\d\d:00:00\.0000000\+00:00", app.Output);

        // The option a user passes to pick another ApiRoutes version, from the template README's lines installed. The name
        // has a hyphen, as service names do (review 25d F6: the solution and the test project named 'other_api/…', the
        // namespace's spelling, where the files are 'other-api/…', and dotnet test failed with MSB3202).
        var other = Path.Combine(work, "other-api");
        (await DotNet.RunAsync(work, environment, "new", "apiroutes", "-n", "other-api", "-o", other, "--ApiRoutesVersion", "1.2.3", "--no-update-check")).ShouldSucceed();
        Assert.Contains("""<PackageReference Include="ApiRoutes" Version="1.2.3" />""", File.ReadAllText(Path.Combine(other, "other-api", "other-api.csproj")), StringComparison.Ordinal);
        var referenced = System.Xml.Linq.XDocument.Load(Path.Combine(other, "other-api.slnx")).Descendants("Project").Select(project => project.Attribute("Path")!.Value)
            .Concat(System.Xml.Linq.XDocument.Load(Path.Combine(other, "other-api.Tests", "other-api.Tests.csproj")).Descendants("ProjectReference")
                .Select(reference => Path.Combine("other-api.Tests", reference.Attribute("Include")!.Value)))
            .ToList();
        Assert.Equal(3, referenced.Count);
        Assert.All(referenced, path => Assert.True(File.Exists(Path.Combine(other, path)), $"{path} names no file."));
        Assert.Contains("namespace other_api.Api;", File.ReadAllText(Path.Combine(other, "other-api", "Api", "Hello.cs")), StringComparison.Ordinal);
        // Review 28c F3: the SDK's RootNamespace was the name as written ('other-api'), which no code can be in, so every
        // handler was outside '<RootNamespace>.Api' (AR1005) and the new project did not build.
        Assert.Contains("<RootNamespace>other_api</RootNamespace>", File.ReadAllText(Path.Combine(other, "other-api", "other-api.csproj")), StringComparison.Ordinal);
        Assert.Contains("<RootNamespace>other_api.Tests</RootNamespace>", File.ReadAllText(Path.Combine(other, "other-api.Tests", "other-api.Tests.csproj")), StringComparison.Ordinal);
        Assert.Equal($"ApiRoutes.Templates.{PackageFixture.Version}.nupkg", Path.GetFileName(template));
    }

    /// <summary>The shell block of README's "Getting started (a new project)", as written.</summary>
    internal static string GettingStarted()
    {
        var readme = File.ReadAllText(Path.Combine(PackageFixture.RepositoryRoot, "README.md")).ReplaceLineEndings("\n");
        var section = readme[readme.IndexOf("## Getting started (a new project)", StringComparison.Ordinal)..];
        var start = section.IndexOf("```sh\n", StringComparison.Ordinal) + "```sh\n".Length;
        return section[start..section.IndexOf("\n```", start, StringComparison.Ordinal)] + "\n";
    }

    /// <summary>Packs templates/ with the version of the ApiRoutes package under test, as a release packs both.</summary>
    private async Task<string> PackTemplatesAsync()
    {
        var output = Path.Combine(package.Root, "template-packages");
        (await DotNet.RunAsync(
            PackageFixture.RepositoryRoot, null,
            "pack", Path.Combine(PackageFixture.RepositoryRoot, "templates", "ApiRoutes.Templates.csproj"),
            "-c", "Release", "-o", output, $"-p:Version={PackageFixture.Version}", "-nodeReuse:false", "-p:UseSharedCompilation=false")).ShouldSucceed();
        return Directory.GetFiles(output, "*.nupkg").Single();
    }

    private static string[] Files(string directory) =>
        [.. Directory.GetFiles(directory, "*", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(directory, file).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)];
}

/// <summary>Checks of the template's content that need no packing.</summary>
public sealed class TemplateContentTests
{
    private static readonly string Content = Path.Combine(PackageFixture.RepositoryRoot, "templates", "content", "apiroutes");

    internal static string RepositorySchema { get; } = Path.Combine(PackageFixture.RepositoryRoot, "schemas", "apiroutes.schema.json");

    /// <summary>The repository's VersionPrefix: the version README's commands pack and name.</summary>
    internal static string VersionPrefix { get; } =
        XDocument.Load(Path.Combine(PackageFixture.RepositoryRoot, "Directory.Build.props")).Descendants("VersionPrefix").Single().Value;

    [Fact]
    public void READMEs_getting_started_packs_from_this_repository_and_adds_the_local_packages_to_a_nuget_config()
    {
        var lines = TemplateTests.GettingStarted().Split('\n');

        Assert.StartsWith("dotnet pack -c Release -o artifacts/packages ", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, line => line.StartsWith($"dotnet new install \"$packages/ApiRoutes.Templates.{VersionPrefix}.nupkg\"", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.StartsWith("dotnet new nugetconfig ", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.StartsWith("dotnet nuget add source \"$packages\" --name apiroutes --configfile nuget.config ", StringComparison.Ordinal));
    }

    [Fact]
    public void The_templates_copy_of_the_yaml_schema_is_the_repositorys_schema()
    {
        // The copy lets editors find the schema offline; a change to schemas/ must be copied into the template.
        var copy = Path.Combine(Content, "ApiRoutesApp", "apiroutes.schema.json");

        Assert.True(
            File.ReadAllBytes(RepositorySchema).AsSpan().SequenceEqual(File.ReadAllBytes(copy)),
            $"{copy} differs from {RepositorySchema}: copy the repository's schema over it.");
    }

    [Fact]
    public void The_templates_default_ApiRoutes_version_is_the_repositorys_VersionPrefix()
    {
        // Pack stamps the default with the package version; the source keeps VersionPrefix so that a template
        // installed from the folder (dotnet new install templates/content/apiroutes) creates a restorable project.
        var props = XDocument.Load(Path.Combine(PackageFixture.RepositoryRoot, "Directory.Build.props"));
        var versionPrefix = props.Descendants("VersionPrefix").Single().Value;
        using var template = JsonDocument.Parse(File.ReadAllText(Path.Combine(Content, ".template.config", "template.json")));

        var symbol = template.RootElement.GetProperty("symbols").GetProperty("ApiRoutesVersion");

        Assert.Equal(versionPrefix, symbol.GetProperty("defaultValue").GetString());
    }
}
