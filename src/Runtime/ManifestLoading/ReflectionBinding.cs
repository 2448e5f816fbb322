using System.Diagnostics.CodeAnalysis;

namespace ApiRoutes.ManifestLoading;

/// <summary>
/// Whether a handler the source-generated registry does not list may be looked up by its name with reflection (an app
/// built without the generator, such as one not written in C#). On by default; the package's build logic turns it off
/// in trimmed and Native AOT apps, where the trimmer then removes that path, and only the generated registry binds.
/// </summary>
internal static class ReflectionBinding
{
    public const string Switch = "ApiRoutes.ReflectionBinding.IsSupported";

    [FeatureSwitchDefinition(Switch)]
    [FeatureGuard(typeof(RequiresUnreferencedCodeAttribute))]
    public static bool IsSupported { get; } = !AppContext.TryGetSwitch(Switch, out var enabled) || enabled;
}
