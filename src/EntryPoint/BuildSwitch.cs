using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ApiRoutes.EntryPoint;

/// <summary>An MSBuild property that switches one of the package's generators on (the targets make it compiler-visible).</summary>
internal static class BuildSwitch
{
    public static IncrementalValueProvider<bool> IsOn(IncrementalGeneratorInitializationContext context, string property) =>
        context.AnalyzerConfigOptionsProvider.Select((options, _) => IsTrue(options.GlobalOptions, property));

    public static bool IsTrue(AnalyzerConfigOptions options, string property) =>
        options.TryGetValue(property, out var value) && string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);
}
