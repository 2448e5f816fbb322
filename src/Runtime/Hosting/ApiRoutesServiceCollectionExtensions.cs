using ApiRoutes;
using ApiRoutes.Background;
using ApiRoutes.Dashboard;
using ApiRoutes.Diagnostics;
using ApiRoutes.Execution;
using ApiRoutes.Hosting;
using ApiRoutes.ManifestLoading;
using ApiRoutes.Scheduling;
using ApiRoutes.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the ApiRoutes runtime.</summary>
public static class ApiRoutesServiceCollectionExtensions
{
    /// <summary>
    /// Adds the ApiRoutes runtime: the routes of <c>apiroutes.manifest.json</c>, background executions and the
    /// scheduler. Options come from the <c>ApiRoutes</c> configuration section and <paramref name="configure"/>.
    /// Map the routes with <c>app.MapApiRoutes()</c>.
    /// </summary>
    public static IServiceCollection AddApiRoutes(this IServiceCollection services, Action<ApiRoutesOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ApiRoutesOptions>()
            .BindConfiguration(ApiRoutesOptions.SectionName)
            .Configure<IConfiguration>(ApiRoutesOptionsValidation.BindRetryDelays)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ApiRoutesOptions>, ApiRoutesOptionsValidation>(
            sp => new ApiRoutesOptionsValidation(sp.GetService<IConfiguration>())));
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton(sp => ManifestLoader.Load(sp.GetRequiredService<IOptions<ApiRoutesOptions>>().Value, sp.GetService<IHostEnvironment>()?.ApplicationName));
        services.TryAddSingleton<IExecutionStore>(OpenStore);

        // Replica coordination exists only with a store that coordinates (PostgreSQL); elsewhere it resolves to null
        // and the services that take it optionally are alone with their store.
        services.TryAddSingleton<IReplicaCoordination>(sp => (sp.GetRequiredService<IExecutionStore>() as PostgresExecutionStore)?.Coordination!);
        services.TryAddSingleton<ExecutionLogCapture>();
        services.AddSingleton<ILoggerProvider>(sp => sp.GetRequiredService<ExecutionLogCapture>());
        services.TryAddSingleton(sp => new ExecutionLog(sp.GetRequiredService<IExecutionStore>(), sp.GetRequiredService<ExecutionLogCapture>()));
        services.TryAddSingleton<ApiRoutesMetrics>();
        services.TryAddSingleton<ExecutionLifecycle>();
        services.TryAddSingleton<ExecutionRunner>();
        services.TryAddSingleton<BackgroundQueue>();
        services.TryAddSingleton<RetryService>();
        services.TryAddSingleton<ScheduledRuns>();
        services.TryAddSingleton<SchedulePauses>();
        services.TryAddSingleton(sp => new SchedulerSwitch(
            sp.GetRequiredService<IOptions<ApiRoutesOptions>>().Value.Scheduling.Enabled
            ?? !sp.GetRequiredService<IHostEnvironment>().IsDevelopment()));

        // One hosted service per loop. Stopped in reverse order: the scheduler stops firing first; take-over and
        // retention stop; recovery is awaited; pending retries end; then background work drains; and the lease of a
        // replica is renewed until the drain is over.
        services.AddHostedService<LeaseRenewalService>();
        services.AddHostedService<BackgroundWorkers>();
        services.AddHostedService(sp => sp.GetRequiredService<RetryService>());
        services.AddHostedService<StartupRecoveryService>();
        services.AddHostedService<RetentionService>();
        services.AddHostedService<TakeOverService>();
        services.AddHostedService<ScheduleService>();

        // The host must wait for the drain period, not give up at its default 30 seconds.
        services.AddOptions<HostOptions>().Configure<IOptions<ApiRoutesOptions>>((host, apiRoutes) =>
        {
            ApiRoutesOptions options;
            try
            {
                options = apiRoutes.Value;
            }
            catch (Exception e) when (e is OptionsValidationException or InvalidOperationException)
            {
                return;   // MapApiRoutes reports it, in one line, before the app listens
            }

            var needed = options.ShutdownDrainTimeout + TimeSpan.FromSeconds(10);
            if (host.ShutdownTimeout < needed)
            {
                host.ShutdownTimeout = needed;
            }
        });
        return services;
    }

    private static IExecutionStore OpenStore(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<ApiRoutesOptions>>().Value.Store;
        try
        {
            switch (options.Provider)
            {
                case StoreProvider.InMemory:
                    return new InMemoryExecutionStore(services.GetRequiredService<TimeProvider>());
                case StoreProvider.PostgreSql:
                    var connectionString = options.ConnectionString
                        ?? services.GetService<IConfiguration>()?.GetConnectionString("ApiRoutes")
                        ?? throw new ApiRoutesStartupException(
                            "ApiRoutes:Store:Provider is PostgreSql but no connection string is set: set ApiRoutes:Store:ConnectionString "
                            + "or ConnectionStrings:ApiRoutes (for example the environment variable ConnectionStrings__ApiRoutes).");
                    var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(Log.Category);
                    var store = PostgresExecutionStore.Open(connectionString, options.LeaseDuration, services.GetRequiredService<TimeProvider>(), logger);
                    logger.ReplicaRegistered(store.Description, store.Replica, options.LeaseDuration);
                    return store;
                default:
                    return SqliteExecutionStore.Open(
                        options.Path ?? DefaultStorePath.For(services.GetRequiredService<IHostEnvironment>()),
                        services.GetRequiredService<TimeProvider>());
            }
        }
        catch (ExecutionStoreUnavailableException e)
        {
            throw new ApiRoutesStartupException(e.Message, e);
        }
    }
}
