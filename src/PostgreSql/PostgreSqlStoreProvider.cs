using ApiRoutes.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

[assembly: ApiRoutes.Storage.ExecutionStoreProvider(typeof(ApiRoutes.Storage.PostgreSqlStoreProvider))]

namespace ApiRoutes.Storage;

/// <summary>
/// Opens the PostgreSQL store for the core: registered by <c>AddApiRoutesPostgreSql()</c>, or found through this
/// assembly's attribute when the app only sets <c>ApiRoutes:Store:Provider=PostgreSql</c>.
/// </summary>
internal sealed class PostgreSqlStoreProvider : IExecutionStoreProvider
{
    public StoreProvider Provider => StoreProvider.PostgreSql;

    public IExecutionStore Open(IServiceProvider services, StoreOptions options)
    {
        // The store implements the core's internal seam, so both packages must come from one release.
        var core = typeof(IExecutionStore).Assembly.GetName().Version;
        var own = typeof(PostgreSqlStoreProvider).Assembly.GetName().Version;
        if (core != own)
        {
            throw new ApiRoutesStartupException(
                $"ApiRoutes.PostgreSql {own} needs ApiRoutes {own}, but the app has ApiRoutes {core}: reference the same version of both packages.");
        }

        // An empty value is not set (compose's '${DATABASE_URL}' unset): it hid a valid ConnectionStrings:ApiRoutes (review 25b F17).
        var (connectionString, key) = !string.IsNullOrWhiteSpace(options.ConnectionString)
            ? (options.ConnectionString, "ApiRoutes:Store:ConnectionString")
            : (services.GetService<IConfiguration>()?.GetConnectionString("ApiRoutes"), "ConnectionStrings:ApiRoutes");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new ApiRoutesStartupException(
                "ApiRoutes:Store:Provider is PostgreSql but no connection string is set: set ApiRoutes:Store:ConnectionString "
                + "or ConnectionStrings:ApiRoutes (for example the environment variable ConnectionStrings__ApiRoutes).");
        }

        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(Log.Category);
        var store = PostgresExecutionStore.Open(connectionString, options.LeaseDuration, services.GetRequiredService<TimeProvider>(), logger, key);
        logger.ReplicaRegistered(store.Description, store.Replica, options.LeaseDuration);
        return store;
    }
}
