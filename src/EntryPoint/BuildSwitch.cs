using ApiRoutes.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ApiRoutes.EntryPoint;

/// <summary>An MSBuild property that switches one of the package's generators on (the targets make it compiler-visible).</summary>
internal static class BuildSwitch
{
    public static IncrementalValueProvider<bool> IsOn(IncrementalGeneratorInitializationContext context, string property) =>
        context.AnalyzerConfigOptionsProvider.Select((options, _) => IsTrue(options.GlobalOptions, property));

    /// <summary>
    /// Whether the property is on as MSBuild's conditions read it (any case: true, on, yes, or '!' before false, off, no),
    /// so that the generator and the targets agree on every value the build accepts (AR0004 refuses the rest).
    /// </summary>
    public static bool IsTrue(AnalyzerConfigOptions options, string property) =>
        options.TryGetValue(property, out var value) && MSBuildBoolean.IsTrue(value);
}
