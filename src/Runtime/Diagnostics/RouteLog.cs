using Microsoft.Extensions.Logging;

namespace ApiRoutes.Diagnostics;

/// <summary>The log events of the routes' requests (events 1001–1007), in the category <see cref="Log.Category"/>.</summary>
internal static partial class RouteLog
{
    [LoggerMessage(1001, LogLevel.Debug, "Route {Route} served {StatusCode}")]
    public static partial void RouteServed(this ILogger logger, string route, int statusCode);

    [LoggerMessage(1002, LogLevel.Error, "Route {Route} failed")]
    public static partial void RouteFailed(this ILogger logger, string route, Exception exception);

    [LoggerMessage(1005, LogLevel.Warning, "The content root {ContentRoot} is not the app's folder {Folder}, whose {Files} is not read (nor the store, secrets or other settings it names): start the app in its folder (a systemd unit's WorkingDirectory=, docker run -w), or pass --contentRoot {Folder}")]
    public static partial void SettingsBesideAppNotRead(this ILogger logger, string contentRoot, string folder, string files);

    [LoggerMessage(1006, LogLevel.Warning, "Route {Route} and the app's endpoint {Other} match the same requests (routing ranks their templates the same), and both answer {Methods}: ASP.NET Core gives such a request to the one that names its method, or fails it with 500 (AmbiguousMatchException) when both do or neither does. Give one of them another path")]
    public static partial void RouteCollides(this ILogger logger, string route, string other, string methods);

    // Review 46g F4: such an app ran its schedules and the work left in the store, unserved, and said nothing but 404s.
    [LoggerMessage(1007, LogLevel.Warning, "The app started without mapping the ApiRoutes routes: AddApiRoutes registered them, but app.MapApiRoutes() was never called. None of them is served (every request to one answers 404), no schedule runs and no background execution is taken up in this process; the executions accepted before stay in the execution store as they are, for the next start that maps the routes (or a replica that does). Call app.MapApiRoutes() after builder.Build()")]
    public static partial void RoutesNotMapped(this ILogger logger);

    [LoggerMessage(1004, LogLevel.Error, "Route {Route} ran past its time limit of {TimeLimit}: its request was cancelled at the limit; {Outcome}")]
    public static partial void RouteTimedOut(this ILogger logger, string route, TimeSpan timeLimit, string outcome);

    [LoggerMessage(1003, LogLevel.Warning, "{Method} {Path} refused with {StatusCode}: {Reason} ({Unlogged} more refused since the last such line; at most one a second is written)")]
    public static partial void RequestRefused(this ILogger logger, string method, string path, int statusCode, string reason, int unlogged);
}
