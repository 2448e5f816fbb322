using System.Collections.Immutable;
using System.Text;
using ApiRoutes.Tasks.Analysis;
using Microsoft.AspNetCore.Http;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;

namespace ApiRoutes.Benchmarks.Fixtures;

/// <summary>
/// A synthetic project on disk: the generated handler sources, compiled with Roslyn into a real assembly and portable
/// PDB, so that the analysis reads metadata, the PDB and the source files exactly as it does in a build.
/// </summary>
internal sealed class BenchProject : IDisposable
{
    private const string AssemblyName = "Bench";

    private static readonly Lazy<ImmutableArray<string>> ReferencePaths = new(FindReferencePaths);

    private BenchProject(string directory, AnalysisRequest request)
    {
        Directory = directory;
        Request = request;
    }

    public string Directory { get; }

    /// <summary>The request the MSBuild task would make for this project.</summary>
    public AnalysisRequest Request { get; }

    /// <summary>Writes and compiles a project with <paramref name="handlerCount"/> handlers in a new temp folder.</summary>
    public static BenchProject Create(int handlerCount)
    {
        var directory = Path.Combine(Path.GetTempPath(), "apiroutes-bench", $"{handlerCount}-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(directory);

        var parseOptions = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = new List<SyntaxTree>
        {
            CSharpSyntaxTree.ParseText(HandlerSourceWriter.GlobalUsings, parseOptions, Path.Combine(directory, "obj", "GlobalUsings.g.cs"), Encoding.UTF8),
        };
        foreach (var (relativePath, text) in HandlerSourceWriter.Files(handlerCount))
        {
            var path = Path.Combine(directory, relativePath);
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
            trees.Add(CSharpSyntaxTree.ParseText(text, parseOptions, path, Encoding.UTF8));
        }

        var references = ReferencePaths.Value;
        var compilation = CSharpCompilation.Create(
            AssemblyName,
            trees,
            references.Select(path => MetadataReference.CreateFromFile(path)),
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                optimizationLevel: OptimizationLevel.Release,
                nullableContextOptions: NullableContextOptions.Enable,
                deterministic: true));

        var assemblyPath = Path.Combine(directory, "obj", AssemblyName + ".dll");
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(assemblyPath)!);
        using (var peStream = File.Create(assemblyPath))
        using (var pdbStream = File.Create(Path.ChangeExtension(assemblyPath, ".pdb")))
        {
            var result = compilation.Emit(peStream, pdbStream, options: new EmitOptions(debugInformationFormat: DebugInformationFormat.PortablePdb));
            var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(10).ToList();
            if (!result.Success)
            {
                throw new InvalidOperationException("The generated handlers do not compile:\n" + string.Join("\n", errors));
            }
        }

        return new BenchProject(directory, new AnalysisRequest
        {
            AssemblyPath = assemblyPath,
            ProjectDirectory = directory,
            RootNamespace = HandlerSourceWriter.RootNamespace,
            // Absent, as in most projects: the analysis checks for it and goes on without.
            ConfigPath = Path.Combine(directory, "apiroutes.yaml"),
            References = references,
            FallbackFile = Path.Combine(directory, AssemblyName + ".csproj"),
            NowUtc = new DateTime(2026, 11, 24, 0, 0, 0, DateTimeKind.Utc),
            Generator = "ApiRoutes benchmark",
        });
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean; a leftover temp folder does not affect later runs, which use new folders.
        }
    }

    // The shared frameworks (with ASP.NET Core) and ApiRoutes.dll: what an ASP.NET Core project compiles against.
    private static ImmutableArray<string> FindReferencePaths()
    {
        var frameworkFolders = new[] { typeof(object), typeof(HttpContext) }
            .Select(type => Path.GetDirectoryName(type.Assembly.Location)!)
            .ToHashSet(StringComparer.Ordinal);
        var trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return
        [
            .. trusted.Where(path => path.EndsWith(".dll", StringComparison.Ordinal) && frameworkFolders.Contains(Path.GetDirectoryName(path)!)),
            typeof(IApiHandler).Assembly.Location,
        ];
    }
}
