using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace ApiRoutes;

/// <summary>
/// The handlers of each application assembly, as the package's source generator lists them at compile time, so that a
/// trimmed or Native AOT app creates its handlers without looking types up by name. The build's analysis is still what
/// decides which handlers are routes (the manifest); this only says how to create the types the manifest names.
/// </summary>
/// <remarks>Called by generated code (<c>ApiRoutesHandlerRegistry.g.cs</c>); not meant to be called by hand.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class HandlerRegistry
{
    private static readonly ConcurrentDictionary<string, GeneratedHandlers> Registered = new(StringComparer.Ordinal);

    /// <summary>Records the handlers compiled into <paramref name="assembly"/> (from its module initializer).</summary>
    /// <param name="assembly">The application assembly.</param>
    /// <param name="buildId">The build id the generator also wrote into the assembly's metadata, which the manifest records.</param>
    /// <param name="handlers">Every concrete handler type of the assembly.</param>
    public static void Register(Assembly assembly, string buildId, IReadOnlyList<HandlerRegistration> handlers)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentNullException.ThrowIfNull(buildId);
        ArgumentNullException.ThrowIfNull(handlers);
        var name = assembly.GetName().Name ?? throw new ArgumentException("The assembly has no name.", nameof(assembly));
        Registered[name] = new GeneratedHandlers(assembly, buildId, handlers.ToDictionary(handler => handler.TypeName, StringComparer.Ordinal));
    }

    /// <summary>The handlers registered for the assembly of that name, or null when its build generated none.</summary>
    internal static GeneratedHandlers? Find(string assemblyName) => Registered.GetValueOrDefault(assemblyName);
}

/// <summary>One handler type, named as the manifest names it (reflection's format, nested types joined by <c>+</c>).</summary>
/// <param name="TypeName">The full name of the type.</param>
/// <param name="Type">The type; its public constructors are kept by the trimmer because the handler is created through one.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record HandlerRegistration(
    string TypeName,
    [property: DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)]
    [param: DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)]
    Type Type);

/// <summary>The generated handlers of one assembly and the build id they were compiled with.</summary>
internal sealed record GeneratedHandlers(Assembly Assembly, string BuildId, IReadOnlyDictionary<string, HandlerRegistration> Types);
