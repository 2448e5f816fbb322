using System.Collections.Immutable;
using System.Text;
using ApiRoutes.Tasks.Analysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;

namespace ApiRoutes.Tasks.UnitTests.Infrastructure;

/// <summary>
/// A throwaway project on disk: C# sources compiled with Roslyn into a real assembly and portable PDB, and an
/// optional apiroutes.yaml, analysed exactly as the build task does.
/// </summary>
internal sealed class TestProject : IDisposable
{
    private const string GlobalUsings = """
        global using System;
        global using System.Threading.Tasks;
        global using ApiRoutes;
        global using Microsoft.AspNetCore.Http;
        """;

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(LoadReferences);

    private readonly Dictionary<string, string> _sources = new(StringComparer.Ordinal);
    private readonly List<string> _references = [];

    public TestProject(string assemblyName = "Shop")
    {
        AssemblyName = assemblyName;
        Directory = Path.Combine(Path.GetTempPath(), "apiroutes-unit", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    /// <summary>What test sources compile against: the shared framework with ASP.NET Core, and ApiRoutes.dll.</summary>
    public static ImmutableArray<MetadataReference> PlatformReferences => References.Value;

    public string AssemblyName { get; }

    public string Directory { get; }

    public string AssemblyPath => Path.Combine(Directory, "obj", AssemblyName + ".dll");

    public string ConfigPath => Path.Combine(Directory, "apiroutes.yaml");

    /// <summary>Full path of a project file, as diagnostics report it.</summary>
    public string PathOf(string relativePath) => Path.Combine(Directory, relativePath);

    public TestProject Source(string relativePath, string code)
    {
        _sources[relativePath] = code;
        return this;
    }

    /// <summary>Compiles against another test project's assembly, and passes it to the analysis as a reference.</summary>
    public TestProject Reference(TestProject library)
    {
        _references.Add(File.Exists(library.AssemblyPath) ? library.AssemblyPath : library.Compile());
        return this;
    }

    public TestProject Yaml(string yaml)
    {
        File.WriteAllText(ConfigPath, yaml);
        return this;
    }

    /// <summary>Compiles the sources (once) and returns the assembly path.</summary>
    public string Compile(
        DebugInformationFormat pdb = DebugInformationFormat.PortablePdb,
        bool emitPdb = true,
        KeyValuePair<string, string>[]? pathMap = null)
    {
        var trees = new List<SyntaxTree> { CSharpSyntaxTree.ParseText(GlobalUsings, path: PathOf("obj/GlobalUsings.g.cs"), encoding: Encoding.UTF8) };
        foreach (var (relativePath, code) in _sources)
        {
            var path = PathOf(relativePath);
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, code);
            trees.Add(CSharpSyntaxTree.ParseText(code, new CSharpParseOptions(LanguageVersion.Latest), path, Encoding.UTF8));
        }

        var compilation = CSharpCompilation.Create(
            AssemblyName,
            trees,
            [.. References.Value, .. _references.Select(path => MetadataReference.CreateFromFile(path))],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, deterministic: true)
                .WithSourceReferenceResolver(new SourceFileResolver([], Directory, [.. pathMap ?? []])));

        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(AssemblyPath)!);
        using var peStream = File.Create(AssemblyPath);
        using var pdbStream = emitPdb && pdb == DebugInformationFormat.PortablePdb ? File.Create(Path.ChangeExtension(AssemblyPath, ".pdb")) : null;
        var result = compilation.Emit(peStream, pdbStream, options: new EmitOptions(debugInformationFormat: pdb));
        var errors = result.Diagnostics.Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, "The test sources do not compile:\n" + string.Join("\n", errors));
        return AssemblyPath;
    }

    public AnalysisResult Analyze(string rootNamespace = "Shop", DateTime? nowUtc = null)
    {
        if (!File.Exists(AssemblyPath))
        {
            Compile();
        }

        return RouteAnalyzer.Analyze(new AnalysisRequest
        {
            AssemblyPath = AssemblyPath,
            ProjectDirectory = Directory,
            RootNamespace = rootNamespace,
            ConfigPath = ConfigPath,
            References = [.. References.Value.Select(reference => reference.Display!), .. _references],
            Libraries = [.. _references.Select(path => new LibraryReference(path))],
            FallbackFile = PathOf(AssemblyName + ".csproj"),
            NowUtc = nowUtc ?? new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            Generator = "ApiRoutes test",
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
            // A file still open on a slow machine; the temp folder is cleaned by the OS eventually.
        }
    }

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        // The test process runs on the shared framework with ASP.NET Core, plus ApiRoutes.dll: compile against those.
        var trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return [.. trusted.Where(path => path.EndsWith(".dll", StringComparison.Ordinal)).Select(path => MetadataReference.CreateFromFile(path))];
    }
}
