using System.Text.Json.Serialization;

namespace ApiRoutes.Manifest;

/// <summary>
/// The deploy manifest, <c>apiroutes.manifest.json</c>: every route of one assembly, written by the build and read
/// by the runtime. Described by <c>schemas/apiroutes.manifest.schema.json</c>.
/// </summary>
internal sealed record RouteManifest
{
    /// <summary>The schema version of a manifest without <see cref="ManifestRoute.Methods"/>.</summary>
    public const int CurrentSchemaVersion = 2;

    /// <summary>
    /// The schema version of a manifest whose routes restrict their methods: a reader that does not know
    /// <c>methods</c> would answer every method, so it must refuse the file rather than misread it.
    /// </summary>
    public const int MethodsSchemaVersion = 3;

    /// <summary>The version a manifest of these routes is written with: the oldest that says what they mean.</summary>
    public static int VersionFor(IEnumerable<ManifestRoute> routes) =>
        routes.Any(route => route.Methods is not null) ? MethodsSchemaVersion : CurrentSchemaVersion;

    /// <summary>The file name beside the assembly.</summary>
    public const string FileName = "apiroutes.manifest.json";

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>What wrote the manifest, such as <c>ApiRoutes 0.1.0</c>.</summary>
    public required string Generator { get; init; }

    public required ManifestAssembly Assembly { get; init; }

    /// <summary>Routes in ordinal order of their templates, so that the same build writes the same bytes.</summary>
    public required IReadOnlyList<ManifestRoute> Routes { get; init; }
}

/// <summary>
/// The assembly the routes were read from. The runtime refuses a manifest whose build id differs from the one the
/// package's source generator compiled into the running app (kept by the trimmer and Native AOT, which change the
/// MVID), or, in an app built without the generator, whose MVID differs.
/// </summary>
internal sealed record ManifestAssembly(string Name, string FileName, Guid Mvid, string? BuildId = null);

internal sealed record ManifestRoute
{
    /// <summary>The ASP.NET Core route template, always starting with <c>/</c>.</summary>
    public required string Route { get; init; }

    public required RouteKind Kind { get; init; }

    /// <summary>The only HTTP methods the route answers (others get 405); absent for any method (schema version 3).</summary>
    public IReadOnlyList<string>? Methods { get; init; }

    public required ManifestHandler Handler { get; init; }

    /// <summary>Set for scheduled routes only.</summary>
    public ManifestSchedule? Schedule { get; init; }

    /// <summary>Scheduled routes only: run one catch-up at start-up after missed occurrences. Absent means no.</summary>
    public bool? CatchUp { get; init; }

    /// <summary>The time limit of one execution; <see langword="null"/> for a standard route without one.</summary>
    public int? TimeLimitSeconds { get; init; }

    /// <summary>Where the handler is declared, from the portable PDB; <see langword="null"/> without one.</summary>
    public ManifestSource? Source { get; init; }
}

/// <summary>The handler type in reflection's format (nested types joined by <c>+</c>) and its assembly name.</summary>
internal sealed record ManifestHandler(string Type, string Assembly);

/// <summary>
/// A cron schedule as the user wrote it and as normalized crontab text, in its time zone: an IANA id, or null (not
/// written) for UTC.
/// </summary>
internal sealed record ManifestSchedule(string Expression, string Normalized, string? TimeZone = null);

/// <summary>A source location: the file relative to the project folder where it lies under it, 1-based line.</summary>
internal sealed record ManifestSource(string File, int Line);

/// <summary>The lower-case names of route kinds, as the manifest, logs, metrics and tools spell them.</summary>
internal static class RouteKindNames
{
    public static string Name(this RouteKind kind) => kind switch
    {
        RouteKind.Background => "background",
        RouteKind.Scheduled => "scheduled",
        _ => "standard",
    };
}

[JsonConverter(typeof(JsonStringEnumConverter<RouteKind>))]
internal enum RouteKind
{
    [JsonStringEnumMemberName("standard")]
    Standard,

    [JsonStringEnumMemberName("background")]
    Background,

    [JsonStringEnumMemberName("scheduled")]
    Scheduled,
}
