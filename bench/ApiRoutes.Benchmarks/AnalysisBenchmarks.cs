using ApiRoutes.Benchmarks.Fixtures;
using ApiRoutes.Manifest;
using ApiRoutes.Tasks.Analysis;
using BenchmarkDotNet.Attributes;

namespace ApiRoutes.Benchmarks;

/// <summary>
/// The build-time analysis alone, as <c>GenerateApiRoutesManifest</c> runs it: metadata, PDB, source text, validation
/// and the manifest object; and the same followed by the JSON the task writes. MSBuild itself is not involved.
/// </summary>
[Config(typeof(BenchConfig))]
[MemoryDiagnoser]
public class AnalysisBenchmarks
{
    private BenchProject? _project;

    /// <summary>How many handlers the analysed assembly has.</summary>
    [Params(1, 100, 1000, 5000)]
    public int Handlers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _project = BenchProject.Create(Handlers);
        if (Problem(RouteAnalyzer.Analyze(_project.Request)) is { } problem)
        {
            // BenchmarkDotNet does not run the cleanup after a failed setup.
            _project.Dispose();
            throw new InvalidOperationException($"The benchmark project with {Handlers} handlers is not analysed as expected: {problem}");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _project?.Dispose();

    [Benchmark(Description = "Analyze")]
    public object Analyze() => RouteAnalyzer.Analyze(Request);

    [Benchmark(Description = "Analyze + JSON")]
    public string AnalyzeAndSerialize() => ManifestJson.Serialize(RouteAnalyzer.Analyze(Request).Manifest!);

    private AnalysisRequest Request => _project!.Request;

    // A benchmark of a path that fails early (no PDB, no sources, errors) would look fast and mean nothing.
    private string? Problem(AnalysisResult result)
    {
        if (result.HasErrors || result.Manifest is null)
        {
            return "the analysis reported errors.\n" + string.Join("\n", result.Diagnostics.Take(10));
        }

        if (result.Manifest.Routes.Count != Handlers)
        {
            return $"{result.Manifest.Routes.Count} routes found, {Handlers} expected.";
        }

        return result.Manifest.Routes.All(route => route.Source is not null)
            ? null
            : "some routes have no source location, so the PDB or the source files were not read.";
    }
}
