using System.IO.Compression;
using System.Xml.Linq;
using ApiRoutes.Manifest;
using ApiRoutes.Tasks.IntegrationTests.Infrastructure;
using ApiRoutes.Testing;

namespace ApiRoutes.Tasks.IntegrationTests;

/// <summary>
/// What the packed packages carry and what an app that references them gets: the core without a database driver,
/// the PostgreSQL store in its own package, metadata on every package, a bundle for one platform when the project
/// names a runtime identifier.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class PackageContentTests(PackageFixture package)
{
    [Fact]
    public async Task An_app_with_only_the_core_package_has_no_Npgsql_its_rid_bundle_one_platform_its_methods_in_the_manifest_and_PostgreSql_names_the_package()
    {
        var project = Sources.Shop(package)
            .AddToProject("<PropertyGroup><RuntimeIdentifier>linux-x64</RuntimeIdentifier></PropertyGroup>")
            .Write("Api/Status.cs", """
                using ApiRoutes;
                using Microsoft.AspNetCore.Http;

                namespace Shop.Api;

                [ApiRoute("/api/status", Methods = ["get", "HEAD"])]
                public sealed class Status : IApiHandler
                {
                    public Task HandleAsync(HttpContext context) => context.Response.WriteAsync("ok");
                }
                """);
        var bundle = Path.Combine(project.Directory, "bin", "Release", "net10.0", "linux-x64", "Shop.bundle.zip");
        var output = Path.Combine(project.Directory, "out");

        var published = (await project.RunAsync("publish", "-o", output)).ShouldSucceed();

        // Review 28c F11: compiled against the package's ReadyToRun image (its machine field linux-x64's), an app with a
        // RuntimeIdentifier got CS8012 "targets a different processor"; it compiles against the reference assembly in ref/.
        Assert.DoesNotContain("CS8012", published.Output, StringComparison.Ordinal);

        Assert.Empty(Directory.GetFiles(output, "Npgsql*", SearchOption.AllDirectories));
        var manifest = ManifestJson.Deserialize(File.ReadAllText(Path.Combine(output, RouteManifest.FileName)));
        Assert.Equal(RouteManifest.MethodsSchemaVersion, manifest.SchemaVersion);            // Methods read by the build from metadata
        Assert.Equal(["GET", "HEAD"], manifest.Routes.Single(r => r.Route == "/api/status").Methods);
        using (var zip = ZipFile.OpenRead(bundle))
        {
            var names = zip.Entries.Select(e => e.FullName).ToList();
            Assert.DoesNotContain(names, name => name.Contains("Npgsql", StringComparison.OrdinalIgnoreCase));
            Assert.Contains("libe_sqlite3.so", names);                                                       // SQLite for linux-x64 only
            Assert.DoesNotContain(names, name => name.StartsWith("runtimes/", StringComparison.Ordinal));    // no other platform's
        }

        var environment = new Dictionary<string, string>(project.Environment)
        {
            ["ApiRoutes__Store__Provider"] = "PostgreSql",
            ["ConnectionStrings__ApiRoutes"] = "Host=127.0.0.1;Database=shop",
        };
        await using var app = await RunningApp.RunToExitAsync(output, environment, "Shop.dll");

        Assert.Equal(1, app.ExitCode);
        var line = Assert.Single(app.Output.Split('\n'), l => l.Contains("ApiRoutes.PostgreSql", StringComparison.Ordinal));
        Assert.Contains("ApiRoutes:Store:Provider is PostgreSql, but the ApiRoutes.PostgreSql package is not referenced", line, StringComparison.Ordinal);
        Assert.Contains("dotnet add package ApiRoutes.PostgreSql", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ApiRoutes")]
    [InlineData("ApiRoutes.PostgreSql")]
    [InlineData("ApiRoutes.Testing")]   // review 25d F8: it had no README
    public async Task Every_package_carries_licence_repository_readme_tags_and_description(string id)
    {
        if (id == "ApiRoutes.Testing")
        {
            await package.TestingPackageAsync();   // packed on first use
        }

        using var nupkg = ZipFile.OpenRead(Path.Combine(package.PackagesFolder, $"{id}.{PackageFixture.Version}.nupkg"));
        var nuspec = XDocument.Load(nupkg.GetEntry($"{id}.nuspec")!.Open());
        var metadata = nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string Value(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value ?? "";

        Assert.Equal("MIT", Value("license"));
        Assert.Equal("expression", metadata.Elements().Single(e => e.Name.LocalName == "license").Attribute("type")?.Value);
        Assert.Equal("README.md", Value("readme"));
        Assert.NotNull(nupkg.GetEntry("README.md"));
        Assert.StartsWith("https://", metadata.Elements().Single(e => e.Name.LocalName == "repository").Attribute("url")?.Value, StringComparison.Ordinal);
        Assert.StartsWith("https://", Value("projectUrl"), StringComparison.Ordinal);
        Assert.Contains("aspnetcore", Value("tags").Split(' '));
        Assert.False(string.IsNullOrWhiteSpace(Value("description")));

        var dependencies = metadata.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => e.Attribute("id")!.Value).ToList();
        if (id == "ApiRoutes")
        {
            Assert.DoesNotContain("Npgsql", dependencies);   // the core carries no database driver
        }
        else if (id == "ApiRoutes.PostgreSql")
        {
            Assert.Contains("Npgsql", dependencies);
            Assert.Contains("ApiRoutes", dependencies);
        }
        else
        {
            Assert.Equal(["ApiRoutes", "Microsoft.AspNetCore.Mvc.Testing", "Microsoft.Extensions.TimeProvider.Testing"], dependencies.Order(StringComparer.Ordinal));
        }
    }
}
