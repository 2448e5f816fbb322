using Microsoft.Extensions.Hosting;

namespace ApiRoutes.Storage;

/// <summary>
/// Where the SQLite store lives unless <c>ApiRoutes:Store:Path</c> says: in the user's local application data,
/// <c>apiroutes/&lt;App&gt;/executions.db</c> for Production and <c>apiroutes/&lt;App&gt;/&lt;Environment&gt;/executions.db</c>
/// for any other environment, so that <c>dotnet run</c> (Development) and a published copy on the same machine never
/// share one store.
/// </summary>
internal static class DefaultStorePath
{
    /// <exception cref="ExecutionStoreUnavailableException">There is no writable home for it.</exception>
    public static string For(IHostEnvironment environment)
    {
        string home;
        try
        {
            home = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            throw NoHome($"it cannot be created ({e.Message})", e);
        }

        if (string.IsNullOrEmpty(home) || !Path.IsPathFullyQualified(home))
        {
            throw NoHome("this user has none (HOME or XDG_DATA_HOME is not set)", null);
        }

        var app = Path.Combine(home, "apiroutes", environment.ApplicationName);
        return environment.IsProduction()
            ? Path.Combine(app, "executions.db")
            : Path.Combine(app, environment.EnvironmentName, "executions.db");
    }

    private static ExecutionStoreUnavailableException NoHome(string why, Exception? inner) => new(
        $"The execution store's default folder (the user's local application data) cannot be used: {why}. Set "
        + "ApiRoutes:Store:Path to a writable file (in a container, one on a mounted volume, such as /data/executions.db), "
        + "or ApiRoutes:Store:Provider to InMemory.",
        inner);
}
