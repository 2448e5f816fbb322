namespace ApiRoutes.Bundling;

/// <summary>
/// Environment variables that make the .NET host, the runtime or ASP.NET Core load code from outside the app
/// (startup hooks, extra dependency files and package stores, profilers, hosting startup assemblies, hot reload's
/// modifiable assemblies). <c>apiroutes serve</c> removes them from the verified app's environment: with them, code
/// that was never verified would run inside it. Tools set them without asking (dotnet watch, APM agents). An app started
/// with <c>ApiRoutes:VerifyBundle</c> without <c>serve</c> refuses to start when one is set (review 31c F3: a startup
/// hook or a profiler from outside the folder ran, and the app served).
/// </summary>
internal static class UnverifiedCodeVariables
{
    private static readonly string[] Names =
    [
        "DOTNET_STARTUP_HOOKS", "DOTNET_ADDITIONAL_DEPS", "DOTNET_SHARED_STORE", "DOTNET_MODIFIABLE_ASSEMBLIES",
        "ASPNETCORE_HOSTINGSTARTUPASSEMBLIES", "DOTNET_HOSTINGSTARTUPASSEMBLIES", "COR_ENABLE_PROFILING",

        // The host's servicing folder, probed before the app's own for every serviceable package, managed and native
        // (review 30e F1: SQLite's native library of the bundle was loaded from there instead).
        "CORE_SERVICING",

        // A diagnostic port the runtime connects to at start: the tool there can attach a profiler or apply a startup
        // hook (review 15, F7). A garbage collector loaded from a library of its own.
        "DOTNET_DiagnosticPorts", "COMPlus_DiagnosticPorts", "DOTNET_GCName", "COMPlus_GCName", "DOTNET_GCPath", "COMPlus_GCPath",

        // The dynamic loader's own: a library preloaded into every process, and where the libraries the runtime opens by
        // name (libssl, libcrypto, ICU, zlib) are looked for first.
        "LD_PRELOAD", "LD_AUDIT", "DYLD_INSERT_LIBRARIES", "LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH", "DYLD_FRAMEWORK_PATH",
        "DYLD_FALLBACK_LIBRARY_PATH", "DYLD_FALLBACK_FRAMEWORK_PATH",

        // OpenSSL's configuration names provider and engine modules, which it loads when the app first hashes or
        // connects; and where modules named without a path are found (review 26a F16: the bundle's own SHA-256 check
        // loaded one). ICU loaded in another version than the runtime's own choice: .NET 10 reads DOTNET_ICU_VERSION_OVERRIDE
        // and no longer CLR_ICU_VERSION_OVERRIDE (review 48C F2: strace showed libicuuc.so.99 opened for the new name only).
        "OPENSSL_CONF", "OPENSSL_MODULES", "OPENSSL_ENGINES", "CLR_ICU_VERSION_OVERRIDE", "DOTNET_ICU_VERSION_OVERRIDE",

        // Not code, but where the app reads its configuration files: the bundle's folder, which serve makes the working
        // directory, and nowhere else.
        "ASPNETCORE_CONTENTROOT", "DOTNET_CONTENTROOT",
    ];

    // Every CORECLR_ variable configures a profiler (CORECLR_ENABLE_PROFILING, CORECLR_PROFILER, CORECLR_PROFILER_PATH_64,
    // CORECLR_ENABLE_NOTIFICATION_PROFILERS, CORECLR_NOTIFICATION_PROFILERS…); COR_PROFILER* are .NET Framework's.
    private static readonly string[] Prefixes = ["CORECLR_", "COR_PROFILER"];

    /// <summary>Removes the variables from <paramref name="environment"/>.</summary>
    /// <returns>The names removed, in ordinal order.</returns>
    public static IReadOnlyList<string> Remove(IDictionary<string, string?> environment)
    {
        var removed = environment.Keys.Where(IsUnverifiedCode).Order(StringComparer.Ordinal).ToList();
        foreach (var name in removed)
        {
            environment.Remove(name);
        }

        return removed;
    }

    /// <summary>The variables of <paramref name="environment"/> set (not empty), but where the app reads its configuration,
    /// which the start-up check judges itself (the content root must be the folder).</summary>
    /// <returns>Their names, in ordinal order.</returns>
    public static IReadOnlyList<string> SetIn(System.Collections.IDictionary environment) =>
        [.. environment.Keys.OfType<string>()
            .Where(name => IsUnverifiedCode(name) && environment[name] is string { Length: > 0 }
                && !name.EndsWith("_CONTENTROOT", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)];

    private static bool IsUnverifiedCode(string name) =>
        Names.Contains(name, StringComparer.OrdinalIgnoreCase)
        || Prefixes.Any(prefix => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));
}
