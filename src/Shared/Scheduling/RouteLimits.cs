namespace ApiRoutes.Scheduling;

/// <summary>Time limits shared by the build (validation, defaults) and the runtime (enforcement).</summary>
internal static class RouteLimits
{
    /// <summary>No execution of any kind may run longer than 15 minutes, as on the platform ApiRoutes mirrors.</summary>
    public const int MaxTimeLimitSeconds = 15 * 60;

    public const int DefaultBackgroundTimeLimitSeconds = MaxTimeLimitSeconds;

    public const int DefaultScheduledTimeLimitSeconds = 30;
}
