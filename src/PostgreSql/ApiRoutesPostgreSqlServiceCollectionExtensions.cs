using ApiRoutes;
using ApiRoutes.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the PostgreSQL execution store of ApiRoutes.</summary>
public static class ApiRoutesPostgreSqlServiceCollectionExtensions
{
    /// <summary>
    /// Keeps executions in one PostgreSQL database shared by the app's replicas: sets
    /// <c>ApiRoutes:Store:Provider</c> to <see cref="StoreProvider.PostgreSql"/> whatever configuration says. The
    /// database is <paramref name="connectionString"/>, else <c>ApiRoutes:Store:ConnectionString</c>, else
    /// <c>ConnectionStrings:ApiRoutes</c>. Call it beside <c>AddApiRoutes()</c>, in either order.
    /// </summary>
    public static IServiceCollection AddApiRoutesPostgreSql(this IServiceCollection services, string? connectionString = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IExecutionStoreProvider, PostgreSqlStoreProvider>());
        services.PostConfigure<ApiRoutesOptions>(options =>
        {
            options.Store.Provider = StoreProvider.PostgreSql;
            options.Store.ConnectionString = connectionString ?? options.Store.ConnectionString;
        });
        return services;
    }
}
