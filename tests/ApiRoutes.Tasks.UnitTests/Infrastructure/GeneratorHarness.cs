using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ApiRoutes.Tasks.UnitTests.Infrastructure;

/// <summary>Runs the package's source generators over test sources as the compiler runs them.</summary>
internal static class GeneratorHarness
{
    /// <summary>
    /// Runs one of the package's generators over the "Shop" sources with its switch property set to
    /// <paramref name="switchValue"/> (absent when null), by Roslyn's own driver as the compiler does.
    /// </summary>
    /// <returns>The generated trees and the compilation with them.</returns>
    public static (ImmutableArray<SyntaxTree> Generated, Compilation Output) Run(
        IIncrementalGenerator generator, string switchProperty, string? switchValue, OutputKind kind, params (string Path, string Source)[] files)
    {
        var (generated, output, diagnostics) = RunReporting(generator, switchProperty, switchValue, kind, files);
        Assert.Empty(diagnostics);
        return (generated, output);
    }

    /// <summary>As <see cref="Run"/>, with the diagnostics the generator reported.</summary>
    public static (ImmutableArray<SyntaxTree> Generated, Compilation Output, ImmutableArray<Diagnostic> Diagnostics) RunReporting(
        IIncrementalGenerator generator, string switchProperty, string? switchValue, OutputKind kind, params (string Path, string Source)[] files) =>
        RunReporting(generator, switchValue is null ? [] : new Dictionary<string, string> { [switchProperty] = switchValue }, [], kind, files);

    /// <summary>As <see cref="Run"/>, with any build properties and more references, and the diagnostics the generator reported.</summary>
    public static (ImmutableArray<SyntaxTree> Generated, Compilation Output, ImmutableArray<Diagnostic> Diagnostics) RunReporting(
        IIncrementalGenerator generator, Dictionary<string, string> properties, IEnumerable<MetadataReference> references, OutputKind kind, params (string Path, string Source)[] files)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create(
            "Shop",
            files.DistinctBy(file => file.Path).Select(file => CSharpSyntaxTree.ParseText(file.Source, parse, file.Path)),
            [.. TestProject.PlatformReferences, .. references],
            new CSharpCompilationOptions(kind, nullableContextOptions: NullableContextOptions.Enable));
        var options = new BuildProperties(properties);

        var driver = CSharpGeneratorDriver.Create([generator.AsSourceGenerator()], parseOptions: parse, optionsProvider: options)
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);

        return (driver.GetRunResult().GeneratedTrees, output, generatorDiagnostics);
    }

    /// <summary>The MSBuild properties a generator sees (build_property.*), as the compiler passes them.</summary>
    internal sealed class BuildProperties(Dictionary<string, string> values) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(values);

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Options([]);

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => new Options([]);
    }

    private sealed class Options(Dictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
    }
}
