using ApiRoutes.Background;
using ApiRoutes.Dashboard;
using ApiRoutes.Diagnostics;
using ApiRoutes.Execution;
using ApiRoutes.Manifest;
using ApiRoutes.OpenApi;
using ApiRoutes.ManifestLoading;
using ApiRoutes.Scheduling;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ApiRoutes.Routing;

/// <summary>
/// Turns loaded routes into endpoints: standard routes answer the request, background routes answer 202 and run in
/// the background, scheduled routes run on demand in Development and have no endpoint (404) elsewhere. One place,
/// used at start-up and by the development loop when it swaps the route table.
/// </summary>
internal sealed class RouteEndpointFactory(IServiceProvider services, ExecutionStatusUrls? statusUrls, bool isDevelopment, RefusalLog refusals, ILogger logger)
{
    private readonly ApiRoutesMetrics _metrics = services.GetRequiredService<ApiRoutesMetrics>();
    private readonly TimeProvider _time = services.GetRequiredService<TimeProvider>();

    // The dashboard's token, when set, guards running a scheduled route by hand as it guards Run now.
    private readonly DashboardSession? _session = services.GetRequiredService<IOptions<ApiRoutesOptions>>().Value.Dashboard.Token is { Length: > 0 } token
        ? new DashboardSession(token, services.GetRequiredService<TimeProvider>())
        : null;

    private static RequestDelegate AtFirstRequest(Func<RequestDelegate> create)
    {
        var handler = new Lazy<RequestDelegate>(create);
        return context => handler.Value(context);
    }

    /// <remarks>Every template parses: the build refuses any other (AR2001), and so does the manifest's read (ManifestRouteCheck).</remarks>
    public IReadOnlyList<Endpoint> Create(IEnumerable<LoadedRoute> routes) =>
        [.. routes.Select(Create).OfType<Endpoint>()];

    private Endpoint? Create(LoadedRoute route)
    {
        RequestDelegate? handler = route.Kind switch
        {
            // Built at the route's first request: admission needs the execution store, which is still opening
            // while the routes are mapped at start-up (MapApiRoutes awaits it before the app listens).
            RouteKind.Background => AtFirstRequest(() => new BackgroundRouteEndpoint(
                route, services.GetRequiredService<BackgroundAdmission>(), statusUrls, _time,
                services.GetRequiredService<IOptions<ApiRoutesOptions>>(), _metrics, logger).InvokeAsync),
            RouteKind.Scheduled when isDevelopment => new OnDemandScheduledEndpoint(
                route, services.GetRequiredService<ExecutionLifecycle>(), _time, _metrics, logger, refusals, _session).InvokeAsync,
            RouteKind.Scheduled => null,
            _ => new StandardRouteEndpoint(route, _metrics, logger, _time).InvokeAsync,
        };

        if (handler is null)
        {
            return null;
        }

        var builder = new RouteEndpointBuilder(handler, RoutePatternFactory.Parse(route.Template), order: 0)
        {
            DisplayName = $"{route.Template} ({route.HandlerType.FullName})",
            ApplicationServices = services,
        };
        builder.Metadata.Add(route.Entry);
        foreach (var description in RouteDescriptions.For(route))
        {
            builder.Metadata.Add(description);
        }

        // Without Methods a route answers any method, as on the platform; with them, ASP.NET Core answers others 405
        // with Allow (its HTTP method policy reads this metadata, as MapMethods adds it).
        if (route.Entry.Methods is { } methods)
        {
            builder.Metadata.Add(new HttpMethodMetadata(methods));
        }

        return builder.Build();
    }
}
