using ApiRoutes;
using ApiRoutes.Background;
using ApiRoutes.Dashboard;
using ApiRoutes.Development;
using ApiRoutes.Diagnostics;
using ApiRoutes.Execution;
using ApiRoutes.Hosting;
using ApiRoutes.ManifestLoading;
using ApiRoutes.OpenApi;
using ApiRoutes.Scheduling;
using ApiRoutes.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.Infrastructure;
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
            .Configure<IConfiguration>(ApiRoutesOptionsValidation.BindSecretHeaders)
            .Configure<IConfiguration, IServiceProvider>((options, configuration, provider) =>
                options.VerifyBundle |= BundleStartupCheck.Requested(configuration, provider.GetService<IHostEnvironment>()?.IsDevelopment() == true))
            .PostConfigure(options =>
            {
                // A secret read from a file (Docker and Kubernetes secrets, 'echo token > file') ends in a newline, which no
                // presented token (trimmed) could match: every request was refused as a wrong token (review 25b F15).
                options.Dashboard.Token = options.Dashboard.Token?.Trim();
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ApiRoutesOptions>, ApiRoutesOptionsValidation>(
            sp => new ApiRoutesOptionsValidation(sp.GetService<IConfiguration>())));
        if (configure is not null)
        {
            services.Configure(configure);
        }

        // Bound and validated once at start, not twice: IOptions<T> keeps a copy of its own apart from the monitor's,
        // which ValidateOnStart validates; this IOptions takes the monitor's first value and keeps it.
        services.TryAddSingleton<IOptions<ApiRoutesOptions>>(sp => new MonitoredOptions(sp.GetRequiredService<IOptionsMonitor<ApiRoutesOptions>>()));

        // The regex route constraint, which the build accepts in [ApiRoute] templates: the slim web builder (AddRoutingCore)
        // registers a stand-in for it that fails every request, whatever its path, with 500.
        services.AddRouting();
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ApiRoutesOptions>>().Value;
            var applicationName = sp.GetService<IHostEnvironment>()?.ApplicationName;
            // An app with its own entry point: the process is checked with the folder, as the generated one checks it first.
            var hostProblem = sp.GetService<BundleHostChecked>() is null
                ? () => BundleStartupCheck.HostProblem(sp.GetRequiredService<IConfiguration>(), sp.GetService<IHostEnvironment>()?.ContentRootPath)
                    ?? BundleStartupCheck.ReloadedConfiguration(sp.GetRequiredService<IConfiguration>())
                : (Func<string?>?)null;
            return sp.GetService<ManifestPreload>()?.TakeFor(options, applicationName) ?? ManifestLoader.Load(options, applicationName, hostProblem);
        });
        services.TryAddSingleton(sp => new StoreDamage(sp.GetService<IHostApplicationLifetime>(), sp.GetRequiredService<ILoggerFactory>()));
        services.TryAddSingleton<IExecutionStore>(OpenStore);

        // Replica coordination exists only with a store that coordinates (PostgreSQL); elsewhere it resolves to null
        // and the services that take it optionally are alone with their store.
        services.TryAddSingleton<IReplicaCoordination>(sp => (sp.GetRequiredService<IExecutionStore>() as ICoordinatingStore)?.Coordination!);
        services.TryAddSingleton<ExecutionLogCapture>();
        services.AddSingleton<ILoggerProvider>(sp => sp.GetRequiredService<ExecutionLogCapture>());
        services.TryAddSingleton(sp => new ExecutionLog(sp.GetRequiredService<IExecutionStore>(), sp.GetRequiredService<ExecutionLogCapture>()));
        services.TryAddSingleton(sp => new ApiRoutesMetrics(sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), sp.GetRequiredService<ExecutionLog>));
        services.TryAddEnumerable(ServiceDescriptor.Transient<IApiDescriptionProvider, ApiRoutesApiDescriptionProvider>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IActionDescriptorChangeProvider, RouteChanges>());
        services.TryAddSingleton<ExecutionLifecycle>();
        services.TryAddSingleton(sp => new SecretHeaders(sp.GetRequiredService<IOptions<ApiRoutesOptions>>().Value.Background.SecretHeaders));
        services.TryAddSingleton<ExecutionRunner>();
        services.TryAddSingleton<BackgroundQueue>();
        services.TryAddSingleton<BackgroundAdmission>();
        services.TryAddSingleton<RetryService>();
        services.TryAddSingleton<UnwrittenEnds>();
        services.TryAddSingleton<ScheduledRuns>();
        services.TryAddSingleton<SchedulePauses>();
        services.TryAddSingleton<OccurrenceLog>();
        services.TryAddSingleton<ExecutionReplays>();
        services.TryAddSingleton<ScheduleHeartbeat>();
        services.TryAddSingleton<LeaseHeartbeat>();
        services.TryAddSingleton<LeaseFence>();
        services.TryAddSingleton<ScheduleService>();
        ApiRoutesHealth.AddChecks(services);
        services.TryAddSingleton(sp =>
        {
            var (scheduling, development) = (sp.GetRequiredService<IOptions<ApiRoutesOptions>>().Value.Scheduling, sp.GetRequiredService<IHostEnvironment>().IsDevelopment());
            return new SchedulerSwitch(scheduling.Enabled ?? !development, development, !string.IsNullOrEmpty(scheduling.ExternalTriggerSecret));
        });

        // Their first background work (recovery, retention's first pruning, the scheduler's first check) waits for the
        // first answer, a quiet moment after the app listens, or a second, whichever comes first: on the machine's clock.
        // Never, in an app that started without mapping its routes (review 46g F4; event 1007).
        services.TryAddSingleton(sp => new ApiRoutesMapping(sp.GetService<IHostApplicationLifetime>(), sp.GetService<ILoggerFactory>()));
        services.TryAddSingleton(sp => new StartupWorkGate(TimeProvider.System, sp.GetService<IHostApplicationLifetime>(), sp.GetRequiredService<ApiRoutesMapping>()));
        services.TryAddEnumerable(ServiceDescriptor.Transient<IStartupFilter, StartupWorkGateFilter>());

        // One hosted service per loop. Stopped in reverse order: the scheduler stops firing first; take-over and
        // retention stop; recovery is awaited; pending retries end; then background work drains; the ends not written
        // are tried once more; and the lease of a replica is renewed until all that is over.
        services.AddHostedService<LeaseRenewalService>();
        services.AddHostedService(sp => sp.GetRequiredService<UnwrittenEnds>());   // ends not written, once more after the drain
        services.TryAddSingleton(sp => new DrainClock(sp.GetRequiredService<TimeProvider>(), DrainClock.DefaultAfterCut));
        services.AddHostedService<BackgroundWorkers>();
        services.AddHostedService(sp => sp.GetRequiredService<RetryService>());
        services.AddHostedService<StartupRecoveryService>();
        services.AddHostedService<LeftBehindStoreCheck>();
        services.AddHostedService<RetentionService>();
        services.AddHostedService<TakeOverService>();
        services.AddHostedService(sp => sp.GetRequiredService<ScheduleService>());   // the scheduler's health check asks it

        // The development loop (dotnet watch only; it decides at start whether it is on).
        services.TryAddSingleton(sp => new RouteTableSwap(sp.GetRequiredService<IOptions<Microsoft.AspNetCore.Routing.RouteOptions>>()));
        services.TryAddSingleton<RouteWatchStatus>();
        services.AddHostedService<RouteWatchService>();

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

    // A setting of another store than the one chosen does nothing, which nothing said: a connection string without
    // Provider=PostgreSql left each replica on a SQLite file of its own (every schedule ran on each, none took over
    // another's work), and a Store:Path kept after a switch to PostgreSQL hid the unfinished work left in that file
    // (review 25b F11). Warned, not refused: a base appsettings.json may hold both while an environment's file picks one.
    private static void WarnOfUnusedSettings(StoreOptions options, IConfiguration? configuration, ILogger? logger)
    {
        if (logger is null)
        {
            return;
        }

        var chosen = $"the store is {options.Provider} (ApiRoutes:Store:Provider)";
        if (options.Provider != StoreProvider.PostgreSql)
        {
            if (!string.IsNullOrWhiteSpace(options.ConnectionString))
            {
                logger.StoreSettingUnused("ApiRoutes:Store:ConnectionString", chosen, "set ApiRoutes:Store:Provider=PostgreSql to use the database it names");
            }
            else if (!string.IsNullOrWhiteSpace(configuration?.GetConnectionString("ApiRoutes")))
            {
                logger.StoreSettingUnused("ConnectionStrings:ApiRoutes", chosen, "set ApiRoutes:Store:Provider=PostgreSql to use the database it names");
            }
        }

        if (options.Provider != StoreProvider.Sqlite && !string.IsNullOrWhiteSpace(options.Path))
        {
            logger.StoreSettingUnused(
                "ApiRoutes:Store:Path", chosen,
                File.Exists(options.Path)
                    ? $"the work still queued or running in '{options.Path}' is not run by this store: start once with Provider=Sqlite to finish it, or remove the setting"
                    : "remove the setting");
        }
    }

    private static IExecutionStore OpenStore(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<ApiRoutesOptions>>().Value.Store;
        var preload = services.GetService<SqliteStorePreload>();
        WarnOfUnusedSettings(options, services.GetService<IConfiguration>(), services.GetService<ILoggerFactory>()?.CreateLogger(Log.Category));
        try
        {
            switch (options.Provider)
            {
                case StoreProvider.InMemory:
                    preload?.Dispose();
                    return new InMemoryExecutionStore(services.GetRequiredService<TimeProvider>());
                case StoreProvider.PostgreSql:
                    preload?.Dispose();
                    // In a package of its own (ApiRoutes.PostgreSql): the core carries no database driver.
                    return StoreProviderPackage.Find(services.GetServices<IExecutionStoreProvider>(), options.Provider).Open(services, options);
                default:
                    var path = options.Path ?? DefaultStorePath.For(services.GetRequiredService<IHostEnvironment>());
                    var time = services.GetRequiredService<TimeProvider>();
                    var logger = services.GetService<ILoggerFactory>()?.CreateLogger(Log.Category);
                    var damage = services.GetRequiredService<StoreDamage>();
                    var store = preload?.TakeFor(path, time, logger, damage.Report) ?? SqliteExecutionStore.Open(path, time, logger, damage.Report);
                    if (logger is not null)
                    {
                        SqliteStorePlace.Report(services.GetService<IConfiguration>(), path, logger);
                    }

                    return store;
            }
        }
        catch (ExecutionStoreUnavailableException e)
        {
            throw new ApiRoutesStartupException(e.Message, e);
        }
    }
}
