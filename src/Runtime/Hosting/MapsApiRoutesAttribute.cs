using System.ComponentModel;

namespace ApiRoutes;

/// <summary>
/// Marks a library whose code maps the routes (calls <c>MapApiRoutes</c> or runs <c>ApiRoutesApplication</c>), as a
/// ServiceDefaults-style <c>MapDefaults()</c> does. The package's source generator adds it, and the generator of the app
/// that references the library reads it to know that its own entry point need not map them (no warning AR0105): a build
/// passes a project reference as its reference assembly, whose method bodies are gone, but whose assembly attributes stay.
/// </summary>
/// <remarks>Added by generated code (<c>ApiRoutesMapsRoutes.g.cs</c>); not meant to be written by hand.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class MapsApiRoutesAttribute : Attribute;
