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

        return For(environment, home);
    }

    /// <summary>The default store's file below a home folder (the user's local application data, or a test's).</summary>
    internal static string For(IHostEnvironment environment, string home)
    {
        var app = Path.Combine(home, "apiroutes", environment.ApplicationName);
        if (environment.IsProduction())
        {
            return Path.Combine(app, "executions.db");
        }

        if (NotAFolderName(environment.EnvironmentName) is { } why)
        {
            throw new ExecutionStoreUnavailableException(
                $"The environment's name '{environment.EnvironmentName}' (ASPNETCORE_ENVIRONMENT, DOTNET_ENVIRONMENT or --environment) "
                + $"cannot name the execution store's default folder: {why}. Correct the name, or set ApiRoutes:Store:Path.",
                null);
        }

        return Path.Combine(app, FolderOf(app, environment.EnvironmentName), "executions.db");
    }

    // ASP.NET Core takes 'Staging' and 'staging' for one environment (IsEnvironment ignores case), as Production's store
    // above does: a name written in another case than the folder an earlier start made (a unit's Environment=staging after
    // a shell's Staging) opened a second, empty store, and the work accepted into the first was not run (review 33e). The
    // folder already there is the store's, whatever its case; two such folders and neither in this case: which one holds
    // the work is the operator's call.
    private static string FolderOf(string app, string name)
    {
        List<string> existing;
        try
        {
            existing = Directory.Exists(app)
                ? [.. Directory.EnumerateDirectories(app).Select(Path.GetFileName).OfType<string>().Where(folder => string.Equals(folder, name, StringComparison.OrdinalIgnoreCase))]
                : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return name;   // the store's open says what is wrong with the folder
        }

        return existing.Count == 0 || existing.Contains(name, StringComparer.Ordinal) ? name
            : existing.Count == 1 ? existing[0]
            : throw new ExecutionStoreUnavailableException(
                $"The execution store's default folders {string.Join(" and ", existing.Order(StringComparer.Ordinal).Select(folder => $"'{Path.Combine(app, folder)}'"))} "
                + $"are all the environment '{name}', whose name ASP.NET Core compares ignoring case: which one holds the work to run is not "
                + "known. Set ApiRoutes:Store:Path to that one's executions.db, or start the app with the environment's name written as that folder's.",
                null);
    }

    // The environment's name is one folder below the app's: a blank at either end (' Production', from a .env line) was
    // another, empty store beside the Production one, whose work was not run; a '/' or '..' led outside the app's data
    // folder (review 33b F10).
    private static string? NotAFolderName(string name) =>
        name.Trim() != name ? "it begins or ends with a blank"
        : name is "" or "." or ".." ? "it is empty, '.' or '..'"
        : name.IndexOfAny(['/', '\\']) >= 0 ? "it holds a '/' or '\\', which would lead to another folder"
        : name.Any(char.IsControl) ? "it holds a control character"
        : null;

    private static ExecutionStoreUnavailableException NoHome(string why, Exception? inner) => new(
        $"The execution store's default folder (the user's local application data) cannot be used: {why}. Set "
        + "ApiRoutes:Store:Path to a writable file (in a container, one on a mounted volume, such as /data/executions.db), "
        + "or ApiRoutes:Store:Provider to InMemory.",
        inner);
}
