using ApiRoutes;
using ApiRoutes.Background;
using ApiRoutes.Hosting;
using ApiRoutes.Testing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers what <see cref="ApiRoutesTestApp"/> needs in the app under test.</summary>
public static class ApiRoutesTestingServiceCollectionExtensions
{
    /// <summary>
    /// Runs the app on a <see cref="TestClock"/> (its <see cref="TimeProvider"/>), with an in-memory execution store (a
    /// test never shares the development server's SQLite file), schedules on (unless
    /// <see cref="ApiRoutesTestOptions.RunSchedules"/> is false), no shutdown drain (a run left waiting on the test clock
    /// would never end, and no grace after its cut), the background work of start-up begun at once, and the runtime's events recorded for the test.
    /// <c>WithApiRoutesTesting()</c> on a WebApplicationFactory calls it; call it yourself for an app you build in the test,
    /// then <see cref="ApiRoutesTestApp.Attach"/>.
    /// </summary>
    public static IServiceCollection AddApiRoutesTesting(this IServiceCollection services, ApiRoutesTestOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        options ??= new ApiRoutesTestOptions();
        var clock = new TestClock(options.Start);
        var events = new RuntimeEvents(clock);
        services.AddSingleton(options);
        services.AddSingleton(clock);
        services.AddSingleton<TimeProvider>(clock);
        services.AddSingleton(events);
        services.AddSingleton<ILoggerProvider>(events);

        // A test has no cold start to leave the CPU to: recovery and the schedules' first check begin as the app starts,
        // not after its first answer or up to a second later, which would only make each test wait. Once the routes are
        // mapped, as in production: a test app that maps none runs none of them (review 46g F4).
        services.RemoveAll<StartupWorkGate>();
        services.AddSingleton(sp => new StartupWorkGate(TimeProvider.System, lifetime: null, sp.GetService<ApiRoutesMapping>()));

        // No grace after the drain's cut either (the drain itself is off, below), and both on the machine's clock: a
        // handler left waiting on the test clock, which nobody moves once the test is over, held the stop up to the
        // host's time-out (30 s).
        services.RemoveAll<DrainClock>();
        services.AddSingleton(new DrainClock(TimeProvider.System, AfterCut: TimeSpan.Zero));

        // The schedules' Debug event 3006 is how the test knows one waits: never filtered out for this provider.
        services.Configure<LoggerFilterOptions>(filters =>
            filters.Rules.Add(new LoggerFilterRule(typeof(RuntimeEvents).FullName, RuntimeEvents.Category, LogLevel.Debug, null)));

        // After every Configure and the "ApiRoutes" configuration section, whatever the order of registration.
        services.PostConfigure<ApiRoutesOptions>(apiRoutes =>
        {
            apiRoutes.Store.Provider = StoreProvider.InMemory;

            // Runs left waiting on the test clock never end in real time: a test app stops without a drain.
            apiRoutes.ShutdownDrainTimeout = TimeSpan.Zero;
            if (options.RunSchedules)
            {
                apiRoutes.Scheduling.Enabled = true;
            }
        });
        return services;
    }
}
