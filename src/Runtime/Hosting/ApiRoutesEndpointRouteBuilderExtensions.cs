using ApiRoutes.Background;
using ApiRoutes.Dashboard;
using ApiRoutes.Development;
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

        // The store opens on another thread while this one maps the routes (what needs the store waits for it there);
        // a store that cannot be opened still stops start-up, when it is awaited at the end, before the app listens.
        var store = Task.Run(services.GetRequiredService<IExecutionStore>);
        Task? constraints = null;
        RouteTable table;
        try
        {
            table = services.GetRequiredService<RouteTable>();

            // The route constraints are checked (the routing options built, which the first request needs anyway) on
            // another thread too, and awaited first: an unregistered one is still the error reported, before the app listens.
            constraints = Task.Run(() => RouteConstraintCheck.ThrowIfUnregistered(table, services.GetRequiredService<IOptions<RouteOptions>>().Value));
            Map(endpoints, services, options, table);
            constraints.GetAwaiter().GetResult();
        }
        catch
        {
            // The constraint check's error is the one reported when it failed, as when it ran first; else the
            // mapping's. The store's, should it fail too, is observed and dropped.
            _ = store.ContinueWith(static opened => opened.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            constraints?.GetAwaiter().GetResult();
            throw;
        }

        store.GetAwaiter().GetResult();

        // Announced only once the start can no longer fail here (the constraints checked, the store open): an app that
        // fails its start does not log its routes as served first (reviews 7 and 9).
        AnnounceRoutes(services, table);
        services.GetService<ApiRoutesMapping>()?.Mark();
        return endpoints;
    }

    // The route table is formatted (next runs of schedules included) only for a log that shows it.
    private static void AnnounceRoutes(IServiceProvider services, RouteTable table)
    {
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(Log.Category);
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.RoutesLoaded(table.Routes.Count, table.ManifestPath, StartupReport.Format(table, services.GetRequiredService<TimeProvider>().GetUtcNow(),
                services.GetRequiredService<IHostEnvironment>().IsDevelopment(), services.GetRequiredService<SchedulerSwitch>().IsEnabled));
        }
    }

    private static void Map(IEndpointRouteBuilder endpoints, IServiceProvider services, ApiRoutes.ApiRoutesOptions options, RouteTable table)
    {
        var time = services.GetRequiredService<TimeProvider>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(Log.Category);
        var isDevelopment = services.GetRequiredService<IHostEnvironment>().IsDevelopment();
        var refusals = new RefusalLog(logger, time);
        var statusUrls = StatusUrls(options, isDevelopment);

        var factory = new RouteEndpointFactory(services, statusUrls, isDevelopment, refusals, logger);
        var source = new RouteEndpointSource(factory.Create(table.Routes));
        endpoints.DataSources.Add(source);
        services.GetRequiredService<RouteTableSwap>().Attach(table, factory, source);
        WarnOfCollisions(endpoints, services, source, logger);

        if (isDevelopment || options.Dashboard.Enabled)
        {
            if (!isDevelopment && options.Dashboard.Token is not { Length: >= 32 })
            {
                throw new ApiRoutes.ApiRoutesStartupException(
                    "ApiRoutes:Dashboard:Enabled is set outside Development, so ApiRoutes:Dashboard:Token must be set to a "
                    + "secret of at least 32 characters (for example 'openssl rand -hex 32').");
            }

            // A token set in Development is required there too: the one defence that holds behind a local proxy that
            // passes requests on from elsewhere without saying so.
            DashboardApi.Map(endpoints, isDevelopment, string.IsNullOrEmpty(options.Dashboard.Token) ? null : options.Dashboard.Token, refusals);
        }

        if (statusUrls is not null)
        {
            ExecutionStatusEndpoint.Map(endpoints, statusUrls, services.GetRequiredService<ApiRoutes.ExecutionLog>(), time, options.Background.RetryDelays.DefaultIfEmpty().Max(), isDevelopment, refusals);
        }

        if (options.Health.MapEndpoints)
        {
            ApiRoutes.ApiRoutesHealth.Map(endpoints);
        }

        var scheduling = options.Scheduling;
        if (!string.IsNullOrEmpty(scheduling.ExternalTriggerSecret))
        {
            var trigger = new ExternalTriggerEndpoint(table, services.GetRequiredService<ScheduledRuns>(), services.GetRequiredService<SchedulePauses>(), services.GetRequiredService<OccurrenceLog>(), time,
                services.GetRequiredService<IExecutionStore>().IsDurable, options, logger);
            endpoints.MapPost(TriggerSignature.Path, trigger.InvokeAsync).WithDisplayName("ApiRoutes external schedule trigger").ExcludeFromDescription();
        }

    }

    // The app's own endpoints that have a route's template (event 1006; review 39b F3): compared once the app has started,
    // when every endpoint is mapped (MapControllers may come after MapApiRoutes), off the start's path, and again after
    // each swap of the development loop. Never fails the app: another source that cannot list its endpoints is skipped.
    private static void WarnOfCollisions(IEndpointRouteBuilder endpoints, IServiceProvider services, RouteEndpointSource source, ILogger logger)
    {
        var policies = services.GetService<ParameterPolicyFactory>();
        void Check()
        {
            foreach (var other in endpoints.DataSources.Where(other => !ReferenceEquals(other, source)).ToList())
            {
                try
                {
                    foreach (var (route, endpoint, methods) in RouteCollisions.Find(source.Endpoints, other.Endpoints, policies))
                    {
                        logger.RouteCollides(route.DisplayName ?? route.RoutePattern.RawText ?? "", endpoint.DisplayName ?? endpoint.RoutePattern.RawText ?? "", methods);
                    }
                }
#pragma warning disable CA1031 // A warning's check: whatever another endpoint source throws is not this app's start to fail.
                catch (Exception)
#pragma warning restore CA1031
                {
                }
            }
        }

        services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() => _ = Task.Run(Check));
        services.GetRequiredService<RouteTableSwap>().Applied += manifest => Task.Run(Check);   // not under the swap's lock
    }

    private static ExecutionStatusUrls? StatusUrls(ApiRoutes.ApiRoutesOptions options, bool isDevelopment)
    {
        if (!options.Background.StatusUrls)
        {
            return null;
        }

        if (!isDevelopment && string.IsNullOrEmpty(options.Background.StatusUrlKey))
        {
            throw new ApiRoutes.ApiRoutesStartupException(
                "ApiRoutes:Background:StatusUrls is on outside Development, so ApiRoutes:Background:StatusUrlKey must be set to a "
                + "secret of at least 32 characters, the same on every replica (for example 'openssl rand -hex 32').");
        }

        return ExecutionStatusUrls.Create(options.Background.StatusUrlKey);
    }
}
