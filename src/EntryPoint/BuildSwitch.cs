using Microsoft.CodeAnalysis;

namespace ApiRoutes.EntryPoint;

/// <summary>An MSBuild property that switches one of the package's generators on (the targets make it compiler-visible).</summary>
internal static class BuildSwitch
{
    public static IncrementalValueProvider<bool> IsOn(IncrementalGeneratorInitializationContext context, string property) =>
        context.AnalyzerConfigOptionsProvider.Select((options, _) =>
            options.GlobalOptions.TryGetValue(property, out var value) && string.Equals(value, "true", StringComparison.OrdinalIgnoreCase));
}
