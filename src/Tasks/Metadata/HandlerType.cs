using System.Reflection.Metadata;

namespace ApiRoutes.Tasks.Metadata;

/// <summary>
/// What the metadata says about a type that implements <c>IApiHandler</c> or carries a route attribute.
/// </summary>
internal sealed record HandlerType
{
    /// <summary>The nearest base class that carries a route attribute, which does not apply to this type (not inherited).</summary>
    public (string Base, string Attribute)? BaseRouteAttribute { get; init; }

    public required TypeDefinitionHandle Handle { get; init; }

    /// <summary>The type's name in reflection's format: <c>Shop.Api.Hello</c>, <c>Shop.Api.Outer+Inner</c>.</summary>
    public required string FullName { get; init; }

    /// <summary>The namespace of the outermost declaring type.</summary>
    public required string Namespace { get; init; }

    /// <summary>The names of the declaring types, outermost first, then the type's own; no generic arity.</summary>
    public required IReadOnlyList<string> NestedNames { get; init; }

    public string Name => NestedNames[^1];

    /// <summary>Public, and every declaring type public too.</summary>
    public required bool IsPublic { get; init; }

    /// <summary>
    /// Declared <c>file</c> (or nested in such a type): only its own file can name it. Its names here are the C# ones,
    /// without the prefix the compiler gives it in metadata (<c>&lt;Handler&gt;F…__Secret</c>).
    /// </summary>
    public bool IsFileLocal { get; init; }

    public required bool IsAbstract { get; init; }

    public required bool IsGeneric { get; init; }

    public required bool IsValueType { get; init; }

    public required bool IsInterface { get; init; }

    public required bool ImplementsHandler { get; init; }

    public required int PublicConstructorCount { get; init; }

    /// <summary>One public constructor is marked <c>[ActivatorUtilitiesConstructor]</c>, so DI knows which to use.</summary>
    public required bool HasPreferredConstructor { get; init; }

    public required RouteAttributes Attributes { get; init; }

    /// <summary>The ApiRoutes warnings the source suppresses for this type (<see cref="Suppressions"/>).</summary>
    public IReadOnlySet<string> SuppressedWarnings { get; init; } = new HashSet<string>();
}

/// <summary>The ApiRoutes attributes on one type, decoded from metadata.</summary>
internal sealed record RouteAttributes
{
    public static readonly RouteAttributes None = new();

    public bool HasApiRoute { get; init; }

    public string? Template { get; init; }

    /// <summary>The <c>[ApiRoute]</c>'s <c>Methods</c> as written (null elements included); null when not set.</summary>
    public IReadOnlyList<string?>? Methods { get; init; }

    public bool HasBackground { get; init; }

    public int? BackgroundTimeLimitSeconds { get; init; }

    public bool HasScheduled { get; init; }

    public string? Schedule { get; init; }

    public int? ScheduledTimeLimitSeconds { get; init; }

    public bool ScheduledCatchUp { get; init; }

    /// <summary>The attribute's <c>TimeZone</c>: an IANA id, or null for UTC.</summary>
    public string? ScheduledTimeZone { get; init; }

    /// <summary>
    /// The name of an attribute named like one of ApiRoutes' (<c>BackgroundRouteAttribute</c>) that is another type, whose
    /// arguments are not read; null when there is none.
    /// </summary>
    public string? ForeignAttribute { get; init; }

    public bool Any => HasApiRoute || HasBackground || HasScheduled || ForeignAttribute is not null;
}
