namespace ApiRoutes.Text;

/// <summary>
/// A property's value as MSBuild's conditions read it as a boolean: any case, true, on, yes, or '!' before false, off, no.
/// The package's targets compare switches so (and refuse other values, AR0004): what reads them elsewhere (the
/// generators, the tool) must agree. Compiled into the generators too (netstandard2.0).
/// </summary>
internal static class MSBuildBoolean
{
    public static bool IsTrue(string? value) => value?.ToLowerInvariant() is "true" or "on" or "yes" or "!false" or "!off" or "!no";
}
