using Microsoft.Extensions.Configuration;

namespace ApiRoutes;

/// <summary>
/// Settings of the ApiRoutes runtime, bound from the <c>ApiRoutes</c> configuration section
/// (<c>appsettings.json</c>, environment variables such as <c>ApiRoutes__Background__MaxConcurrency</c>).
/// </summary>
public sealed class ApiRoutesOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "ApiRoutes";

    /// <summary>The manifest; by default <c>apiroutes.manifest.json</c> beside the application.</summary>
    public string? ManifestPath { get; set; }

    /// <summary>
    /// Check at start-up that every file of the deploy bundle matches the SHA-256 in its <c>apiroutes.bundle.json</c>,
    /// and refuse to start otherwise. Default false; <c>apiroutes serve</c> turns it on.
    /// </summary>
    public bool VerifyBundle { get; set; }

    /// <summary>Background routes.</summary>
    public BackgroundRouteOptions Background { get; set; } = new();

    /// <summary>Where executions are kept.</summary>
    public StoreOptions Store { get; set; } = new();

    /// <summary>The development dashboard at <c>/_apiroutes</c>.</summary>
    public DashboardOptions Dashboard { get; set; } = new();

    /// <summary>Scheduled routes.</summary>
    public ScheduleOptions Scheduling { get; set; } = new();

    /// <summary>The liveness and readiness endpoints.</summary>
    public HealthOptions Health { get; set; } = new();

    /// <summary>The development loop under <c>dotnet watch</c>: routes that follow the code.</summary>
    public WatchOptions Watch { get; set; } = new();

    /// <summary>
    /// On shutdown, how long running background and scheduled executions may go on before they are cancelled.
    /// Default 30 seconds.
    /// </summary>
    public TimeSpan ShutdownDrainTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Limits of background executions.</summary>
public sealed class BackgroundRouteOptions
{
    /// <summary>How many background executions run at once. Default 16.</summary>
    public int MaxConcurrency { get; set; } = 16;

    /// <summary>How many accepted executions may wait to start; beyond it requests get 503. Default 1,000.</summary>
    public int MaxQueueLength { get; set; } = 1000;

    /// <summary>The largest request body kept for a background execution; larger ones get 413. Default 256 KB.</summary>
    public int MaxRequestBodyBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// Delays before each retry of a failed execution: by default one retry after 1 minute, then one more 2 minutes
    /// later, as on the platform ApiRoutes mirrors. Empty: no retries.
    /// </summary>
    /// <remarks>
    /// Bound from <c>ApiRoutes:Background:RetryDelays</c> by ApiRoutes itself, which names each delay that does not parse
    /// (the configuration binder would stop at the first); the key below hides the list from the binder.
    /// </remarks>
    [ConfigurationKeyName("_BoundByApiRoutes_RetryDelays")]
    public IList<TimeSpan> RetryDelays { get; set; } = [TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2)];

    /// <summary>The <c>Retry-After</c> advice, in seconds, when the queue is full. Default 5.</summary>
    public int RetryAfterSeconds { get; set; } = 5;

    /// <summary>
    /// Request headers that carry credentials, beside <c>Authorization</c>, <c>Proxy-Authorization</c> and
    /// <c>Cookie</c>, which are always dropped: they are neither stored nor handed to the background handler (a
    /// handler that needs a credential reads it from configuration). Names are matched ignoring case.
    /// </summary>
    public IList<string> SecretHeaders { get; set; } = [];

    /// <summary>
    /// Give callers a status URL: the 202 of a background route carries <c>Location: /_apiroutes/status/…</c>, an
    /// unguessable URL to poll the execution's outcome at. Default false. Outside Development it requires
    /// <see cref="StatusUrlKey"/>.
    /// </summary>
    public bool StatusUrls { get; set; }

    /// <summary>
    /// The secret (at least 32 characters) that status URLs are signed with; the same on every replica, so a URL holds
    /// across restarts and replicas. Required outside Development when <see cref="StatusUrls"/> is on; in Development
    /// a random key per process is used when it is not set.
    /// </summary>
    public string? StatusUrlKey { get; set; }
}

/// <summary>The dashboard: on in Development; elsewhere only when enabled, and then only with a token.</summary>
public sealed class DashboardOptions
{
    /// <summary>Serve the dashboard outside Development too. It then requires <see cref="Token"/>.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// The access token (at least 32 characters) required outside Development: <c>Authorization: Bearer &lt;token&gt;</c>
    /// on API calls, or open the page as <c>/_apiroutes#token=&lt;token&gt;</c> (after <c>#</c>, so it never reaches a log).
    /// </summary>
    public string? Token { get; set; }
}

/// <summary>Where background and scheduled executions are kept.</summary>
public sealed class StoreOptions
{
    /// <summary>
    /// <see cref="StoreProvider.Sqlite"/> (the default), <see cref="StoreProvider.PostgreSql"/> for several replicas, or
    /// <see cref="StoreProvider.InMemory"/>.
    /// </summary>
    public StoreProvider Provider { get; set; } = StoreProvider.Sqlite;

    /// <summary>
    /// The PostgreSQL database (<c>Host=…;Database=…;Username=…;Password=…</c>) when the provider is
    /// <see cref="StoreProvider.PostgreSql"/>. Default: the connection string named <c>ApiRoutes</c>
    /// (<c>ConnectionStrings:ApiRoutes</c>).
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// With PostgreSQL: how long a replica holds its work without renewing its lease (it renews three times per
    /// period). When a replica dies, the others take over its unfinished work within about one and a half leases.
    /// Default 30 seconds.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The SQLite file. Default: <c>apiroutes/&lt;ApplicationName&gt;/executions.db</c> in the user's local application
    /// data folder (<c>~/.local/share</c> on Linux).
    /// </summary>
    public string? Path { get; set; }

    /// <summary>How long finished executions are kept before they are pruned. Default 7 days.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);
}

/// <summary>The execution store.</summary>
public enum StoreProvider
{
    /// <summary>An embedded SQLite file: accepted work survives restarts. The default.</summary>
    Sqlite,

    /// <summary>Memory only: work still queued or running when the process stops is lost (and logged as such).</summary>
    InMemory,

    /// <summary>
    /// A PostgreSQL database shared by several replicas of the app: any replica takes over the work of one that stops,
    /// and each schedule occurrence runs once across them.
    /// </summary>
    PostgreSql,
}

/// <summary>The scheduler.</summary>
public sealed class ScheduleOptions
{
    /// <summary>
    /// Whether schedules run in this process. Default: on in every environment but Development, where scheduled routes
    /// run on demand when their path is requested. Set <c>true</c> to run them on schedule in Development too.
    /// </summary>
    public bool? Enabled { get; set; }

    /// <summary>
    /// The shared secret of externally driven schedules: when set (at least 32 characters), a hosting platform with
    /// its own scheduler can run scheduled routes through the signed endpoint <c>POST /_apiroutes/scheduled-runs</c>.
    /// Set <see cref="Enabled"/> to false as well, so the in-process scheduler does not run them too.
    /// </summary>
    public string? ExternalTriggerSecret { get; set; }

    /// <summary>How far a trigger's timestamp may be from this server's clock. Default 5 minutes.</summary>
    public TimeSpan ExternalTriggerTolerance { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// The development loop: in Development under <c>dotnet watch</c>, each change hot reload applies (and each change of
/// <c>apiroutes.yaml</c>) re-runs the build's analysis on a fresh compile and swaps the routes in.
/// </summary>
public sealed class WatchOptions
{
    /// <summary>Refresh the routes under <c>dotnet watch</c> in Development. Default true; it is never on elsewhere.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long changes must stop coming before a refresh starts (a burst of saves is one refresh). Default 200 ms.</summary>
    public TimeSpan Debounce { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long one refresh (compile and analysis) may take before it is stopped. Default 2 minutes.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(2);
}
