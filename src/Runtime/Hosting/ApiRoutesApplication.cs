using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using ApiRoutes.Diagnostics;
using ApiRoutes.Hosting;
using ApiRoutes.ManifestLoading;
using ApiRoutes.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace ApiRoutes;

/// <summary>
/// The application a handler project runs when it has no <c>Program.cs</c>: the package adds an entry point that
/// calls <see cref="RunAsync"/>. <c>dotnet run</c> starts it in the Development environment (the local development
/// server); the published app (<c>dotnet App.dll</c>) runs in Production.
/// </summary>
public static class ApiRoutesApplication
{
    private const string ReloadConfigOnChange = "hostBuilder:reloadConfigOnChange";

    /// <summary>
    /// Whether something takes the host this entry point builds, as WebApplicationFactory, <c>dotnet ef</c> and the
    /// build-time OpenAPI document do (HostFactoryResolver): they run the entry point and apply their own configuration
    /// and services only when the host is built, on the hosting diagnostic listener's "HostBuilding" event, so that what
    /// configuration says before then may not be what the app uses. Review 28c F22: the template's tests, on the
    /// in-memory store, opened the development server's SQLite file early all the same (its lock, its owner file).
    /// </summary>
    internal static bool HostBuildIntercepted() => HostBuildIntercepted(Assembly.GetEntryAssembly());

    /// <param name="entry">The process's entry assembly.</param>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "An app's entry assembly calls ApiRoutesApplication (the call that leads here), so the trimmer keeps its reference to ApiRoutes; one that does not reference ApiRoutes is what is asked.")]
    internal static bool HostBuildIntercepted(Assembly? entry)
    {
        // Such a resolver subscribes to every listener of that name made on the entry point's flow (an async local): one
        // made to ask is enabled for the event only then. Tracing that subscribes to every listener (dotnet-trace's
        // DiagnosticSource provider, an APM agent) enables it on any flow, so a listener made on a flow of its own must not
        // be (review 29a F3: a traced production start lost the early open). Disposing a listener ends only its own
        // subscriptions.
        const string Name = "Microsoft.Extensions.Hosting";
        using (var here = new DiagnosticListener(Name))
        {
            if (!here.IsEnabled("HostBuilding"))
            {
                return false;
            }
        }

        // A thread of its own, started without this flow's context (a task could run inline, on this flow).
        var enabledElsewhere = false;
        var probe = new Thread(() =>
        {
            using var elsewhere = new DiagnosticListener(Name);
            enabledElsewhere = elsewhere.IsEnabled("HostBuilding");
        }) { IsBackground = true, Name = "ApiRoutes host probe" };
        using (ExecutionContext.SuppressFlow())
        {
            probe.Start();
        }

        probe.Join();
        if (!enabledElsewhere)
        {
            return true;
        }

        // Both: tracing listens everywhere, and a resolver may listen here too. A resolver runs the app's entry point from
        // a program of its own (the test host, dotnet ef, the OpenAPI document's tool), which does not reference ApiRoutes;
        // the app's own entry point, which called here, does.
        try
        {
            var apiRoutes = typeof(ApiRoutesApplication).Assembly.GetName().Name;
            return entry is not null && !entry.GetReferencedAssemblies().Any(name => name.Name == apiRoutes);
        }
        catch (PlatformNotSupportedException)
        {
            return false;   // no metadata to tell by (Native AOT, where no resolver runs an entry point either)
        }
    }

    /// <summary>Builds and runs the web application with the ApiRoutes runtime.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="configureBuilder">Registers the handlers' services and settings before the app is built.</param>
    /// <param name="configureApp">Adds middleware before the routes are mapped.</param>
    /// <returns>
    /// The process exit code: 0, or 1 when the configuration, manifest, bundle or store stops start-up, or the app stopped
    /// because its store's file was found damaged (event 2046).
    /// </returns>
    /// <exception cref="ApiRoutesStartupException">Such a refusal, when a test's WebApplicationFactory (or a tool) takes the host.</exception>
    public static async Task<int> RunAsync(
        string[] args,
        Action<WebApplicationBuilder>? configureBuilder = null,
        Action<WebApplication>? configureApp = null)
    {
        // The slim builder, with what an ApiRoutes app uses of the full one's extras: HTTPS endpoints from configuration
        // (Kestrel:Endpoints, an https:// URL), the console's format and the metrics' rules from configuration, here; the
        // regex route constraint in AddApiRoutes. Left out: HTTP/3 (QUIC), hosting startup assemblies (code from outside
        // the app), IIS, and the Debug, EventSource and EventLog logging providers. The extras took 20-25 ms of a 330 ms
        // start (issue 15; README, "The slim web builder").
        WebApplicationBuilder builder;
        bool verifyBundle;
        try
        {
            builder = CreateBuilder(args, out verifyBundle);
        }
        catch (InvalidDataException e)
        {
            // A settings file that is not JSON (a partial deploy, or a file put in a bundle's folder): a stack trace and
            // exit 134 before the bundle's check could say the file was never published (review 26a F11).
            return await RefuseAsync(ConfigurationUnreadable(args, e), e);
        }
        catch (DirectoryNotFoundException e)
        {
            return await RefuseAsync(StartupInputs.ContentRootMissing(args, e), e);
        }

        // What the host would meet with an unhandled exception in its build or start, or a port it would widen to every
        // interface: before anything is opened (review 33b F2, F6).
        if ((StartupInputs.LogLevelProblem(builder.Configuration) ?? StartupInputs.ListenAddressProblem(builder.Configuration)) is { } input)
        {
            return await RefuseAsync(input);
        }

        if (verifyBundle && BundleRefusal(builder.Configuration, builder.Environment.ContentRootPath, builder.Environment.ApplicationName) is { } refusal)
        {
            // ApiRoutes:VerifyBundle, before the store's native library, the manifest or a handler's dependency is loaded
            // from the folder. What the host loaded to get here (App.dll, ApiRoutes.dll, the runtime's configuration files)
            // it loaded unchecked: against someone who can write the folder, apiroutes serve (verify, then run) is the
            // boundary (README, "What a bundle host verifies").
            return await RefuseAsync(refusal + BundleStartupCheck.BuildSwitchAdvice(builder.Configuration));
        }

        builder.WebHost.UseKestrelHttpsConfiguration();

        // The slim builder's console logger forces the simple format over Logging:Console:FormatterName (json, systemd),
        // and it binds no Metrics section: both read from configuration again, as the full builder does.
        builder.Services.Configure<ConsoleLoggerOptions>(options =>
        {
            if (builder.Configuration["Logging:Console:FormatterName"] is { Length: > 0 } formatter)
            {
                options.FormatterName = formatter;
            }
        });
        builder.Services.AddMetrics(metrics => metrics.AddConfiguration(builder.Configuration.GetSection("Metrics")));

        // The host's "Hosting failed to start" stack left out where the line below reports the failure (review 33b F1).
        builder.Services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(services =>
            new ListenFailureLog(ActivatorUtilities.CreateInstance<LoggerFactory>(services), e => ListenFailure(e) is not null)));

        // The store's file opened on another thread while this one builds the app and maps the routes (closed again
        // unless the store takes it); else SQLite's first use (native library, JIT) there, when SQLite is the store. Not
        // when the host is taken by a test or a tool: their settings come only as it is built (a test's in-memory store).
        using var storePreload = HostBuildIntercepted() ? null : SqliteStorePreload.Start(builder.Configuration, builder.Environment);
        Task? storeWork = null;
        if (storePreload is not null)
        {
            builder.Services.AddSingleton(storePreload);
            storeWork = storePreload.Opened;
        }
        else if (SqliteStorePreload.Configured(builder.Configuration))
        {
            storeWork = SqliteWarmUp.Start();
        }

        builder.Services.AddApiRoutes();
        configureBuilder?.Invoke(builder);
        if (verifyBundle
            && (BundleStartupCheck.OutsideConfiguration(builder.Configuration, AppContext.BaseDirectory)
                ?? BundleStartupCheck.ReloadedConfiguration(builder.Configuration)) is { } added)
        {
            // A file the app's own code added to the configuration (review 31c F7), checked as the host's were; or one read
            // again on change (the app's code, or hostBuilder:reloadConfigOnChange=true after the switch above: 33a F3).
            return await RefuseAsync(added + BundleStartupCheck.BuildSwitchAdvice(builder.Configuration));
        }

        if (verifyBundle)
        {
            builder.Services.AddSingleton<BundleHostChecked>();   // checked above: not again as the manifest is loaded
        }

        if (ManifestPreload.Start(builder.Configuration, builder.Environment, after: storeWork) is { } preload)
        {
            // The manifest read and its handlers bound on another thread while this one builds the app: after the store's
            // preload, on its thread, so that the two take one core between them and leave the other to this thread.
            builder.Services.AddSingleton(preload);
        }

        await using var app = builder.Build();
        configureApp?.Invoke(app);
        try
        {
            app.MapApiRoutes();
        }
        catch (ApiRoutesStartupException e) when (!HostBuildIntercepted())
        {
            // The message says what to do; a stack trace would only bury it. Not so when a test's WebApplicationFactory takes
            // the host (review 46g F1): a line on standard error, which dotnet test does not show, and the host disposed
            // under it left the test with "Cannot access a disposed object: IServiceProvider"; it gets the refusal itself.
            return await RefuseAsync(e.Message);
        }

        if (!app.Environment.IsDevelopment()
            && StartupInputs.SettingsNotRead(app.Environment.ContentRootPath, AppContext.BaseDirectory, app.Environment.EnvironmentName) is { } unread)
        {
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(Log.Category)
                .SettingsBesideAppNotRead(app.Environment.ContentRootPath, AppContext.BaseDirectory, unread);
        }

        var damage = app.Services.GetService<StoreDamage>();   // the container is disposed when the app has run
        try
        {
            await app.StartAsync();
        }
        catch (Exception e) when (ListenFailure(e) is { } problem)
        {
            // The address in use (a second server on :5000), or one that is not an address: one line and exit code 1, not an
            // unhandled exception's stack trace and SIGABRT (review 28c F14).
            await Console.Error.WriteLineAsync($"ApiRoutes: {problem}");
            await StopStartedAsync(app);
            return 1;
        }

        await Microsoft.Extensions.Hosting.HostingAbstractionsHostExtensions.WaitForShutdownAsync(app);
        return damage is { Found: true } ? 1 : 0;   // stopped for a damaged store file
    }

    // A refusal of start-up (before the host is built, or MapApiRoutes' after it): one line on standard error and exit
    // code 1. Not so when a test's WebApplicationFactory takes the host (review 47B F3, as 46g F1 after the build): the
    // line went where dotnet test does not show it, and the test met "The entry point exited without ever building an
    // IHost"; the resolver gets the refusal itself, as the exception the factory throws (MapApiRoutes' own, unchanged).
    private static async Task<int> RefuseAsync(string refusal, Exception? cause = null)
    {
        if (HostBuildIntercepted())
        {
            throw cause is null ? new ApiRoutesStartupException(refusal) : new ApiRoutesStartupException(refusal, cause);
        }

        await Console.Error.WriteLineAsync($"ApiRoutes: {refusal}");
        return 1;
    }

    /// <summary>The slim builder; with ApiRoutes:VerifyBundle, one that reads the configuration files once.</summary>
    /// <exception cref="InvalidDataException">A settings file is not JSON.</exception>
    internal static WebApplicationBuilder CreateBuilder(string[] args, out bool verifyBundle)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        verifyBundle = BundleStartupCheck.Requested(builder.Configuration, builder.Environment.IsDevelopment());
        if (verifyBundle && BundleStartupCheck.ReloadedFile(builder.Configuration) is not null)
        {
            // The configuration files are checked with the folder, so they are read once: with reloading, one put in the
            // folder later would configure the running app (Kestrel opened the endpoints it named). Built again without.
            // Told by what the host made, not by the key, which the host reads only from DOTNET_ variables and the command
            // line (review 33a F3: set in appsettings.json or hostBuilder__reloadConfigOnChange, the rebuild was skipped);
            // the switch first, where no switch of the app's without a value takes it as its value (`--trace` last).
            ((IDisposable)builder.Configuration).Dispose();
            builder = WebApplication.CreateSlimBuilder([$"--{ReloadConfigOnChange}=false", .. args]);
        }

        return builder;
    }

    // ApiRoutes:VerifyBundle's check before anything is loaded from the folder: that it is the content root, then the folder
    // itself, with the manifest configuration names or the app's own (the application's name unknown: the default file).
    // Why the app may not start, or null.
    private static string? BundleRefusal(IConfiguration configuration, string contentRoot, string? applicationName) =>
        BundleStartupCheck.HostProblem(configuration, contentRoot)
        ?? (BundleStartupCheck.Problems(
                AppContext.BaseDirectory,
                configuration[$"{ApiRoutesOptions.SectionName}:{nameof(ApiRoutesOptions.ManifestPath)}"] is { Length: > 0 } manifestPath ? manifestPath : ManifestLoader.DefaultPathFor(applicationName),
                ManifestLoader.EntryAssemblyPath()) is { Count: > 0 } problems
            ? ManifestLoader.BundleRefused(problems).Message
            : null);

    // Why start-up stopped when a configuration file cannot be read: with ApiRoutes:VerifyBundle (from the environment or
    // the command line, all there is without the files), the bundle's refusal when the folder is not the bundle; else the
    // file and what is wrong with it.
    private static string ConfigurationUnreadable(string[] args, InvalidDataException error)
    {
        // The app's configuration without its files (ApiRoutes__VerifyBundle is an unprefixed variable); the content root as
        // the host takes it (ASPNETCORE_CONTENTROOT too, which this configuration has under its full name only).
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build();
        var contentRoot = StartupInputs.ConfiguredContentRoot(args) ?? Directory.GetCurrentDirectory();
        if (BundleStartupCheck.Requested(configuration, StartupInputs.HostEnvironmentIsDevelopment(args)) && BundleRefusal(configuration, contentRoot, applicationName: null) is { } refusal)
        {
            return refusal + BundleStartupCheck.BuildSwitchAdvice(configuration);
        }

        return Bundling.BundlePath.Printable($"{error.Message} {error.InnerException?.Message}".Trim(), 2000)
            + " Correct the file (it must be JSON), or remove it.";
    }

    // Kestrel's failures to listen where it was told: what to do about each.
    private static string? ListenFailure(Exception e) => e switch
    {
        IOException { InnerException: Microsoft.AspNetCore.Connections.AddressInUseException } =>
            $"{e.Message} Another server listens there: stop it, or give this app another address (--urls http://localhost:5001, ASPNETCORE_URLS or Kestrel:Endpoints).",
        IOException { InnerException: System.Net.Sockets.SocketException socket } =>
            $"{e.Message} ({socket.SocketErrorCode}) Give this app an address it may listen on (--urls, ASPNETCORE_URLS or Kestrel:Endpoints; ports below 1024 need privileges).",
        FormatException when e.Message.StartsWith("Invalid url", StringComparison.Ordinal) =>
            $"{e.Message}: the addresses to listen on (--urls, ASPNETCORE_URLS or Kestrel:Endpoints) are URLs such as http://localhost:5001 or http://+:8080.",

        // Review 33b F6: these were unhandled exceptions (exit code 134).
        System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressNotAvailable } =>
            $"{e.Message}: this machine has no such address to listen on. Give this app one of its own (--urls, ASPNETCORE_URLS or Kestrel:Endpoints; http://0.0.0.0:8080 listens on all of them).",
        System.Net.Sockets.SocketException socket =>
            $"{e.Message} ({socket.SocketErrorCode}) Give this app an address it may listen on (--urls, ASPNETCORE_URLS or Kestrel:Endpoints; ports below 1024 need privileges).",
        InvalidOperationException when e.Message.StartsWith("Unable to configure HTTPS endpoint", StringComparison.Ordinal) =>
            $"{string.Join(' ', e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))} Give the app a certificate "
                + "(Kestrel:Endpoints:<name>:Certificate:Path, or Kestrel:Certificates:Default), or listen on http:// behind a proxy that ends TLS.",
        FileNotFoundException or DirectoryNotFoundException or System.Security.Cryptography.CryptographicException =>
            $"The HTTPS certificate cannot be read: {e.Message} Check Kestrel:Endpoints:<name>:Certificate (Path, Password) or Kestrel:Certificates:Default.",
        _ => null,
    };

    // What started before the server failed to listen (the store's writer, the workers) stops as at a shutdown: a failure
    // there is the host's to log, and the line above is the one that says why the app did not start.
    private static async Task StopStartedAsync(WebApplication app)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await app.StopAsync(bound.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or AggregateException)
        {
        }
    }
}
