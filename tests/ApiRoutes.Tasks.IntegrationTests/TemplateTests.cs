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

    [Fact]
    public async Task Dotnet_new_apiroutes_creates_a_project_that_builds_tests_and_serves_one_route_of_each_kind()
    {
        var hive = Path.Combine(package.Root, "template-hive");
        var template = await PackAndInstallAsync(hive);
        var directory = Path.Combine(package.Root, "projects", "MyApi-" + Guid.NewGuid().ToString("N")[..8]);

        // No --ApiRoutesVersion: the default was stamped with the template package's version at pack time.
        (await NewAsync(hive, "-n", "MyApi", "-o", directory)).ShouldSucceed();

        Assert.Equal(ExpectedFiles, Files(directory));
        Assert.All(ExpectedFiles, file =>
        {
            var text = File.ReadAllText(Path.Combine(directory, file));
            Assert.DoesNotContain("ApiRoutesApp", text, StringComparison.Ordinal);
            Assert.DoesNotContain("APIROUTES_VERSION", text, StringComparison.Ordinal);
        });
        Assert.Contains($"""<PackageReference Include="ApiRoutes" Version="{PackageFixture.Version}" />""", File.ReadAllText(Path.Combine(directory, "MyApi", "MyApi.csproj")), StringComparison.Ordinal);
        Assert.Contains("namespace MyApi.Api;", File.ReadAllText(Path.Combine(directory, "MyApi", "Api", "Hello.cs")), StringComparison.Ordinal);
        Assert.Equal("# yaml-language-server: $schema=./apiroutes.schema.json", File.ReadLines(Path.Combine(directory, "MyApi", "apiroutes.yaml")).First());
        Assert.Equal(File.ReadAllBytes(TemplateContentTests.RepositorySchema), File.ReadAllBytes(Path.Combine(directory, "MyApi", "apiroutes.schema.json")));

        // The README's loop: dotnet build (the .slnx at the root), dotnet test, dotnet run.
        (await RunAsync(directory, "build", "-nodeReuse:false", "-p:UseSharedCompilation=false")).ShouldSucceed();
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

        var test = (await RunAsync(directory, "test", "MyApi.Tests", "-nodeReuse:false", "-p:UseSharedCompilation=false")).ShouldSucceed();
        Assert.Matches(@"Failed:\s+0, Passed:\s+1,", test.Output);

        var environment = new Dictionary<string, string>(package.Environment) { ["ApiRoutes__Store__Path"] = Path.Combine(directory, "store", "executions.db") };
        await using var app = await RunningApp.StartAsync(directory, environment, "run", "--project", "MyApi", "--no-build", "--");
        await app.WaitForOutputAsync("Hosting environment: Development", TimeSpan.FromSeconds(30));
        Assert.Equal("""{"hello":"world"}""", await app.Client.GetStringAsync("/api/hello"));
        Assert.Equal("""{"id":42,"status":"shipped"}""", await app.Client.GetStringAsync("/api/orders/42"));
        Assert.Equal(HttpStatusCode.Accepted, (await app.Client.PostAsync("/api/generate-report", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/api/cleanup")).StatusCode);
        // Cleanup read its next_run body: the next full hour, in UTC.
        await app.WaitForOutputAsync("Cleaning up; the next run is at 20", TimeSpan.FromSeconds(10));
        Assert.Matches(@"Cleaning up; the next run is at \d{4}-\d\d-\d\dT\d\d:00:00\.0000000\+00:00", app.Output);

        // The option a user passes to pick another ApiRoutes version.
        var other = Path.Combine(package.Root, "projects", "Other-" + Guid.NewGuid().ToString("N")[..8]);
        (await NewAsync(hive, "-n", "Other", "-o", other, "--ApiRoutesVersion", "1.2.3")).ShouldSucceed();
        Assert.Contains("""<PackageReference Include="ApiRoutes" Version="1.2.3" />""", File.ReadAllText(Path.Combine(other, "Other", "Other.csproj")), StringComparison.Ordinal);
        Assert.Equal($"ApiRoutes.Templates.{PackageFixture.Version}.nupkg", Path.GetFileName(template));
    }

    /// <summary>Packs templates/ with the version of the ApiRoutes package under test, as a release packs both.</summary>
    private async Task<string> PackAndInstallAsync(string hive)
    {
        var output = Path.Combine(package.Root, "template-packages");
        (await DotNet.RunAsync(
            PackageFixture.RepositoryRoot, null,
            "pack", Path.Combine(PackageFixture.RepositoryRoot, "templates", "ApiRoutes.Templates.csproj"),
            "-c", "Release", "-o", output, $"-p:Version={PackageFixture.Version}", "-nodeReuse:false", "-p:UseSharedCompilation=false")).ShouldSucceed();
        var template = Directory.GetFiles(output, "*.nupkg").Single();
        (await RunAsync(package.Root, "new", "install", template, "--debug:custom-hive", hive)).ShouldSucceed();
        return template;
    }

    private Task<CommandResult> NewAsync(string hive, params string[] arguments) =>
        RunAsync(package.Root, ["new", "apiroutes", .. arguments, "--no-update-check", "--debug:custom-hive", hive]);

    private Task<CommandResult> RunAsync(string directory, params string[] arguments) =>
        DotNet.RunAsync(directory, package.Environment, arguments);

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
