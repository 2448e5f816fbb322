using System.Reflection.Metadata;

[assembly: MetadataUpdateHandler(typeof(ApiRoutes.Development.HotReloadSignal))]

namespace ApiRoutes.Development;

/// <summary>
/// Called by .NET hot reload after <c>dotnet watch</c> has applied a change to the running app (new types included:
/// <c>Assembly.GetType</c> finds them from then on). The development loop listens, to refresh the route table.
/// </summary>
internal static class HotReloadSignal
{
    private static int _generation;

    public static event Action? Applied;

    /// <summary>
    /// How many hot reload updates this process has had: a route's way of creating its handler, chosen for the constructors
    /// its type had then, is chosen again once this has moved (review 46f F1).
    /// </summary>
    public static int Generation => Volatile.Read(ref _generation);

    /// <summary>Hot reload calls this first, with the types whose metadata changed.</summary>
    internal static void ClearCache(Type[]? updatedTypes) => Interlocked.Increment(ref _generation);

    /// <summary>Hot reload calls this once the change is applied.</summary>
    internal static void UpdateApplication(Type[]? updatedTypes)
    {
        Interlocked.Increment(ref _generation);   // again: a factory made between the two was made before the update
        Applied?.Invoke();
    }
}
