using ApiRoutes.Testing;
namespace ApiRoutes.Tasks.IntegrationTests.Infrastructure;

/// <summary>
/// Packs the ApiRoutes packages (ApiRoutes, ApiRoutes.PostgreSql) from the repository once per test run, into a folder of its own, and gives fixture
/// projects a private NuGet packages folder so that a re-packed package is never shadowed by an older copy.
/// </summary>
public sealed class PackageFixture : IAsyncLifetime
{
    public const string Version = "0.1.0-integration";

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "apiroutes-it", Guid.NewGuid().ToString("N"));

    public string PackagesFolder => Path.Combine(Root, "packages");

    public string NuGetPackagesFolder => Path.Combine(Root, "nuget-packages");

    public static string RepositoryRoot => Repository.Root;

    private readonly SemaphoreSlim _toolGate = new(1, 1);
    private string? _tool;

    /// <summary>
    /// The <c>apiroutes</c> tool, packed from the repository and installed with <c>dotnet tool install</c> into a
    /// private tool path, once, on first use.
    /// </summary>
    public async Task<string> ToolAsync()
    {
        await _toolGate.WaitAsync();
        try
        {
            if (_tool is null)
            {
                (await DotNet.RunAsync(
                    RepositoryRoot, null,
                    "pack", Path.Combine(RepositoryRoot, "src", "Cli", "ApiRoutes.Cli.csproj"),
                    "-c", "Release", "-o", PackagesFolder, $"-p:Version={Version}", "-nodeReuse:false", "-p:UseSharedCompilation=false")).ShouldSucceed();
                var toolPath = Path.Combine(Root, "tools");
                (await DotNet.RunAsync(
                    Root, Environment,
                    "tool", "install", "ApiRoutes.Cli", "--tool-path", toolPath, "--version", Version, "--add-source", PackagesFolder)).ShouldSucceed();
                _tool = Path.Combine(toolPath, "apiroutes");
            }

            return _tool;
        }
        finally
        {
            _toolGate.Release();
        }
    }

    /// <summary>The ApiRoutes.Testing package, packed from the repository once, on first use (the template's tests need it).</summary>
    public async Task<string> TestingPackageAsync()
    {
        await _toolGate.WaitAsync();
        try
        {
            var package = Path.Combine(PackagesFolder, $"ApiRoutes.Testing.{Version}.nupkg");
            if (!File.Exists(package))
            {
                (await DotNet.RunAsync(
                    RepositoryRoot, null,
                    "pack", Path.Combine(RepositoryRoot, "src", "Testing", "ApiRoutes.Testing.csproj"),
                    "-c", "Release", "-o", PackagesFolder, $"-p:Version={Version}", "-nodeReuse:false", "-p:UseSharedCompilation=false")).ShouldSucceed();
            }

            return package;
        }
        finally
        {
            _toolGate.Release();
        }
    }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(PackagesFolder);

        // The core package, and the PostgreSQL store's package that fixture projects add for replicas.
        foreach (var project in new[] { Path.Combine("src", "Runtime", "ApiRoutes.Runtime.csproj"), Path.Combine("src", "PostgreSql", "ApiRoutes.PostgreSql.csproj") })
        {
            (await DotNet.RunAsync(
                RepositoryRoot,
                null,
                "pack", Path.Combine(RepositoryRoot, project),
                "-c", "Release", "-o", PackagesFolder, $"-p:Version={Version}", "-nodeReuse:false", "-p:UseSharedCompilation=false")).ShouldSucceed();
        }

        WriteIsolationFiles();
    }

    public Task DisposeAsync()
    {
        _toolGate.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Leave it to the OS's temp cleaning rather than fail a green run.
        }

        return Task.CompletedTask;
    }

    /// <summary>The environment every fixture build runs with.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["NUGET_PACKAGES"] = NuGetPackagesFolder,
    };

    // Fixture projects live under Root: these files stop MSBuild and NuGet from looking further up.
    private void WriteIsolationFiles()
    {
        File.WriteAllText(Path.Combine(Root, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(Root, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(Root, "Directory.Packages.props"), "<Project />\n");
        var userPackages = System.Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(Path.Combine(Root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="apiroutes" value="{PackagesFolder}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <!-- ApiRoutes' own dependencies (Cronos) are already here from the repository's restore. -->
              <fallbackPackageFolders>
                <add key="user" value="{userPackages}" />
              </fallbackPackageFolders>
            </configuration>
            """);
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PackageCollection : ICollectionFixture<PackageFixture>
{
    public const string Name = "Package builds";
}
