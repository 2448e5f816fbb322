namespace ApiRoutes.Storage;

/// <summary>
/// What a configured <c>ApiRoutes:Store:Path</c> must not be, said once for the options' validation and for the early
/// open of the file (<see cref="SqliteStorePreload"/>), which runs before the validation and must not make a store, its
/// folders or its lock for a path that is then refused (review 33b F8: <c>~/x.db</c> left a folder named '~' holding a
/// store in the working folder).
/// </summary>
internal static class ConfiguredStorePath
{
    /// <summary>Why <paramref name="path"/> (the value of <paramref name="key"/>) is refused, in one sentence; null when it is not.</summary>
    public static string? Refusal(string key, string path)
    {
        if (path.Trim().Length == 0)
        {
            return $"{key} is empty; name a writable file, or leave it out for the default.";
        }

        // A blank from a .env line, a compose entry or a unit's Environment="…": another, empty store opened, and the work
        // accepted into the real one never run (review 33b F7). No one means a file whose name ends in a blank.
        if (path.Trim() != path)
        {
            return $"{key} is '{path}', which begins or ends with a blank: the store would be another file than '{path.Trim()}', "
                + "without the work accepted before. Remove the blank.";
        }

        // No shell reads this value (appsettings.json, a Dockerfile's ENV, systemd's Environment=): the store was made
        // in a folder named '~' inside the app's folder, which the next deploy replaces (review 25b F12).
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~\\", StringComparison.Ordinal))
        {
            return $"{key} is '{path}'; '~' is not your home folder here (no shell expands it): write the full path, such as /data/executions.db.";
        }

        return null;
    }
}
