using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>
/// MapApiRoutes opens the store on another thread while it maps the routes (a background route's endpoint is built at
/// its first request, the metrics read the execution log only when observed), and awaits it at its end, before the
/// app listens: mapping never waits for the store, and a store that fails still fails MapApiRoutes.
/// </summary>
public sealed class StoreOpensWhileMappingTests
{
    [Fact]
    public async Task The_routes_are_mapped_while_the_store_is_still_opening()
    {
        var mapped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = App(services =>
        {
            // The store opens only once every route is mapped: were mapping to wait for the store, this would time out.
            mapped.Task.Wait(TimeSpan.FromSeconds(30));
            return new InMemoryExecutionStore(TimeProvider.System);
        });
        var endpoints = (IEndpointRouteBuilder)app;
        var mapping = Task.Run(() => app.MapApiRoutes());

        try
        {
            // The route endpoints appear while MapApiRoutes still waits for the store (polled within the probe's patience:
            // mapping on a thread-pool thread of a busy machine may take seconds to begin).
            await Poll.UntilAsync(() => Routes(endpoints) is { } routes && routes.Contains("/api/hello/{name}") && routes.Contains("/api/slow"), () => $"routes: {string.Join(", ", Routes(endpoints) ?? [])}");
            Assert.False(mapping.IsCompleted, "MapApiRoutes returned before the store was open.");
        }
        finally
        {
            mapped.TrySetResult();
        }

        await mapping.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_store_that_fails_to_open_still_fails_MapApiRoutes_with_its_error()
    {
        await using var app = App(_ => throw new ApiRoutesStartupException("The execution store cannot be opened (test)."));

        var error = Assert.Throws<ApiRoutesStartupException>(() => app.MapApiRoutes());

        Assert.Equal("The execution store cannot be opened (test).", error.Message);
    }

    private static WebApplication App(Func<IServiceProvider, IExecutionStore> openStore)
    {
        var manifest = TestManifest.Write(Create(StandardRoute("/api/hello/{name}", typeof(Hello)), BackgroundRoute("/api/slow", typeof(Slow))));
        var builder = WebApplication.CreateBuilder(["--urls=http://127.0.0.1:0", $"--ApiRoutes:ManifestPath={manifest}"]);
        builder.Services.AddSingleton<Probe>().AddScoped<ScopedCounter>();
        builder.Services.AddApiRoutes();
        builder.Services.Replace(ServiceDescriptor.Singleton(openStore));
        return builder.Build();
    }

    // The route patterns mapped so far; null when read while the mapping thread added to a list (none is thread-safe). A
    // copy of a list taken while it grows may hold an empty slot (ci76: a null data source), so nulls are skipped, and a
    // data source read mid-change may throw any of these: the poll reads again.
    private static List<string?>? Routes(IEndpointRouteBuilder endpoints)
    {
        try
        {
            return endpoints.DataSources.ToList().OfType<EndpointDataSource>().SelectMany(source => source.Endpoints).OfType<RouteEndpoint>()
                .Select(e => e.RoutePattern.RawText).ToList();
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or NullReferenceException)
        {
            return null;   // a list read as the mapping thread added to it
        }
    }
}
