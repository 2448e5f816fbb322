using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ApiRoutes;

/// <summary>
/// Health checks the ASP.NET Core way: <c>AddApiRoutes</c> registers them (store, queue, scheduler, replica lease) and
/// <c>MapApiRoutes</c> maps the two endpoints a hosting platform probes, under <c>/_apiroutes</c>, off the routes of
/// handlers. They answer anyone (a platform's probe has no credentials) and say only <c>Healthy</c>,
/// <c>Degraded</c> or <c>Unhealthy</c>: what failed, and why, goes to the log.
/// </summary>
public static class ApiRoutesHealth
{
    /// <summary>Liveness: 503 when the process is stuck and a restart would help (its scheduler is dead or overdue, or abandoned handlers hold every background worker).</summary>
    public const string LivePath = "/_apiroutes/health/live";

    /// <summary>Readiness: 503 while it should get no traffic (store unreachable, lease lost, shutting down).</summary>
    public const string ReadyPath = "/_apiroutes/health/ready";

    /// <summary>The tag of the checks that <see cref="LivePath"/> runs.</summary>
    public const string LiveTag = "live";

    /// <summary>The tag of ApiRoutes' readiness checks; <see cref="ReadyPath"/> runs every registered check.</summary>
    public const string ReadyTag = "ready";

    // A check that waits longer than this (a database that does not answer) counts as failed.
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    internal static void AddChecks(IServiceCollection services)
    {
        services.TryAddSingleton<StoreHealthCheck>();   // one probe at a time, whoever asks (AddCheck would make one per check)
        services.AddHealthChecks()
            .AddCheck<StoreHealthCheck>("apiroutes-store", tags: [ReadyTag], timeout: CheckTimeout)
            .AddCheck<QueueHealthCheck>("apiroutes-queue", tags: [ReadyTag])
            .AddCheck<WorkersHealthCheck>("apiroutes-workers", tags: [LiveTag, ReadyTag])
            .AddCheck<LeaseHealthCheck>("apiroutes-lease", tags: [ReadyTag])
            .AddCheck<SchedulerHealthCheck>("apiroutes-scheduler", tags: [LiveTag, ReadyTag]);
    }

    internal static void Map(IEndpointRouteBuilder endpoints)
    {
        Map(endpoints, LivePath, registration => registration.Tags.Contains(LiveTag), "ApiRoutes liveness");
        Map(endpoints, ReadyPath, _ => true, "ApiRoutes readiness");
    }

    // What MapHealthChecks maps (the health-check middleware as the endpoint's pipeline), built at the first probe rather
    // than at start-up: building it loads Microsoft.AspNetCore.Diagnostics.HealthChecks and constructs the middleware
    // on the main thread before the app listens (bench/load/README.md, "JIT start-up: the critical path").
    private static void Map(IEndpointRouteBuilder endpoints, string path, Func<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration, bool> predicate, string name)
    {
        var pipeline = new Lazy<RequestDelegate>(() => Pipeline(endpoints, predicate));
        // As every answer under /_apiroutes (README, the dashboard): the middleware sets Cache-Control itself (review 43b F7).
        endpoints.Map(path, new RequestDelegate(context =>
            {
                context.Response.Headers.XContentTypeOptions = "nosniff";
                return pipeline.Value(context);
            }))
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]))
            .WithMetadata(new AllowAnonymousAttribute())   // what AllowAnonymous() adds, without loading its assembly at start-up
            .ExcludeFromDescription()
            .WithDisplayName(name);
    }

    private static RequestDelegate Pipeline(IEndpointRouteBuilder endpoints, Func<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration, bool> predicate) =>
        endpoints.CreateApplicationBuilder()
            .UseMiddleware<HealthCheckMiddleware>(Microsoft.Extensions.Options.Options.Create(new HealthCheckOptions { Predicate = predicate }))
            .Build();
}
