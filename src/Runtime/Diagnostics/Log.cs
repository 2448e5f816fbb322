using Microsoft.Extensions.Logging;

namespace ApiRoutes.Diagnostics;

/// <summary>
/// The log events of the runtime, each with a stable event id (README lists them), all in the category <c>ApiRoutes</c>:
/// this class holds the route table's at start-up (event 1000); <see cref="RouteLog"/> the requests' (1001–1004),
/// <see cref="BackgroundLog"/> (2xxx), <see cref="ScheduleLog"/> (3xxx), <see cref="StoreLog"/> (4xxx) and
/// <see cref="DevelopmentLog"/> (6xxx) the others.
/// </summary>
/// <remarks>
/// Several classes, not one: the logging generator keeps each event's formatter in a static field of its class, and
/// all of a class's are made at its first log call. The first is the route table's, on the main thread before the app
/// listens, where making them for all 92 events took 5.6–8.7 ms and for this class's one 1.0–1.1 ms (bench/load/README.md,
/// "Start-up, tenth pass"); the others are made when their class's first event is logged.
/// </remarks>
internal static partial class Log
{
    public const string Category = "ApiRoutes";

    [LoggerMessage(1000, LogLevel.Information, "ApiRoutes serving {RouteCount} route(s) from {ManifestPath}\n{RouteTable}")]
    public static partial void RoutesLoaded(this ILogger logger, int routeCount, string manifestPath, string routeTable);
}
