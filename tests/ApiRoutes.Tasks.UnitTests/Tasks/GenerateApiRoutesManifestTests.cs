using ApiRoutes.Manifest;
using ApiRoutes.Tasks.UnitTests.Infrastructure;
using Microsoft.Build.Utilities;
using ApiRoutes.Tasks.Metadata;

namespace ApiRoutes.Tasks.UnitTests.Tasks;

public sealed class GenerateApiRoutesManifestTests : IDisposable
{
    private readonly TestProject _project = new();

    [Fact]
    public void Writes_the_manifest_and_logs_nothing_on_success()
    {
        _project.Source("Api/Hello.cs", Handler("Hello", ""));
        var (task, engine) = Task();

        Assert.True(task.Execute());

        Assert.Empty(engine.Errors);
        Assert.Empty(engine.Warnings);
        var manifest = ManifestJson.Deserialize(File.ReadAllText(task.ManifestPath));
        Assert.Equal("/api/hello", Assert.Single(manifest.Routes).Route);
        Assert.StartsWith("ApiRoutes ", manifest.Generator, StringComparison.Ordinal);
    }

    [Fact]
    public void Errors_carry_code_file_line_and_columns_and_delete_a_stale_manifest()
    {
        _project.Source("Api/Cleanup.cs", Handler("Cleanup", "[ScheduledRoute(\"@reboot\")]"));
        var (task, engine) = Task();
        File.WriteAllText(task.ManifestPath, "stale");

        Assert.False(task.Execute());

        Assert.Equal(
            "Cleanup.cs(3,17): ERROR AR4002: '@reboot' is not supported: a hosted route has no machine start to run at; use a "
            + "schedule such as '@daily'.",
            Assert.Single(engine.Errors));
        Assert.False(File.Exists(task.ManifestPath));
    }

    [Fact]
    public void Warnings_do_not_fail_the_task()
    {
        _project.Source("Model.cs", "namespace Shop; public sealed class Model { }");
        var (task, engine) = Task();

        Assert.True(task.Execute());

        Assert.StartsWith("Shop.csproj(0,0): WARNING AR0101: No API handlers were found in 'Shop'.", Assert.Single(engine.Warnings), StringComparison.Ordinal);
        Assert.True(task.Warned);   // the build runs the analysis again next time, to say it again (review 30c F2)

        // Review 31b F3: one MSBuild shows as a message is no warning to say again (the analysis ran at every build).
        var (asMessage, _) = Task();
        asMessage.WarningsAsMessages = "CS1591; AR0101";
        Assert.True(asMessage.Execute());
        Assert.False(asMessage.Warned);
    }

    [Fact]
    public void A_manifest_that_cannot_be_written_is_AR0002_at_its_path()
    {
        // Review 30c F7: the error pointed at the package's targets file, in the NuGet cache.
        _project.Source("Api/Hello.cs", Handler("Hello", ""));
        var (task, engine) = Task();
        Directory.CreateDirectory(task.ManifestPath);

        Assert.False(task.Execute());

        Assert.StartsWith("apiroutes.manifest.json(0,0): ERROR AR0002: ApiRoutes could not write its output:", Assert.Single(engine.Errors), StringComparison.Ordinal);
        Assert.False(task.Warned);
    }

    [Fact]
    public void TreatWarningsAsErrors_fails_the_task_on_a_warning_and_deletes_the_manifest_unless_the_code_is_exempt()
    {
        _project.Source("Model.cs", "namespace Shop; public sealed class Model { }");
        var (task, engine) = Task();
        File.WriteAllText(task.ManifestPath, "stale");
        task.TreatWarningsAsErrors = true;

        Assert.False(task.Execute());

        Assert.StartsWith("Shop.csproj(0,0): ERROR AR0101: No API handlers were found in 'Shop'.", Assert.Single(engine.Errors), StringComparison.Ordinal);
        Assert.Empty(engine.Warnings);
        Assert.False(File.Exists(task.ManifestPath));

        var (exempt, exemptEngine) = Task();
        exempt.TreatWarningsAsErrors = true;
        exempt.WarningsNotAsErrors = "AR0101";
        Assert.True(exempt.Execute());
        Assert.Single(exemptEngine.Warnings);

        var (silenced, silencedEngine) = Task();
        silenced.TreatWarningsAsErrors = true;
        silenced.NoWarn = "1701;1702;AR0101";
        Assert.True(silenced.Execute());
        Assert.Empty(silencedEngine.Warnings.Concat(silencedEngine.Errors));
        Assert.True(File.Exists(silenced.ManifestPath));
    }

    [Fact]
    public void An_unchanged_manifest_is_not_rewritten()
    {
        _project.Source("Api/Hello.cs", Handler("Hello", ""));
        var (task, _) = Task();
        Assert.True(task.Execute());
        var written = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(task.ManifestPath, written);

        Assert.True(task.Execute());

        Assert.Equal(written, File.GetLastWriteTimeUtc(task.ManifestPath));
    }

    [Fact]
    public void Deterministic_pdb_paths_are_mapped_back_through_source_roots()
    {
        _project.Source("Api/Cleanup.cs", Handler("Cleanup", "[ScheduledRoute(\"bad\")]"));
        var (task, engine) = Task();
        task.SourceRoots = [new TaskItem(_project.Directory + Path.DirectorySeparatorChar, new Dictionary<string, string> { ["MappedPath"] = "/_/" })];

        // Recompile with the mapped path in the PDB, as ContinuousIntegrationBuild does.
        _project.Compile(pathMap: [new(_project.Directory + Path.DirectorySeparatorChar, "/_/")]);
        Assert.False(task.Execute());

        Assert.StartsWith("Cleanup.cs(3,17): ERROR AR4001:", Assert.Single(engine.Errors), StringComparison.Ordinal);
    }

    // Review 25a F7: a project's own PathMap (reproducible builds without SourceRoot's MappedPath) sent every location to
    // a file under /src/ that does not exist, at the line the PDB has and column 1.
    [Fact]
    public void A_projects_own_path_map_is_mapped_back_too()
    {
        _project.Source("Api/Cleanup.cs", Handler("Cleanup", "[ScheduledRoute(\"bad\")]"));
        var (task, engine) = Task();
        task.PathMap = $"/elsewhere/=/other/,{_project.Directory}{Path.DirectorySeparatorChar}=/src/";

        _project.Compile(pathMap: [new(_project.Directory + Path.DirectorySeparatorChar, "/src/")]);
        Assert.False(task.Execute());

        Assert.StartsWith("Cleanup.cs(3,17): ERROR AR4001:", Assert.Single(engine.Errors), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/a/=/x/,/b/=/y/", "/x/>/a/|/y/>/b/")]
    [InlineData("/a,,b/=/x==y/", "/x=y/>/a,b/")]
    [InlineData("", "")]
    [InlineData("=/x/,/a/=,/b/", "")]
    public void Path_maps_are_read_as_the_compiler_reads_them(string pathMap, string pairs) =>
        Assert.Equal(pairs, string.Join("|", SourcePathMap.Parse(pathMap).Select(pair => $"{pair.Mapped}>{pair.Local}")));

    public void Dispose() => _project.Dispose();

    private (GenerateApiRoutesManifest Task, MockEngine Engine) Task()
    {
        var engine = new MockEngine();
        var assembly = File.Exists(_project.AssemblyPath) ? _project.AssemblyPath : _project.Compile();
        var task = new GenerateApiRoutesManifest
        {
            BuildEngine = engine,
            AssemblyPath = assembly,
            ProjectDirectory = _project.Directory,
            ProjectFile = _project.PathOf("Shop.csproj"),
            RootNamespace = "Shop",
            ConfigFile = _project.ConfigPath,
            ManifestPath = _project.PathOf("bin/apiroutes.manifest.json"),
        };
        Directory.CreateDirectory(_project.PathOf("bin"));
        return (task, engine);
    }

    private static string Handler(string name, string attribute) => $$"""
        namespace Shop.Api;

        {{attribute}}
        public sealed class {{name}} : IApiHandler
        {
            public Task HandleAsync(HttpContext context) => Task.CompletedTask;
        }
        """;
}
