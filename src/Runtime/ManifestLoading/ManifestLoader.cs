using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using ApiRoutes.Bundling;
using ApiRoutes.Manifest;
using ApiRoutes.Scheduling;

namespace ApiRoutes.ManifestLoading;

/// <summary>
/// Reads <c>apiroutes.manifest.json</c> and binds it to the handler assembly: through the handler registry the package's
/// source generator compiled into the app (checked by build id; the only way in a trimmed or Native AOT app), else by
/// the names the build recorded, with reflection (checked by MVID). Nothing is scanned. Every failure is an
/// <see cref="ApiRoutesManifestException"/> that says how to fix it.
/// </summary>
internal static class ManifestLoader
{
    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, RouteManifest.FileName);

    /// <summary>
    /// The manifest beside the app; else, in a project that references the app (a test project running it with
    /// WebApplicationFactory), the copy its build put there under the app's name, <c>App.apiroutes.manifest.json</c>.
    /// </summary>
    public static string DefaultPathFor(string? applicationName)
    {
        if (File.Exists(DefaultPath) || string.IsNullOrEmpty(applicationName))
        {
            return DefaultPath;
        }

        var referenced = Path.Combine(AppContext.BaseDirectory, $"{applicationName}.{RouteManifest.FileName}");
        return File.Exists(referenced) ? referenced : DefaultPath;
    }

    /// <summary>Loads the configured manifest, first checking the deploy bundle when asked to.</summary>
    /// <remarks>
    /// The manifest found by default must be this app's: apps that build into one output folder (a shared OutDir)
    /// overwrite each other's <c>apiroutes.manifest.json</c>, and one then served the other's routes (review 25a F11).
    /// </remarks>
    /// <param name="options">The app's options.</param>
    /// <param name="applicationName">The app's name.</param>
    /// <param name="hostProblem">
    /// With <c>VerifyBundle</c>, after the folder's check: why the process may not serve it (<see cref="BundleStartupCheck.HostProblem"/>),
    /// or null; where the generated entry point did not check it already.
    /// </param>
    public static RouteTable Load(ApiRoutesOptions options, string? applicationName = null, Func<string?>? hostProblem = null)
    {
        var path = options.ManifestPath ?? DefaultPathFor(applicationName);
        var owner = options.ManifestPath is null ? applicationName : null;
        return options.VerifyBundle
            ? LoadVerified(AppContext.BaseDirectory, path, EntryAssemblyPath(), owner: owner, hostProblem: hostProblem)
            : Load(path, owner: owner);
    }

    /// <summary>
    /// <c>ApiRoutes:VerifyBundle</c>: checks the folder <paramref name="root"/> against its bundle, then binds the route
    /// manifest from bytes that have its listed size and SHA-256, read once: the manifest served is the one verified, even
    /// when the file is replaced between the check and the read (review 15, F5).
    /// </summary>
    internal static RouteTable LoadVerified(
        string root, string path, string? entryAssemblyPath, Func<string, Assembly>? loadAssembly = null, Func<string, GeneratedHandlers?>? generatedHandlers = null,
        string? owner = null, Func<string?>? hostProblem = null)
    {
        if (BundleStartupCheck.Problems(root, path, entryAssemblyPath, out var listed) is { Count: > 0 } problems)
        {
            throw BundleRefused(problems, root);
        }

        if (hostProblem?.Invoke() is { } host)
        {
            throw new ApiRoutesManifestException(host);
        }

        return Bind(Read(path, listed, root), path, loadAssembly, generatedHandlers, owner);
    }

    /// <summary>Why the deploy bundle is not served, and what to do.</summary>
    public static ApiRoutesManifestException BundleRefused(IReadOnlyList<string> problems, string? root = null) => new(
        $"The deploy bundle in '{root ?? AppContext.BaseDirectory}' does not match its {BundleManifest.FileName}, so it "
        + $"will not be served: {BundleProblems.OneLine(problems)} Deploy the bundle again as published.");

    // Empty in a single-file or Native AOT app, which has no assembly file: the bundle check then skips that comparison.
    [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "An empty location is handled: the check is skipped.")]
    internal static string? EntryAssemblyPath() => Assembly.GetEntryAssembly()?.Location;

    /// <param name="path">The manifest file.</param>
    /// <param name="loadAssembly">Loads an assembly by name, for an app without a generated handler registry.</param>
    /// <param name="generatedHandlers">Finds an assembly's generated handler registry by name (tests pass their own).</param>
    /// <param name="owner">The app the manifest must be written for (its name), or null when any app's will do.</param>
    public static RouteTable Load(
        string path, Func<string, Assembly>? loadAssembly = null, Func<string, GeneratedHandlers?>? generatedHandlers = null, string? owner = null) =>
        Bind(Read(path, listed: null, bundleRoot: null), path, loadAssembly, generatedHandlers, owner);

    private static RouteTable Bind(
        RouteManifest manifest, string path, Func<string, Assembly>? loadAssembly, Func<string, GeneratedHandlers?>? generatedHandlers, string? owner)
    {
        // The app's name, or its entry assembly's where the app was given another name: either way, not another app.
        if (owner is not null
            && !string.Equals(manifest.Assembly.Name, owner, StringComparison.Ordinal)
            && !string.Equals(manifest.Assembly.Name, Assembly.GetEntryAssembly()?.GetName().Name, StringComparison.Ordinal))
        {
            throw new ApiRoutesManifestException(
                $"The route manifest '{path}' was written for the app {manifest.Assembly.Name}, but this app is {owner}. Apps "
                + "that build or publish into one output folder (a shared OutDir) overwrite each other's "
                + $"{RouteManifest.FileName}: give each app a folder of its own, then build again.");
        }

        if ((generatedHandlers ?? HandlerRegistry.Find)(manifest.Assembly.Name) is { } generated)
        {
            return BindGenerated(manifest, path, generated);
        }

        if (ReflectionBinding.IsSupported)
        {
            return BindByName(manifest, path, loadAssembly ?? (name => Assembly.Load(new AssemblyName(name))));
        }

        throw new ApiRoutesManifestException(
            $"The route manifest '{path}' names handlers in {manifest.Assembly.Name}, but this trimmed or Native AOT app has no "
            + "source-generated handler registry for it, and handlers cannot be looked up by name once trimmed. Build the app "
            + "as a C# project that references the ApiRoutes package, without ApiRoutesGenerateHandlerRegistry=false.");
    }

    // The registry and the build id come from the same compilation as the code that runs, trimmed or not, so the id is
    // the identity the manifest is checked against (the trimmer and ILC rewrite the assembly and its MVID).
    private static RouteTable BindGenerated(RouteManifest manifest, string path, GeneratedHandlers generated)
    {
        if (!string.Equals(manifest.Assembly.BuildId, generated.BuildId, StringComparison.Ordinal))
        {
            throw new ApiRoutesManifestException(
                $"The manifest '{path}' was written for {manifest.Assembly.FileName} with build id {manifest.Assembly.BuildId ?? "(none)"}, "
                + $"but the running {manifest.Assembly.Name} was compiled with build id {generated.BuildId}: the manifest is out of date. "
                + "Build the project again (dotnet build or dotnet publish) so that the manifest and the app come from the same build.");
        }

        var routes = manifest.Routes.Select(entry => generated.Types.GetValueOrDefault(entry.Handler.Type) is { } registered
            ? Bind(entry, registered.Type, path)
            : BindUnregistered(entry, manifest, generated.Assembly, path)).ToList();
        return new RouteTable(manifest, path, routes);
    }

    // A handler the build's analysis found in the compiled assembly but the registry does not list: a class another
    // source generator adds (generators do not see each other's output; review 25a F8). Looked up by name where
    // reflection may be used, as an app without the registry is; a trimmed app cannot, and is told why.
    private static LoadedRoute BindUnregistered(ManifestRoute entry, RouteManifest manifest, Assembly assembly, string path)
    {
        if (ReflectionBinding.IsSupported)
        {
            return BindByName(entry, manifest, assembly, path);
        }

        throw new ApiRoutesManifestException(
            $"The route '{entry.Route}' in '{path}' names the handler '{entry.Handler.Type}', which the handler registry "
            + $"generated for {manifest.Assembly.Name} does not list, and this trimmed or Native AOT app cannot look types up "
            + "by name. A handler class that another source generator adds is not seen by ApiRoutes' generator: declare "
            + "the handler in the project's own source files, or publish without trimming.");
    }

    [RequiresUnreferencedCode("Looks a handler type up by the name in the manifest; never in a trimmed app.")]
    private static LoadedRoute BindByName(ManifestRoute entry, RouteManifest manifest, Assembly assembly, string path)
    {
        Type? found;
        try
        {
            found = assembly.GetType(entry.Handler.Type, throwOnError: false);
        }
        catch (Exception e) when (e is ArgumentException or IOException or BadImageFormatException or TypeLoadException)
        {
            found = null;   // reflection's parser refuses the name, or a type it names cannot be loaded: no handler of this app's
        }

        // An open generic type cannot be created, and answered 500 to every request (review 43b F2).
        return Bind(
            entry,
            found is { IsAbstract: false, ContainsGenericParameters: false } type && typeof(IApiHandler).IsAssignableFrom(type)
                ? type
                : throw NotAHandler(entry, manifest.Assembly.Name, path),
            path);
    }

    [RequiresUnreferencedCode("Looks handler types up by the names in the manifest; trimmed apps bind through the generated registry.")]
    private static RouteTable BindByName(RouteManifest manifest, string path, Func<string, Assembly> loadAssembly)
    {
        var assembly = LoadAssembly(manifest, path, loadAssembly);
        var mvid = assembly.ManifestModule.ModuleVersionId;
        if (mvid != manifest.Assembly.Mvid)
        {
            throw new ApiRoutesManifestException(
                $"The manifest '{path}' was written for {manifest.Assembly.FileName} with MVID {manifest.Assembly.Mvid}, "
                + $"but the loaded {manifest.Assembly.Name} has MVID {mvid}: the manifest is out of date. Build the project "
                + "again (dotnet build or dotnet publish) so that the manifest and the assembly come from the same build.");
        }

        return new RouteTable(manifest, path, Bind(manifest, assembly, path));
    }

    /// <summary>
    /// Under <c>dotnet watch</c>: reads a manifest written from a fresh compile, for the running assembly. Hot reload
    /// keeps the first build's MVID, so only the assembly's name is compared; <see cref="Bind(RouteManifest, Assembly, string)"/>
    /// then looks the handler types (new ones included) up by name, as at start-up.
    /// </summary>
    [RequiresUnreferencedCode("Loads the app's assembly by name, to look its handler types up by name; never in a trimmed app.")]
    public static (RouteManifest Manifest, Assembly Assembly) ReadFresh(string path, string assemblyName)
    {
        var manifest = Read(path, listed: null, bundleRoot: null);
        if (!string.Equals(manifest.Assembly.Name, assemblyName, StringComparison.Ordinal))
        {
            throw new ApiRoutesManifestException(
                $"The route manifest '{path}' was written for the assembly '{manifest.Assembly.Name}', but the app serves {assemblyName}.");
        }

        return (manifest, LoadAssembly(manifest, path, name => Assembly.Load(new AssemblyName(name))));
    }

    /// <summary>Binds each route to its handler type in <paramref name="assembly"/>, looked up by name.</summary>
    [RequiresUnreferencedCode("Looks handler types up by the names in the manifest; trimmed apps bind through the generated registry.")]
    public static IReadOnlyList<LoadedRoute> Bind(RouteManifest manifest, Assembly assembly, string path) =>
        [.. manifest.Routes.Select(entry => BindByName(entry, manifest, assembly, path))];

    // listed: the size and SHA-256 the verified bundle lists for this file; the bytes read must have them.
    private static RouteManifest Read(string path, BundleFile? listed, string? bundleRoot)
    {
        byte[]? bytes;
        try
        {
            // Opened, a FIFO without a writer blocks for good, and start-up hung without a word (review 43b F4).
            if (UnixFileKind.IsSpecial(path))
            {
                throw new ApiRoutesManifestException($"The route manifest '{path}' is not a regular file (a FIFO, a socket or a device); it must be the file the build wrote.");
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            bytes = BundleVerifier.ReadAtMost(stream, listed is null ? ManifestJson.MaxBytes : (int)Math.Min(listed.Size, ManifestJson.MaxBytes));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ApiRoutesManifestException(
                $"The route manifest '{path}' does not exist. It is written by the build of a project that references the "
                + "ApiRoutes package: run 'dotnet build' (or 'dotnet publish', which copies it to the publish folder), or "
                + "set ApiRoutes:ManifestPath to where it is.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ApiRoutesManifestException(
                Directory.Exists(path)
                    ? $"The route manifest '{path}' is a folder; set ApiRoutes:ManifestPath to the manifest file in it ({RouteManifest.FileName})."
                    : $"The route manifest '{path}' cannot be read: {e.Message}",
                e);
        }

        if (listed is not null && (bytes is null || bytes.Length != listed.Size || BundleManifest.Sha256(bytes) != listed.Sha256))
        {
            throw BundleRefused(
                [$"{BundlePath.Quote(RouteManifest.FileName)} changed after the bundle was verified: it no longer has the size and SHA-256 that {BundleManifest.FileName} lists."],
                bundleRoot);
        }

        if (bytes is null)
        {
            throw new ApiRoutesManifestException($"The route manifest '{path}' is over {ManifestJson.MaxBytes} bytes, more than any build writes.");
        }

        RouteManifest manifest;
        try
        {
            manifest = ManifestJson.Deserialize(bytes);
        }
        catch (InvalidDataException e)
        {
            throw new ApiRoutesManifestException($"The route manifest '{path}' is invalid. {e.Message}", e);
        }

        ManifestRouteCheck.ThrowIfInvalid(manifest, path);
        return manifest;
    }

    private static Assembly LoadAssembly(RouteManifest manifest, string path, Func<string, Assembly> loadAssembly)
    {
        try
        {
            return loadAssembly(manifest.Assembly.Name);
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException or ArgumentException)
        {
            throw new ApiRoutesManifestException(
                $"The route manifest '{path}' names the assembly '{manifest.Assembly.Name}', which cannot be loaded: "
                + $"{e.Message} Deploy the manifest together with the application it was built with.", e);
        }
    }

    // Why the build could not have written this expression beside these fields; null when it could have.
    private static string? Unwritten(ManifestSchedule schedule, string? timeZone)
    {
        var expression = schedule.Expression;
        if (expression.Length > CrontabParser.MaxLength)
        {
            return string.Create(CultureInfo.InvariantCulture, $"which is {expression.Length:N0} characters long; the build writes at most {CrontabParser.MaxLength:N0}.");
        }

        if (expression.Length == 0 || expression.Trim().Length != expression.Length)
        {
            return "which is empty or has blanks around it; the build writes it trimmed.";
        }

        var parsed = CronSchedule.Parse(expression, timeZone);
        if (!parsed.IsValid)
        {
            return $"which the build refuses: {parsed.Message}";
        }

        return string.Equals(parsed.Normalized, schedule.Normalized, StringComparison.Ordinal)
            ? null
            : $"which is '{parsed.Normalized}', not the schedule the manifest runs ('{CronText.Display(schedule.Normalized)}').";
    }

    private static ApiRoutesManifestException NotAHandler(ManifestRoute entry, string assemblyName, string path) => new(
        $"The route '{entry.Route}' in '{path}' names the handler '{entry.Handler.Type}', which is not a concrete "
        + $"IApiHandler in {assemblyName}. Build the project again so that the manifest matches it.");

    private static LoadedRoute Bind(
        ManifestRoute entry,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] Type type,
        string path)
    {
        if (entry.Kind != RouteKind.Scheduled)
        {
            return Created(entry, type, schedule: null, path);
        }

        var schedule = CronSchedule.Parse(entry.Schedule?.Normalized, entry.Schedule?.TimeZone);
        if (schedule.Error == CronError.UnknownTimeZone)
        {
            throw new ApiRoutesManifestException(
                $"The scheduled route '{entry.Route}' in '{path}' runs in the time zone {BundlePath.Quote(entry.Schedule!.TimeZone)}, which this machine's time "
                + $"zone data does not have: {schedule.Message} "
                + (LegacyTimeZones.CurrentId(entry.Schedule.TimeZone) is { } current
                    ? $"Build the app with '{current}' in its place, or install the legacy names (tzdata-legacy on Debian and Ubuntu) where the app runs."
                    : "Install the IANA time zone data (the tzdata package on Linux, ICU on Windows) where the app runs."));
        }

        if (!schedule.IsValid)
        {
            throw new ApiRoutesManifestException(
                $"The scheduled route '{entry.Route}' in '{path}' has an invalid schedule: {schedule.Message}");
        }

        // The app runs the normalized fields and only shows the expression (the start-up table, event 3000, the dashboard),
        // which nothing checked: a line break or an escape in it forged log lines, megabytes of it were copied into every
        // row of the start-up table, and '@yearly' was shown while '* * * * *' ran (review 35c F3). The build writes it
        // trimmed, parsed by the same rules, beside the fields it normalizes to; any other is refused as a route is.
        if (Unwritten(entry.Schedule!, entry.Schedule!.TimeZone) is { } why)
        {
            throw new ApiRoutesManifestException(
                $"The scheduled route '{entry.Route}' in '{path}' has the schedule '{CronText.Display(entry.Schedule.Expression)}', {why} {ManifestRouteCheck.Rebuild}");
        }

        return Created(entry, type, schedule.Schedule, path);
    }

    // A class DI cannot create (no public constructor) crashed start-up with a stack trace (review 43b F2).
    private static LoadedRoute Created(
        ManifestRoute entry,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] Type type,
        CrontabSchedule? schedule,
        string path)
    {
        try
        {
            return new LoadedRoute(entry, type, schedule);
        }
        catch (InvalidOperationException e)
        {
            throw new ApiRoutesManifestException(
                $"The route '{entry.Route}' in '{path}' names the handler '{entry.Handler.Type}', which cannot be created: "
                + $"{BundlePath.Printable(e.Message)} Give it a public constructor, then build again.", e);
        }
    }
}
