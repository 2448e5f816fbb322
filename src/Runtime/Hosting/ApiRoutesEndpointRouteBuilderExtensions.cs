using ApiRoutes.Background;
using ApiRoutes.Dashboard;
using ApiRoutes.Diagnostics;
using ApiRoutes.Hosting;
using ApiRoutes.Manifest;
using ApiRoutes.ManifestLoading;
using ApiRoutes.OpenApi;
using ApiRoutes.Routing;
using ApiRoutes.Scheduling;
using ApiRoutes.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the ApiRoutes endpoints.</summary>
public static class ApiRoutesEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps every route of <c>apiroutes.manifest.json</c>: standard routes answer requests, background routes
    /// answer 202 and run in the background, scheduled routes run on demand in Development and are not reachable
    /// (404) elsewhere. Loads the manifest now, so a missing or stale manifest stops start-up with
    /// <see cref="ApiRoutes.ApiRoutesManifestException"/> (and a bad store or setting with
    /// <see cref="ApiRoutes.ApiRoutesStartupException"/>).
    /// </summary>
    public static IEndpointRouteBuilder MapApiRoutes(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        var options = ApiRoutes.ApiRoutesOptionsValidation.Resolve(services);

        // Opening the store and loading the manifest are both start-up I/O and JIT: do them side by side. A store
        // that cannot be opened still stops start-up, when it is awaited below.
        var store = Task.Run(services.GetRequiredService<IExecutionStore>);
        var table = services.GetRequiredService<RouteTable>();
        store.GetAwaiter().GetResult();
        RouteConstraintCheck.ThrowIfUnregistered(table, services.GetRequiredService<IOptions<RouteOptions>>().Value);
        var metrics = services.GetRequiredService<ApiRoutesMetrics>();
        var time = services.GetRequiredService<TimeProvider>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(Log.Category);
        var isDevelopment = services.GetRequiredService<IHostEnvironment>().IsDevelopment();
        var refusals = new RefusalLog(logger, time);

        foreach (var route in table.Routes)
        {
            RequestDelegate? handler = route.Kind switch
            {
                RouteKind.Background => new BackgroundRouteEndpoint(
                    route, services.GetRequiredService<BackgroundQueue>(), services.GetRequiredService<ApiRoutes.Execution.ExecutionLifecycle>(), time,
                    services.GetRequiredService<IOptions<ApiRoutes.ApiRoutesOptions>>(), metrics, logger).InvokeAsync,
                RouteKind.Scheduled when isDevelopment => new OnDemandScheduledEndpoint(
                    route, services.GetRequiredService<ApiRoutes.Execution.ExecutionLifecycle>(), time, metrics, logger, refusals).InvokeAsync,
                RouteKind.Scheduled => null,
                _ => new StandardRouteEndpoint(route, metrics, logger).InvokeAsync,
            };

            if (handler is not null)
            {
                // Without Methods a route answers any method, as on the platform; with them, ASP.NET Core answers others 405 with Allow.
                var endpoint = route.Entry.Methods is { } methods ? endpoints.MapMethods(route.Template, methods, handler) : endpoints.Map(route.Template, handler);
                endpoint
                    .WithDisplayName($"{route.Template} ({route.HandlerType.FullName})")
                    .WithMetadata(route.Entry)
                    .WithMetadata(RouteDescriptions.For(route));
            }
        }

        if (isDevelopment || options.Dashboard.Enabled)
        {
            if (!isDevelopment && options.Dashboard.Token is not { Length: >= 32 })
            {
                throw new ApiRoutes.ApiRoutesStartupException(
                    "ApiRoutes:Dashboard:Enabled is set outside Development, so ApiRoutes:Dashboard:Token must be set to a "
                    + "secret of at least 32 characters (for example 'openssl rand -hex 32').");
            }

            DashboardApi.Map(endpoints, isDevelopment, isDevelopment ? null : options.Dashboard.Token, refusals);
        }

        var scheduling = options.Scheduling;
        if (!string.IsNullOrEmpty(scheduling.ExternalTriggerSecret))
        {
            var trigger = new ExternalTriggerEndpoint(table, services.GetRequiredService<ScheduledRuns>(), time,
                services.GetRequiredService<IExecutionStore>().IsDurable, options, logger);
            endpoints.MapPost(TriggerSignature.Path, trigger.InvokeAsync).WithDisplayName("ApiRoutes external schedule trigger").ExcludeFromDescription();
        }

        logger.RoutesLoaded(table.Routes.Count, table.ManifestPath, StartupReport.Format(table, time.GetUtcNow(), isDevelopment,
            services.GetRequiredService<SchedulerSwitch>().IsEnabled));
        return endpoints;
    }
}
