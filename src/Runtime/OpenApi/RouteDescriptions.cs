using ApiRoutes.Background;
using ApiRoutes.Manifest;
using ApiRoutes.ManifestLoading;
using Microsoft.AspNetCore.Http;

namespace ApiRoutes.OpenApi;

/// <summary>
/// What API descriptions (OpenAPI, through ASP.NET Core's ApiExplorer) say about a route, as endpoint metadata: its
/// kind as the tag, its handler as the summary, and how it behaves as the description.
/// </summary>
internal static class RouteDescriptions
{
    public static object[] For(LoadedRoute route)
    {
        var entry = route.Entry;
        var methods = entry.Methods is { } only ? $"Answers {string.Join(", ", only)} only (405 otherwise)." : "Answers any method.";
        var behaviour = route.Kind switch
        {
            RouteKind.Background =>
                $"Background route: answers 202 Accepted at once, with the execution id in the {BackgroundRouteEndpoint.ExecutionIdHeader} header, and runs "
                + $"the handler in the background (time limit {entry.TimeLimitSeconds} s; a failure is retried). {methods}",
            RouteKind.Scheduled =>
                $"Scheduled route: runs on the schedule '{route.Schedule!.Normalized}' ({route.Schedule.Description}, {route.Schedule.ZoneName}). "
                + "In Development a request runs it now, with the next_run body; elsewhere it is not reachable.",
            _ => $"Standard route. {methods}",
        };

        return
        [
            new TagsAttribute(entry.Kind.Name()),
            new EndpointSummaryAttribute(route.HandlerType.FullName ?? route.HandlerType.Name),
            new EndpointDescriptionAttribute(behaviour),
        ];
    }
}
