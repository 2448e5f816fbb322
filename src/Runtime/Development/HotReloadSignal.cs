using System.Reflection.Metadata;

[assembly: MetadataUpdateHandler(typeof(ApiRoutes.Development.HotReloadSignal))]

namespace ApiRoutes.Development;

/// <summary>
/// Called by .NET hot reload after <c>dotnet watch</c> has applied a change to the running app (new types included:
/// <c>Assembly.GetType</c> finds them from then on). The development loop listens, to refresh the route table.
/// </summary>
internal static class HotReloadSignal
{
    public static event Action? Applied;

    /// <summary>Hot reload calls this first, with the types whose metadata changed; ApiRoutes caches nothing per type.</summary>
    internal static void ClearCache(Type[]? updatedTypes)
    {
    }

    /// <summary>Hot reload calls this once the change is applied.</summary>
    internal static void UpdateApplication(Type[]? updatedTypes) => Applied?.Invoke();
}
