using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace ApiRoutes.ManifestLoading;

/// <summary>
/// The route table loaded on a thread-pool thread while the main thread builds the app (the generated entry point,
/// <see cref="ApiRoutesApplication"/>), from the manifest path and bundle check that configuration gives. The table's
/// registration takes it only when the options it is built from say the same (code may have changed them since), and
/// otherwise loads the manifest as always; a manifest that cannot be loaded throws the same
/// <see cref="ApiRoutesManifestException"/>, from the same place (<c>MapApiRoutes</c>), as without the preload.
/// </summary>
internal sealed class ManifestPreload
{
    private readonly string? _manifestPath;
    private readonly bool _verifyBundle;
    private readonly string? _applicationName;
    private readonly Task<Loaded> _load;

    private ManifestPreload(string? manifestPath, bool verifyBundle, string? applicationName, Task? after)
    {
        _manifestPath = manifestPath;
        _verifyBundle = verifyBundle;
        _applicationName = applicationName;
        _load = after is null
            ? Task.Run(Load)
            : after.ContinueWith(_ => Load(), CancellationToken.None, TaskContinuationOptions.DenyChildAttach, TaskScheduler.Default);
    }

    /// <summary>Starts loading; null when configuration holds a value the options would not bind (they then fail start-up).</summary>
    /// <param name="configuration">The app's configuration.</param>
    /// <param name="environment">The host's environment: the app's name (its manifest may be named after it), and whether it is Development.</param>
    /// <param name="after">
    /// Other start-up work on the thread pool (the store's preload) to load after, on the same thread, rather than beside
    /// it: on a machine of two cores, a third busy thread takes its time from the main thread that builds the app.
    /// </param>
    public static ManifestPreload? Start(IConfiguration configuration, IHostEnvironment environment, Task? after = null)
    {
        var section = configuration.GetSection(ApiRoutesOptions.SectionName);
        var verifyBundle = false;
        if (section[nameof(ApiRoutesOptions.VerifyBundle)] is { } verify && !bool.TryParse(verify, out verifyBundle))
        {
            return null;
        }

        verifyBundle |= BundleStartupCheck.Requested(configuration, environment.IsDevelopment());   // as the options bind it: one way

        return new ManifestPreload(section[nameof(ApiRoutesOptions.ManifestPath)] is { Length: > 0 } path ? path : null, verifyBundle, environment.ApplicationName, after);
    }

    /// <summary>The preloaded table for these options, or null when they ask for another manifest or check.</summary>
    /// <exception cref="ApiRoutesManifestException">The manifest they ask for cannot be loaded.</exception>
    public RouteTable? TakeFor(ApiRoutesOptions options, string? applicationName)
    {
        if (!string.Equals(options.ManifestPath, _manifestPath, StringComparison.Ordinal)
            || options.VerifyBundle != _verifyBundle
            || !string.Equals(applicationName, _applicationName, StringComparison.Ordinal))
        {
            return null;
        }

        var (table, error) = _load.GetAwaiter().GetResult();
        error?.Throw();
        return table;
    }

    // Every failure is kept for TakeFor to throw on the thread that maps the routes; none is left unobserved.
    private Loaded Load()
    {
        try
        {
            return new Loaded(ManifestLoader.Load(new ApiRoutesOptions { ManifestPath = _manifestPath, VerifyBundle = _verifyBundle }, _applicationName), null);
        }
#pragma warning disable CA1031 // rethrown, as it was, where the table is asked for
        catch (Exception e)
#pragma warning restore CA1031
        {
            return new Loaded(null, ExceptionDispatchInfo.Capture(e));
        }
    }

    // A class, not a tuple: the task's code over a reference type is the framework's shared precompiled code, where a
    // task of a tuple would be JIT-compiled on the main thread at every start.
    private sealed record Loaded(RouteTable? Table, ExceptionDispatchInfo? Error);
}
