using ApiRoutes.Tasks.Analysis;
using ApiRoutes.Tasks.Diagnostics;
using ApiRoutes.Tasks.UnitTests.Infrastructure;

namespace ApiRoutes.Tasks.UnitTests.Fuzzing;

/// <summary>
/// A project of each kind of handler, compiled once, that the YAML fuzz tests analyse again and again with a new
/// apiroutes.yaml each time; and the check that a result is "coded".
/// </summary>
public sealed class FuzzProject : IDisposable
{
    internal TestProject Project { get; } = new TestProject().Source("Api/Handlers.cs", """
        namespace Shop.Api;

        public sealed class Hello : IApiHandler { public Task HandleAsync(HttpContext c) => Task.CompletedTask; }

        [BackgroundRoute]
        public sealed class GenerateReport : IApiHandler { public Task HandleAsync(HttpContext c) => Task.CompletedTask; }

        [ScheduledRoute("@hourly")]
        public sealed class Cleanup : IApiHandler { public Task HandleAsync(HttpContext c) => Task.CompletedTask; }

        [ApiRoute("/api/orders/{id:int}")]
        public sealed class OrderById : IApiHandler { public Task HandleAsync(HttpContext c) => Task.CompletedTask; }
        """);

    public FuzzProject() => Project.Compile();

    /// <summary>
    /// Null when the result is coded: the manifest exists exactly when there is no error, every diagnostic is one
    /// that DiagnosticCodes declares, and every apiroutes.yaml diagnostic points at a line of that file (only the
    /// size limit, decided before any line is read, names the file alone).
    /// </summary>
    internal static string? Uncoded(AnalysisResult result, string configPath)
    {
        if (result.Manifest is null != result.HasErrors)
        {
            return $"the manifest is {(result.Manifest is null ? "missing" : "written")} with {result.Diagnostics.Count(d => d.Severity == DiagnosticSeverity.Error)} error(s)";
        }

        foreach (var diagnostic in result.Diagnostics)
        {
            if (!DiagnosticCodes.All.Contains(diagnostic.Descriptor))
            {
                return $"an undeclared diagnostic: {diagnostic}";
            }

            var fromYaml = diagnostic.Code.StartsWith("AR5", StringComparison.Ordinal);
            if (fromYaml && (diagnostic.Location?.File != configPath || (diagnostic.Location.Line < 1 && !diagnostic.Message.Contains("larger than", StringComparison.Ordinal))))
            {
                return $"a YAML diagnostic without its place in apiroutes.yaml: {diagnostic}";
            }
        }

        return null;
    }

    public void Dispose() => Project.Dispose();
}
