using System.Collections.ObjectModel;
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
            // The store opens only once the routes are mapped: were mapping to wait for the store, the wait for the routes
            // below would time out first (30 s, before this one).
            mapped.Task.Wait(TimeSpan.FromSeconds(60));
            return new InMemoryExecutionStore(TimeProvider.System);
        });

        // The app's own builder, but with a list of data sources that takes additions from the mapping thread under a lock
        // and says when the first (the routes') came: read from this thread at that moment, not polled while another list
        // grows on the mapping thread (none of ASP.NET Core's is thread-safe: ci76 read an empty slot).
        var endpoints = new WatchedEndpoints(app);
        var mapping = Task.Run(() => endpoints.MapApiRoutes());

        try
        {
            var routes = await endpoints.FirstSource.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(["/api/hello/{name}", "/api/slow"], routes.Endpoints.OfType<RouteEndpoint>().Select(e => e.RoutePattern.RawText).Order(StringComparer.Ordinal));
            Assert.False(mapping.IsCompleted, "MapApiRoutes returned before the store was open.");
        }
        finally
        {
            mapped.TrySetResult();
        }

        await mapping.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains(endpoints.Sources(), source => source.Endpoints.OfType<RouteEndpoint>().Any(e => e.RoutePattern.RawText == "/api/slow"));
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

    private sealed class WatchedEndpoints(WebApplication app) : IEndpointRouteBuilder
    {
        private readonly SignallingList _sources = new();

        public Task<EndpointDataSource> FirstSource => _sources.First.Task;

        public IServiceProvider ServiceProvider => app.Services;

        public ICollection<EndpointDataSource> DataSources => _sources;

        public IApplicationBuilder CreateApplicationBuilder() => ((IEndpointRouteBuilder)app).CreateApplicationBuilder();

        public List<EndpointDataSource> Sources()
        {
            lock (_sources.Gate)
            {
                return [.. _sources];
            }
        }
    }

    private sealed class SignallingList : Collection<EndpointDataSource>
    {
        public Lock Gate { get; } = new();

        public TaskCompletionSource<EndpointDataSource> First { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override void InsertItem(int index, EndpointDataSource item)
        {
            lock (Gate)
            {
                base.InsertItem(index, item);
            }

            First.TrySetResult(item);
        }
    }
}
