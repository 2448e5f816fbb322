using ApiRoutes.Manifest;
using ApiRoutes.Scheduling;

namespace ApiRoutes.Runtime.Tests.Infrastructure;

/// <summary>
/// Writes a real manifest file for handler types of this test assembly, with its real MVID, as the build would.
/// </summary>
internal static class TestManifest
{
    public static ManifestRoute StandardRoute(string route, Type handler) => Route(route, RouteKind.Standard, handler, null, null);

    public static ManifestRoute BackgroundRoute(string route, Type handler, int timeLimitSeconds = 900) =>
        Route(route, RouteKind.Background, handler, null, timeLimitSeconds);

    public static ManifestRoute ScheduledRoute(string route, Type handler, string schedule, int timeLimitSeconds = 30, string? timeZone = null) =>
        Route(route, RouteKind.Scheduled, handler, schedule, timeLimitSeconds) with
        {
            Schedule = new ManifestSchedule(schedule, CronSchedule.Parse(schedule).Normalized!, timeZone),
        };

    public static RouteManifest Create(params ManifestRoute[] routes)
    {
        var assembly = typeof(TestManifest).Assembly;
        return new RouteManifest
        {
            SchemaVersion = RouteManifest.VersionFor(routes),
            Generator = "ApiRoutes tests",
            Assembly = new ManifestAssembly(assembly.GetName().Name!, Path.GetFileName(assembly.Location), assembly.ManifestModule.ModuleVersionId),
            Routes = routes,
        };
    }

    public static string Write(RouteManifest manifest)
    {
        var path = Path.Combine(Path.GetTempPath(), "apiroutes-runtime-tests", Guid.NewGuid().ToString("N"), RouteManifest.FileName);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, ManifestJson.Serialize(manifest));
        return path;
    }

    private static ManifestRoute Route(string route, RouteKind kind, Type handler, string? schedule, int? timeLimitSeconds) => new()
    {
        Route = route,
        Kind = kind,
        Handler = new ManifestHandler(handler.FullName!, handler.Assembly.GetName().Name!),
        Schedule = schedule is null ? null : new ManifestSchedule(schedule, CronSchedule.Parse(schedule).Normalized!),
        TimeLimitSeconds = timeLimitSeconds,
    };
}
