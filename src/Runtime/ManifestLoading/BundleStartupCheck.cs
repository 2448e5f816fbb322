using ApiRoutes.Bundling;
using ApiRoutes.Manifest;
using ApiRoutes.Text;
using Microsoft.Extensions.Configuration;

namespace ApiRoutes.ManifestLoading;

/// <summary>
/// <c>ApiRoutes:VerifyBundle</c> at start-up: the app's folder is exactly its published bundle (the verifier that
/// <c>apiroutes serve</c> uses), the route manifest served is the bundle's own, and the app running is the bundle's
/// entry assembly — not a program elsewhere that points at a verified folder.
/// </summary>
internal static class BundleStartupCheck
{
    private const string Key = ApiRoutesOptions.SectionName + ":" + nameof(ApiRoutesOptions.VerifyBundle);

    // The check that passed in this process (the folder, the manifest, the entry assembly) and the route manifest's
    // listed size and hash: the generated entry point's early check is not repeated, file by file, when the manifest is
    // loaded, and the manifest is still read against its listed hash then.
    private static (string Root, string Manifest, string? Entry, BundleFile? Listed)? s_passed;

    /// <summary>
    /// Whether the check is asked for: by configuration, or by the app's build (<c>ApiRoutesVerifyBundle=true</c>, compiled
    /// into the entry assembly) outside the Development environment.
    /// </summary>
    /// <param name="configuration">The app's configuration.</param>
    /// <param name="development">
    /// Whether the host runs in Development, as its <c>IHostEnvironment</c> says: never read from the app's configuration,
    /// where a settings file of the folder or an unprefixed <c>ENVIRONMENT</c> variable could say Development to the check
    /// while the host runs in Production (review 34c F1).
    /// </param>
    public static bool Requested(IConfiguration configuration, bool development) =>
        Requested(configuration, CompiledBuildSwitches.VerifyBundleCompiledIn, development);

    /// <param name="configuration">The app's configuration.</param>
    /// <param name="compiledIn">Whether the running app's build has <c>ApiRoutesVerifyBundle=true</c>.</param>
    /// <param name="development">Whether the host runs in Development.</param>
    internal static bool Requested(IConfiguration configuration, bool compiledIn, bool development) =>
        Configured(configuration) || (compiledIn && !development);

    /// <summary>
    /// What a refusal adds when only the app's build asked for the check and the folder is no bundle at all (its build
    /// output, run outside Development): how that output runs. Not for a bundle that differs from its list, whose refusal
    /// must not say how to start it unchecked (review 34c F2).
    /// </summary>
    public static string BuildSwitchAdvice(IConfiguration configuration) =>
        Configured(configuration) || !CompiledBuildSwitches.VerifyBundleCompiledIn || File.Exists(Path.Join(AppContext.BaseDirectory, BundleManifest.FileName))
            ? ""
            : " The app was built with ApiRoutesVerifyBundle=true: outside the Development environment it starts only as its published bundle "
                + "(its build output runs with dotnet run, in Development).";

    /// <summary>
    /// Whether configuration asks for the check. One way: once any of its sources says <c>true</c>, no later one turns it
    /// off — an unlisted <c>appsettings.{Environment}.json</c> put in the folder would otherwise switch the check off, and
    /// with it the check of that very file (review 15). A value that is not a boolean is left to the options' validation.
    /// </summary>
    private static bool Configured(IConfiguration configuration)
    {
        if (configuration is IConfigurationRoot root)
        {
            foreach (var provider in root.Providers)
            {
                if (provider.TryGet(Key, out var value) && bool.TryParse(value, out var on) && on)
                {
                    return true;
                }
            }
        }

        return bool.TryParse(configuration[Key], out var final) && final;
    }

    /// <summary>
    /// The generated entry point's first check, before the folder's: the folder must be the content root, where the app's
    /// configuration files are read, else an <c>appsettings.json</c> of the current folder, which no list covers, would
    /// configure it. Not a difference in the bundle, which is not looked at: the refusal says how to start it instead
    /// (review 28c F5: it said the bundle did not match and to deploy it again).
    /// </summary>
    /// <returns>Why the app may not start so, with the absolute folder to start it in; null when the content root is the folder.</returns>
    public static string? ContentRootProblem(string root, string contentRoot)
    {
        if (SameFolder(contentRoot, root))
        {
            return null;
        }

        var folder = ShellWord(Path.TrimEndingDirectorySeparator(root));
        return $"The app was started with the content root {BundlePath.Quote(contentRoot)}, not its bundle's folder {BundlePath.Quote(root)}: "
            + "with ApiRoutes:VerifyBundle its configuration files are read from the verified folder only. Start it in that folder "
            + $"(cd {folder}), or pass --contentRoot {folder}.";
    }

    /// <summary>
    /// Configuration files read from outside the folder, which no list covers: the user secrets that Development reads
    /// for an app with a UserSecretsId (review 30b: with ASPNETCORE_ENVIRONMENT=Development in the operator's shell, a
    /// verified bundle read <c>~/.microsoft/usersecrets/&lt;id&gt;/secrets.json</c>), or a file the app's code adds.
    /// </summary>
    /// <returns>Why the app may not start; null when every file read is the folder's.</returns>
    public static string? OutsideConfiguration(IConfiguration configuration, string root)
    {
        if (configuration is not IConfigurationRoot config)
        {
            return null;
        }

        foreach (var source in config.Providers.OfType<FileConfigurationProvider>().Select(provider => provider.Source))
        {
            if (source.FileProvider?.GetFileInfo(source.Path ?? "") is not { Exists: true, PhysicalPath: { } file } || Within(file, root))
            {
                continue;
            }

            var secrets = file.Contains("usersecrets", StringComparison.OrdinalIgnoreCase);
            return $"The configuration file {BundlePath.Quote(file)} is read from outside the bundle's folder {BundlePath.Quote(root)}: with "
                + "ApiRoutes:VerifyBundle the app is configured by the verified files, the environment and the command line only. "
                + (secrets
                    ? "It holds the user secrets that the Development environment reads for an app with a UserSecretsId: run the bundle outside Development (ASPNETCORE_ENVIRONMENT=Production, or unset it)."
                    : "Put its settings in the bundle's appsettings.json, or in the environment.");
        }

        return null;
    }

    /// <summary>
    /// A configuration file that is read again when it changes: with ApiRoutes:VerifyBundle the files are read once, as
    /// verified; one written into the folder later would configure the running app (Kestrel opens the endpoints it
    /// names). Review 33a F3: <c>hostBuilder:reloadConfigOnChange=false</c> where the host does not read it (appsettings.json,
    /// an environment variable without the DOTNET_ prefix) left the host's files reloading.
    /// </summary>
    /// <returns>Why the app may not start; null when no file is reloaded.</returns>
    public static string? ReloadedConfiguration(IConfiguration configuration) =>
        ReloadedFile(configuration, depth: 0) is { } file
            ? $"The configuration file {BundlePath.Quote(file)} is read again whenever it changes: with ApiRoutes:VerifyBundle the app reads its configuration "
                + "files once, as verified (a file written into the folder later would configure the running app). Add it with reloadOnChange: false, and "
                + "leave out hostBuilder:reloadConfigOnChange=true (command line, DOTNET_hostBuilder__reloadConfigOnChange); WebApplication.CreateBuilder "
                + "reloads appsettings.json unless DOTNET_hostBuilder__reloadConfigOnChange=false is set where the app starts, as apiroutes serve sets it."
            : null;

    /// <summary>The first configuration file read again when it changes (through chained configurations too), or null.</summary>
    public static string? ReloadedFile(IConfiguration configuration, int depth = 0)
    {
        if (configuration is not IConfigurationRoot root || depth > 8)
        {
            return null;
        }

        foreach (var provider in root.Providers)
        {
            switch (provider)
            {
                case FileConfigurationProvider { Source: { ReloadOnChange: true } source }:
                    return source.FileProvider?.GetFileInfo(source.Path ?? "") is { PhysicalPath: { } physical } ? physical : source.Path ?? "(a file)";
                case ChainedConfigurationProvider chained when ReloadedFile(chained.Configuration, depth + 1) is { } inner:
                    return inner;
            }
        }

        return null;
    }

    /// <summary>
    /// Startup hooks of the runtime's configuration (<c>STARTUP_HOOKS</c>: a runtimeconfig.json's property, such as one
    /// given with <c>dotnet exec --runtimeconfig</c>) outside the folder: they ran before the app (review 33a F1: the
    /// variable was refused, the property not).
    /// </summary>
    /// <returns>Why the app may not start; null when there is none outside the folder.</returns>
    public static string? OutsideStartupHooks(string root, string? hooks) =>
        BundleRuntimeConfig.OutsideStartupHook(hooks, hook => Within(hook, root)) is { } outside
            ? $"The runtime's configuration names the startup hook {BundlePath.Quote(outside)} (STARTUP_HOOKS), outside the bundle's folder: it has run "
                + "code that was not verified before the app. Start the bundle with its own runtimeconfig.json (dotnet App.dll, or apiroutes serve), without --runtimeconfig."
            : null;

    /// <summary>
    /// A garbage collector the runtime's configuration loaded from a library (<c>System.GC.Path</c>, or <c>System.GC.Name</c>
    /// with a folder in it, such as one given with <c>dotnet exec --runtimeconfig</c>): it runs before the app (review 46c
    /// F3: the variables DOTNET_GCPath and DOTNET_GCName were refused, the properties not). A publish writes neither.
    /// </summary>
    /// <returns>Why the app may not start; null when the collector is the runtime's own.</returns>
    public static string? OutsideGarbageCollector(string? path, string? name) =>
        !string.IsNullOrEmpty(path)
            ? $"The runtime's configuration loads the garbage collector {BundlePath.Quote(path)} (System.GC.Path), a library that was not verified, which has run "
                + "before the app. Start the bundle with its own runtimeconfig.json (dotnet App.dll, or apiroutes serve), without --runtimeconfig."
            : name is not null && (name.Contains('/') || name.Contains('\\') || name.Contains("..", StringComparison.Ordinal))
                ? $"The runtime's configuration loads the garbage collector {BundlePath.Quote(name)} (System.GC.Name), named with a folder, which has run before the app. "
                    + "Start the bundle with its own runtimeconfig.json (dotnet App.dll, or apiroutes serve), without --runtimeconfig."
                : null;

    /// <summary>
    /// An app-local ICU named with a folder (<c>System.Globalization.AppLocalIcu</c> of a <c>dotnet exec --runtimeconfig</c>
    /// file, or <c>DOTNET_SYSTEM_GLOBALIZATION_APPLOCALICU</c>, which <c>apiroutes serve</c> passes on): the runtime joins it
    /// to ICU's library names and loads that path, from outside the folder (review 48B F1; the bundle's own runtimeconfig.json
    /// is refused before start, <see cref="BundleRuntimeConfig"/>). Its version alone loads the app's or the system's ICU.
    /// </summary>
    /// <returns>Why the app may not start; null when ICU is named without a folder, or not at all.</returns>
    public static string? OutsideIcu(string? appLocalIcu) =>
        appLocalIcu is not null && BundleRuntimeConfig.NamesAFolder(appLocalIcu)
            ? $"The runtime's configuration loads ICU by the name {BundlePath.Quote(appLocalIcu)} (System.Globalization.AppLocalIcu, or the variable "
                + "DOTNET_SYSTEM_GLOBALIZATION_APPLOCALICU), which holds a folder: the runtime joined it to ICU's library names and loaded what that path names, "
                + "code that was not verified, before the app. Start the bundle with its own runtimeconfig.json (dotnet App.dll, or apiroutes serve), without "
                + "--runtimeconfig, and give DOTNET_SYSTEM_GLOBALIZATION_APPLOCALICU the ICU version alone (such as 72.1.0.3), or unset it."
            : null;

    /// <summary>
    /// Shared frameworks the app runs on that are not in the .NET installation's shared folder: a runtime configuration
    /// that names a framework by a path (<c>"name": "../../../tmp/fx"</c>, which the host joins to its shared folder as
    /// written) loads it from anywhere, and its folder was then taken as the framework's (review 46c F1). Each framework's
    /// folder is <c>shared/&lt;its name&gt;/&lt;version&gt;</c>, in the one shared folder; a self-contained app's are its own.
    /// </summary>
    /// <param name="root">The app's folder.</param>
    /// <param name="frameworks">Each framework's name and the folder its assemblies were loaded from.</param>
    /// <returns>Why the app may not start; null when each is where the installation keeps it.</returns>
    public static string? MisplacedFramework(string root, IReadOnlyList<(string Name, string Folder)> frameworks)
    {
        string? shared = null;
        foreach (var (name, folder) in frameworks)
        {
            if (Within(folder, root))
            {
                continue;   // self-contained: the app's folder, which is checked file by file
            }

            var parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(folder));
            var sharedFolder = parent is null ? null : Path.GetDirectoryName(parent);
            shared ??= sharedFolder;
            if (parent is null || sharedFolder is null || Path.GetFileName(parent) != name || Path.GetFileName(sharedFolder) != "shared" || sharedFolder != shared)
            {
                return $"The shared framework {name} was loaded from {BundlePath.Quote(folder)}, which is not its folder in the .NET installation's shared folder"
                    + $"{(shared is null || shared == sharedFolder ? "" : $" ({BundlePath.Quote(shared)})")}: a runtime configuration named it by a path, and it ran code "
                    + "that was not verified. Start the bundle with its own runtimeconfig.json (dotnet App.dll, or apiroutes serve), without --runtimeconfig.";
            }
        }

        return null;
    }

    /// <summary>
    /// Code the .NET host was told to load from outside the folder and the shared frameworks the app runs on: an entry
    /// of the trusted assemblies or of the native libraries' folders elsewhere comes from a variable such as
    /// CORE_SERVICING, DOTNET_ADDITIONAL_DEPS or DOTNET_SHARED_STORE (review 30e: apiroutes serve removes those it knows,
    /// a start without it does not, and a variable it does not know yet would pass).
    /// </summary>
    /// <param name="root">The app's folder.</param>
    /// <param name="trustedAssemblies">The host's TRUSTED_PLATFORM_ASSEMBLIES.</param>
    /// <param name="nativeFolders">The host's NATIVE_DLL_SEARCH_DIRECTORIES.</param>
    /// <param name="frameworks">The folders of the shared frameworks the app runs on.</param>
    /// <returns>Why the app may not start; null when everything is the folder's or a framework's.</returns>
    public static string? OutsideCode(string root, string? trustedAssemblies, string? nativeFolders, IReadOnlyList<string> frameworks)
    {
        foreach (var (name, list) in new[] { ("TRUSTED_PLATFORM_ASSEMBLIES", trustedAssemblies), ("NATIVE_DLL_SEARCH_DIRECTORIES", nativeFolders) })
        {
            var outside = (list ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .FirstOrDefault(entry => !Within(entry, root) && !frameworks.Any(framework => Within(entry, framework)));
            if (outside is not null)
            {
                return $"The .NET host was told to load {BundlePath.Quote(outside)} ({name}), outside the bundle's folder and the shared framework: "
                    + "a variable of the app's environment (CORE_SERVICING, DOTNET_ADDITIONAL_DEPS, DOTNET_SHARED_STORE, a deps file's probing path, or a deps file's asset path that leaves its folder) "
                    + "would run code that was not verified. Start the bundle with apiroutes serve, which leaves them out, or unset the variable.";
            }
        }

        return null;
    }

    /// <summary>
    /// Variables of the app's environment that make the host or the runtime load code from outside any list: a startup
    /// hook (it has run by now, before the app's own code), a profiler, a preloaded library (review 31c F3: the app
    /// served with them; apiroutes serve removes them, a start without it did not).
    /// </summary>
    /// <returns>Why the app may not start; null when none is set.</returns>
    public static string? UnverifiedEnvironment(System.Collections.IDictionary environment) =>
        UnverifiedCodeVariables.SetIn(environment) is [_, ..] names
            ? $"The app's environment sets {string.Join(", ", names.Select(name => BundlePath.Printable(name, 100)))}, which make the .NET host or runtime load code "
                + "that was not verified (a startup hook, which has run already, a profiler, a preloaded library, more assemblies): with ApiRoutes:VerifyBundle "
                + "the app does not start so. Start the bundle with apiroutes serve, which leaves them out, or unset them."
            : LibraryVersionVariables.FolderIn(environment) is { } folder
                // Review 48C F1: checked before the folder is hashed, which is when libssl is first opened; an app-local ICU
                // has been opened by now (OutsideIcu).
                ? $"The app's {folder} With ApiRoutes:VerifyBundle the app does not start so."
                : null;

    /// <summary>
    /// What the process itself must be for its folder's check to mean anything, checked before the folder is: no variable
    /// that loads code from elsewhere, no startup hook or assembly from outside, the folder as the content root (when
    /// <paramref name="contentRoot"/> is known), no configuration file from outside it. The generated entry point asks it
    /// before anything is loaded from the folder; an app with its own entry point, when its manifest is loaded, with
    /// <see cref="ReloadedConfiguration"/> (review 43b F1: there, only the folder was checked).
    /// </summary>
    /// <returns>Why the app may not start; null when it may.</returns>
    public static string? HostProblem(IConfiguration configuration, string? contentRoot) =>
        UnverifiedEnvironment(Environment.GetEnvironmentVariables())
        ?? OutsideStartupHooks(AppContext.BaseDirectory, AppContext.GetData("STARTUP_HOOKS") as string)
        ?? OutsideGarbageCollector(AppContext.GetData("System.GC.Path") as string, AppContext.GetData("System.GC.Name") as string)
        ?? OutsideIcu(AppContext.GetData("System.Globalization.AppLocalIcu") as string ?? Environment.GetEnvironmentVariable("DOTNET_SYSTEM_GLOBALIZATION_APPLOCALICU"))
        ?? MisplacedFramework(AppContext.BaseDirectory, FrameworkFolders())
        ?? (contentRoot is null ? null : ContentRootProblem(AppContext.BaseDirectory, contentRoot))
        ?? OutsideCode(
            AppContext.BaseDirectory,
            AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string,
            AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") as string,
            Frameworks())
        ?? OutsideConfiguration(configuration, AppContext.BaseDirectory);

    /// <summary>The name and folder of each shared framework this process runs on (none for a single-file app).</summary>
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "Empty in a single-file app, which is self-contained: it has no shared framework, and the empty locations are left out.")]
    public static IReadOnlyList<(string Name, string Folder)> FrameworkFolders() =>
        // Not CoreLib's: the runtime reports its path with links resolved, where the host's list has the framework's path as
        // the installation names it (review 46d F1: an installation of linked framework folders, as nixpkgs builds one, was
        // refused). System.Collections comes from that list, as ASP.NET Core's assemblies do.
        [.. new[] { ("Microsoft.NETCore.App", typeof(System.Collections.Generic.LinkedList<>).Assembly.Location), ("Microsoft.AspNetCore.App", typeof(Microsoft.AspNetCore.Http.HttpContext).Assembly.Location) }
            .Where(framework => framework.Item2.Length > 0)
            .Select(framework => (framework.Item1, Path.GetDirectoryName(framework.Item2)!))];

    /// <summary>The folders of the shared frameworks this process runs on (none for a single-file app).</summary>
    public static IReadOnlyList<string> Frameworks() => [.. FrameworkFolders().Select(framework => framework.Folder).Distinct(StringComparer.Ordinal)];

    // Whether a path is the folder or lies in it, however written (a link to it included).
    private static bool Within(string path, string folder)
    {
        try
        {
            var (full, root) = (Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)), Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
            if (full == root || full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                return true;
            }

            if (OperatingSystem.IsWindows())
            {
                return false;
            }

            var (realPath, realRoot) = (RealPaths.Of(full), RealPaths.Of(root));
            return realPath == realRoot || realPath.StartsWith(realRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    // One folder however written: '…/v1//', or a link to it ('current' → 'releases/v1'), as the host resolves the app's
    // own path (review 29a F8).
    internal static bool SameFolder(string path, string expected)
    {
        if (SamePath(Path.TrimEndingDirectorySeparator(path), Path.TrimEndingDirectorySeparator(expected)))
        {
            return true;
        }

        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        try
        {
            return string.Equals(RealPaths.Of(path), RealPaths.Of(expected), StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    // The folder as a POSIX shell takes it as one word, whole (not cut at 200 characters), so that the advice runs as
    // written; in the display form when it has a character a terminal would act on.
    private static string ShellWord(string path) =>
        BundlePath.IsPrintable(path) ? ShellWords.Quote(path) : BundlePath.Quote(path);

    /// <param name="root">The app's folder, <see cref="AppContext.BaseDirectory"/>.</param>
    /// <param name="manifestPath">The route manifest that is about to be loaded.</param>
    /// <param name="entryAssemblyPath">Where the running app's entry assembly is, when known.</param>
    /// <returns>Every problem, one sentence each; empty when the app may start.</returns>
    public static IReadOnlyList<string> Problems(string root, string manifestPath, string? entryAssemblyPath) =>
        Problems(root, manifestPath, entryAssemblyPath, out _);

    /// <param name="root">The app's folder, <see cref="AppContext.BaseDirectory"/>.</param>
    /// <param name="manifestPath">The route manifest that is about to be loaded.</param>
    /// <param name="entryAssemblyPath">Where the running app's entry assembly is, when known.</param>
    /// <param name="routeManifest">
    /// The route manifest as the bundle lists it (null when there are problems, or when the bundle has none): what is
    /// read of it later must have this size and hash, as the folder may be written after the check.
    /// </param>
    /// <returns>Every problem, one sentence each; empty when the app may start.</returns>
    public static IReadOnlyList<string> Problems(string root, string manifestPath, string? entryAssemblyPath, out BundleFile? routeManifest)
    {
        routeManifest = null;
        if (s_passed is { } passed && (passed.Root, passed.Manifest, passed.Entry) == (root, manifestPath, entryAssemblyPath))
        {
            routeManifest = passed.Listed;
            return [];
        }

        var problems = BundleVerifier.Verify(root, out var bundle);
        if (bundle is null)
        {
            return problems;
        }

        var found = new List<string>();
        if (!SamePath(manifestPath, Path.Join(root, RouteManifest.FileName)))
        {
            found.Add($"ApiRoutes:ManifestPath is {BundlePath.Quote(manifestPath)}, not the bundle's {RouteManifest.FileName}; with "
                + "ApiRoutes:VerifyBundle only the verified manifest is served. Remove ApiRoutes:ManifestPath.");
        }

        if (!string.IsNullOrEmpty(entryAssemblyPath) && !SamePath(entryAssemblyPath, Path.Join(root, bundle.EntryAssembly)))
        {
            found.Add($"The running app is {BundlePath.Quote(entryAssemblyPath)}, not the bundle's entry assembly {BundlePath.Quote(bundle.EntryAssembly)}.");
        }

        if (found.Count == 0)
        {
            routeManifest = bundle.Files.FirstOrDefault(file => file.Path == RouteManifest.FileName);
            s_passed = (root, manifestPath, entryAssemblyPath, routeManifest);
        }

        return found;
    }

    private static bool SamePath(string path, string expected)
    {
        try
        {
            return string.Equals(Path.GetFullPath(path), Path.GetFullPath(expected), StringComparison.Ordinal);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}

/// <summary>
/// Registered by the generated entry point once it has checked the process and its folder for <c>ApiRoutes:VerifyBundle</c>
/// (<see cref="BundleStartupCheck.HostProblem"/> and the configuration files): not checked again as the manifest is loaded.
/// </summary>
internal sealed class BundleHostChecked;
