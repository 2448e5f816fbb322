using System.Text;
using ApiRoutes.Manifest;
using ApiRoutes.ManifestLoading;
using ApiRoutes.Scheduling;

namespace ApiRoutes.Hosting;

/// <summary>The route table printed at start-up: route, kind, and for schedules the next run.</summary>
internal static class StartupReport
{
    public static string Format(RouteTable table, DateTimeOffset now, bool isDevelopment, bool schedulerEnabled)
    {
        var rows = table.Routes
            .Select(route => (route.Template, Kind: Describe(route, isDevelopment, schedulerEnabled), Next: Next(route, now)))
            .ToList();
        var routeWidth = Math.Max("route".Length, rows.Select(row => row.Template.Length).DefaultIfEmpty(0).Max());
        var kindWidth = Math.Max("kind".Length, rows.Select(row => row.Kind.Length).DefaultIfEmpty(0).Max());

        var text = new StringBuilder();
        text.Append("  ").Append("route".PadRight(routeWidth)).Append("  ").Append("kind".PadRight(kindWidth)).Append("  next run (UTC)");
        foreach (var (template, kind, next) in rows)
        {
            text.AppendLine().Append("  ").Append(template.PadRight(routeWidth)).Append("  ").Append(kind.PadRight(kindWidth)).Append("  ").Append(next);
        }

        return text.ToString();
    }

    private static string Describe(LoadedRoute route, bool isDevelopment, bool schedulerEnabled) => route.Kind switch
    {
        RouteKind.Scheduled when schedulerEnabled => $"scheduled {Schedule(route)}",
        RouteKind.Scheduled when isDevelopment => $"scheduled {Schedule(route)} (on demand)",
        RouteKind.Scheduled => $"scheduled {Schedule(route)} (scheduler off)",
        _ => route.Kind.Name(),
    };

    // The zone is named when it is not UTC, the default the table's header states.
    private static string Schedule(LoadedRoute route) =>
        route.Schedule!.TimeZoneId is { } zone ? $"{route.Entry.Schedule!.Expression} {zone}" : route.Entry.Schedule!.Expression;

    private static string Next(LoadedRoute route, DateTimeOffset now) =>
        route.NextOccurrence(now) is { } next ? ScheduledRequest.Format(next) : "";
}
