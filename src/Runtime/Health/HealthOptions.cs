namespace ApiRoutes;

/// <summary>The liveness and readiness endpoints (<see cref="ApiRoutesHealth"/>).</summary>
public sealed class HealthOptions
{
    /// <summary>
    /// Whether <c>MapApiRoutes</c> maps <see cref="ApiRoutesHealth.LivePath"/> and <see cref="ApiRoutesHealth.ReadyPath"/>.
    /// Default true. The checks are registered either way, for an app that maps its own endpoints.
    /// </summary>
    public bool MapEndpoints { get; set; } = true;

    /// <summary>
    /// How long past its time a schedule occurrence may go unhandled before the scheduler counts as stuck, and how long
    /// every background worker may be held by a handler abandoned when its attempt ended (its time limit), before
    /// liveness fails. Default 1 minute.
    /// </summary>
    public TimeSpan OverdueAfter { get; set; } = TimeSpan.FromMinutes(1);
}
