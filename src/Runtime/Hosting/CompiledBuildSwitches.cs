using System.ComponentModel;
using System.Reflection;

namespace ApiRoutes;

/// <summary>
/// Switches of the app's build that its generated code hands to the runtime, so that they travel with the entry assembly
/// rather than with a file of its folder.
/// </summary>
/// <remarks>Called by generated code (<c>ApiRoutesVerifyBundle.g.cs</c>); not meant to be called by hand.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class CompiledBuildSwitches
{
    // Every assembly whose build has the switch: an app may reference another app built with it, whose module initializer
    // then runs too, and must not unregister the app's own (review 34c F5: the last one registered was the only one kept).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Assembly, bool> s_verifyBundle = new();

    /// <summary>
    /// <c>ApiRoutesVerifyBundle=true</c> in the build of <paramref name="assembly"/> (from its module initializer): when it
    /// is the app that runs, outside the Development environment, as <c>ApiRoutes:VerifyBundle=true</c> would.
    /// </summary>
    /// <param name="assembly">The application assembly.</param>
    public static void VerifyBundle(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        s_verifyBundle[assembly] = true;
    }

    /// <summary>Whether the running app's own build (its entry assembly, not a library or a test host's) asks for the check.</summary>
    internal static bool VerifyBundleCompiledIn => Assembly.GetEntryAssembly() is { } entry && s_verifyBundle.ContainsKey(entry);
}
