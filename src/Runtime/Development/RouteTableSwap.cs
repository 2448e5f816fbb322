using System.Diagnostics.CodeAnalysis;
using ApiRoutes.Manifest;
using ApiRoutes.ManifestLoading;
using ApiRoutes.Routing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace ApiRoutes.Development;

/// <summary>
/// Puts a freshly analysed manifest into service: binds it to the running assembly (types added by hot reload
/// included), checks its route constraints and builds its endpoints first, and only then replaces the route table
/// (which the dashboard, executions and on-demand runs read) and the endpoints. A failure leaves both as they were.
/// The routing options are read at the first swap, not when <c>MapApiRoutes</c> attaches the table (they are built
/// beside the mapping there, off the main thread: "Start-up, fifth pass" in bench/load/README.md).
/// </summary>
internal sealed class RouteTableSwap(IOptions<RouteOptions> routeOptions) : IRouteSwap
{
    private readonly Lock _gate = new();
    private (RouteTable Table, RouteEndpointFactory Factory, RouteEndpointSource Source)? _target;
    private CancellationTokenSource _swapped = new();

    /// <summary>A manifest was put into service (the development loop records its handlers' source files).</summary>
    public event Action<RouteManifest>? Applied;

    /// <summary>The manifest served now; null before <c>MapApiRoutes</c>.</summary>
    public RouteManifest? Manifest
    {
        get
        {
            lock (_gate)
            {
                return _target?.Table.Manifest;
            }
        }
    }

    /// <summary>
    /// Fires when a swap has replaced the routes: ApiRoutes' own endpoints only (RouteChanges; review 39b F2: the app's
    /// composite endpoint source, MVC's among them, made MVC rebuild its actions at every change of its own).
    /// </summary>
    public IChangeToken GetChangeToken()
    {
        lock (_gate)
        {
            return new CancellationChangeToken(_swapped.Token);
        }
    }

    /// <summary>Called by <c>MapApiRoutes</c> with what it mapped.</summary>
    public void Attach(RouteTable table, RouteEndpointFactory factory, RouteEndpointSource source)
    {
        lock (_gate)
        {
            _target = (table, factory, source);
        }
    }

    public SwapResult Apply(string manifestPath, IReadOnlySet<string> leaveOut)
    {
        // Hot reload adds handler types the generated registry of the first build does not list: they are looked up
        // by name, which a trimmed app (never run under dotnet watch) cannot do.
        return ReflectionBinding.IsSupported
            ? ApplyByName(manifestPath, leaveOut)
            : throw new ApiRoutesManifestException("Routes cannot follow the code in a trimmed or Native AOT app; run it with dotnet watch untrimmed.");
    }

    [RequiresUnreferencedCode("Looks the handler types of a fresh manifest up by name in the running assembly.")]
    private SwapResult ApplyByName(string manifestPath, IReadOnlySet<string> leaveOut)
    {
        lock (_gate)
        {
            var (table, factory, source) = _target
                ?? throw new InvalidOperationException("The routes are not mapped yet (MapApiRoutes has not run).");

            var (manifest, assembly) = ManifestLoader.ReadFresh(manifestPath, table.Manifest.Assembly.Name);

            // The analysis may finish before hot reload has applied the same change: wait for it rather than fail; but
            // not for types it was waited for in vain (review 30c F1: one such file held every later route change back).
            var unapplied = manifest.Routes.Where(route => assembly.GetType(route.Handler.Type, throwOnError: false) is null).ToList();
            var types = unapplied.Select(route => route.Handler.Type).Distinct(StringComparer.Ordinal).ToList();
            if (!types.All(leaveOut.Contains))
            {
                return new SwapResult(null, types, []);
            }

            var served = unapplied.Count == 0 ? manifest : manifest with { Routes = [.. manifest.Routes.Except(unapplied)] };
            var routes = ManifestLoader.Bind(served, assembly, manifestPath);
            RouteConstraintCheck.ThrowIfUnregistered(new RouteTable(served, manifestPath, routes), routeOptions.Value);
            var endpoints = factory.Create(routes);
            table.Replace(served, routes);
            source.Replace(endpoints);
            var swapped = _swapped;
            _swapped = new CancellationTokenSource();
            swapped.Cancel();
            swapped.Dispose();
            Applied?.Invoke(manifest);   // all of it: the files of the routes left out are watched too
            var files = unapplied.All(route => route.Source is not null) ? unapplied.Select(route => route.Source!.File).Distinct(StringComparer.Ordinal).ToList() : null;
            return new SwapResult(routes.Count, types, [.. unapplied.Select(route => route.Route)], files);
        }
    }
}
