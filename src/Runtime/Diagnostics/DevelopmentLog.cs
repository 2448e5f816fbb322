using Microsoft.Extensions.Logging;

namespace ApiRoutes.Diagnostics;

/// <summary>The log events of the development loop under dotnet watch (events 6xxx), in the category <see cref="Log.Category"/>.</summary>
internal static partial class DevelopmentLog
{
    [LoggerMessage(6000, LogLevel.Information, "Routes refreshed from the code: {RouteCount} route(s) served, in {ElapsedMs} ms")]
    public static partial void RoutesRefreshed(this ILogger logger, int routeCount, long elapsedMs);

    [LoggerMessage(6001, LogLevel.Error, "{Diagnostic}")]
    public static partial void WatchDiagnosticError(this ILogger logger, string diagnostic);

    [LoggerMessage(6002, LogLevel.Warning, "{Diagnostic}")]
    public static partial void WatchDiagnosticWarning(this ILogger logger, string diagnostic);

    [LoggerMessage(6014, LogLevel.Warning, "The ApiRoutes settings changed ({Keys}): they are read once, at start-up, and apply at the next start; restart the app (Ctrl+R) to use them.{Problem}")]
    public static partial void SettingsChanged(this ILogger logger, string keys, string problem);

    [LoggerMessage(6013, LogLevel.Warning, "Routes refreshed without {Routes}: {Reason}")]
    public static partial void RoutesLeftOut(this ILogger logger, string routes, string reason);

    [LoggerMessage(6003, LogLevel.Warning, "The routes were not refreshed, so the last valid ones are still served: {Reason}")]
    public static partial void RoutesKept(this ILogger logger, string reason);

    [LoggerMessage(6004, LogLevel.Information, "dotnet watch: routes follow the code of {ProjectFile} (each save re-runs the build's analysis, compiling with the compiler server '{CompilerServer}', which dotnet watch's builds of the project use too)")]
    public static partial void RouteWatchStarted(this ILogger logger, string projectFile, string compilerServer);

    [LoggerMessage(6005, LogLevel.Warning, "dotnet watch: routes do not follow the code, because {Reason}; restart dotnet watch to see route changes")]
    public static partial void RouteWatchUnavailable(this ILogger logger, string reason);

    [LoggerMessage(6011, LogLevel.Information, "dotnet watch: also watching {Count} folder(s) outside the project that it reads files from: {Folders}")]
    public static partial void WatchingOutsideFolders(this ILogger logger, int count, string folders);

    [LoggerMessage(6010, LogLevel.Warning, "dotnet watch: {Reason}")]
    public static partial void RouteWatchDegraded(this ILogger logger, string reason);

    [LoggerMessage(6007, LogLevel.Information, "dotnet watch: stopped with SIGTERM, as for a restart: the compiler server '{CompilerServer}' keeps running for the restart's build (Roslyn ends it after its idle timeout)")]
    public static partial void CompilerServerLeftRunning(this ILogger logger, string compilerServer);

    [LoggerMessage(6008, LogLevel.Information, "dotnet watch: stopping for a restart, the analysis in progress {Outcome}, after {ElapsedMs} ms")]
    public static partial void AnalysisStoppedForRestart(this ILogger logger, string outcome, long elapsedMs);

    [LoggerMessage(6009, LogLevel.Warning, "dotnet watch: the handlers' source files could not be saved to {Path} ({Reason}), so deleting, renaming or moving a handler restarts the app instead of being hot reloaded")]
    public static partial void HandlerSourcesNotSaved(this ILogger logger, string path, string reason);

    [LoggerMessage(6012, LogLevel.Debug, "dotnet watch: {Path} was written again with the bytes it had (saved unchanged, or removed and made again); deleting it now restarts the app rather than being hot reloaded, which dotnet watch's hot reload cannot do safely after such a save")]
    public static partial void HandlerSourceRewritten(this ILogger logger, string path);

    [LoggerMessage(6006, LogLevel.Debug, "dotnet watch: the refreshed code names handlers hot reload has not applied yet; the routes follow once it has")]
    public static partial void WaitingForHotReload(this ILogger logger);
}
