namespace ApiRoutes;

/// <summary>
/// Makes a handler a background route: the request is answered <c>202 Accepted</c> at once and the handler runs
/// in the background, for up to 15 minutes.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class BackgroundRouteAttribute : Attribute
{
    /// <summary>
    /// The time limit in seconds, at most 900 (15 minutes, the default). At the limit the handler's
    /// <c>RequestAborted</c> token is cancelled. <c>0</c> means the default.
    /// </summary>
    public int TimeLimitSeconds { get; set; }
}
