namespace ApiRoutes.Tasks.IntegrationTests.Infrastructure;

/// <summary>
/// A user's project in a temp folder that references the freshly packed ApiRoutes package with a plain
/// <c>PackageReference</c>, built with the real <c>dotnet</c> CLI.
/// </summary>
internal sealed class FixtureProject
{
    private readonly PackageFixture _package;

    public FixtureProject(PackageFixture package, string name = "Shop")
    {
        _package = package;
        Name = name;
        Directory = Path.Combine(package.Root, "projects", name + "-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(Directory);
        File.WriteAllText(Path.Combine(Directory, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk.Web">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <RootNamespace>{name}</RootNamespace>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="ApiRoutes" Version="{PackageFixture.Version}" />
              </ItemGroup>
            </Project>
            """);
    }

    public string Name { get; }

    /// <summary>
    /// The environment to run the project's app and tools with: the package's, plus an execution store of its own,
    /// so that work one test leaves unfinished is never taken up by another test's app.
    /// </summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>(_package.Environment)
    {
        ["ApiRoutes__Store__Path"] = Path.Combine(Directory, "store", "executions.db"),
    };

    public string Directory { get; }

    public string OutputFolder(string configuration = "Debug") => Path.Combine(Directory, "bin", configuration, "net10.0");

    public string ManifestPath(string configuration = "Debug") => Path.Combine(OutputFolder(configuration), "apiroutes.manifest.json");

    public FixtureProject Write(string relativePath, string content)
    {
        var path = Path.Combine(Directory, relativePath);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return this;
    }

    /// <summary>Adds MSBuild XML (properties or items) to the project file, as a user edits it.</summary>
    public FixtureProject AddToProject(string xml)
    {
        var path = Path.Combine(Directory, Name + ".csproj");
        File.WriteAllText(path, File.ReadAllText(path).Replace("</Project>", xml + "\n</Project>", StringComparison.Ordinal));
        return this;
    }

    public FixtureProject Delete(string relativePath)
    {
        File.Delete(Path.Combine(Directory, relativePath));
        return this;
    }

    /// <summary>Runs <c>dotnet COMMAND</c> in the project folder; node reuse and the compiler server stay off.</summary>
    public Task<CommandResult> RunAsync(string command, params string[] arguments) =>
        DotNet.RunAsync(Directory, _package.Environment, [command, .. arguments, "-nodeReuse:false", "-p:UseSharedCompilation=false"]);
}
