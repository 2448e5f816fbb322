using System.Net;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// A custom route constraint ([ApiRoute("/api/x/{n:even}")], AR2101 at build time): unregistered, the app stops at
/// start-up naming it, instead of answering 500 to every request; registered, it routes.
/// </summary>
public sealed class RouteConstraintStartupTests
{
    [Fact]
    public void An_unregistered_constraint_stops_start_up_with_one_line_that_says_how_to_register_it()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Services.AddApiRoutes(o =>
        {
            o.ManifestPath = TestManifest.Write(Create(StandardRoute("/api/hello", typeof(Hello)), StandardRoute("/api/x/{n:even}", typeof(Hello))));
            o.Store.Provider = StoreProvider.InMemory;
        });
        using var app = builder.Build();

        var error = Assert.Throws<ApiRoutesManifestException>(() => app.MapApiRoutes());

        Assert.Equal(
            $"The route '/api/x/{{n:even}}' of {typeof(Hello).FullName} uses the route constraint 'even', which is not built "
            + "into ASP.NET Core and is not registered, so no request could be routed. Register it before the app is built: "
            + "builder.Services.Configure<RouteOptions>(o => o.SetParameterPolicy<EvenConstraint>(\"even\")) "
            + "(or AddRouting(o => o.ConstraintMap[\"even\"] = typeof(...))); or correct the constraint in [ApiRoute].",
            error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    // Review 7, R7-2, and review 9, R9-6: with the check and the store's open beside the mapping, the route table was
    // announced as served (1000) before the start failed on the constraint, or on a store that cannot be opened.
    [Theory]
    [InlineData("/api/x/{n:even}", false, false)]
    [InlineData("/api/x/{n:int}", false, true)]
    [InlineData("/api/x/{n:int}", true, false)]
    public void The_route_table_is_announced_only_once_the_start_can_no_longer_fail(string template, bool storeUnderAFile, bool announced)
    {
        var logs = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders().AddProvider(new ListLoggerProvider(logs));
        var file = Path.GetTempFileName();   // a file, where the SQLite store's folder would be
        builder.Services.AddApiRoutes(o =>
        {
            o.ManifestPath = TestManifest.Write(Create(StandardRoute(template, typeof(Hello))));
            o.Store.Provider = storeUnderAFile ? StoreProvider.Sqlite : StoreProvider.InMemory;
            o.Store.Path = Path.Combine(file, "executions.db");
        });
        using var app = builder.Build();

        var error = Record.Exception(() => app.MapApiRoutes());
        File.Delete(file);

        Assert.Equal(announced, error is null);
        Assert.Equal(storeUnderAFile, error?.Message.Contains("cannot be opened", StringComparison.Ordinal) == true);
        Assert.Equal(announced, logs.Any(line => line.StartsWith("ApiRoutes[1000]", StringComparison.Ordinal)));
    }

    [Fact]
    public void An_unregistered_constraint_is_the_error_reported_when_a_later_step_of_the_mapping_fails_too()
    {
        // The constraint check runs beside the mapping; it was the first step, so its error stays the one reported.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.Services.AddApiRoutes(o =>
        {
            o.ManifestPath = TestManifest.Write(Create(StandardRoute("/api/x/{n:even}", typeof(Hello))));
            o.Store.Provider = StoreProvider.InMemory;
            o.Dashboard.Enabled = true;   // outside Development without a token: the mapping itself fails too
        });
        using var app = builder.Build();

        var error = Assert.Throws<ApiRoutesManifestException>(() => app.MapApiRoutes());

        Assert.Contains("uses the route constraint 'even'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_registered_constraint_routes_and_built_in_ones_with_arguments_need_nothing()
    {
        var manifest = Create(StandardRoute("/api/x/{n:even}", typeof(Hello)), StandardRoute("/api/r/{n:range(1,10)}/{s:regex(^a+$)}", typeof(Hello)));
        await using var server = await TestServer.StartAsync(manifest, services: services =>
            services.Configure<RouteOptions>(o => o.SetParameterPolicy<EvenConstraint>("even")));

        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/api/x/2")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync("/api/x/3")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/api/r/5/aa")).StatusCode);
    }

    [Fact]
    public async Task An_app_of_its_own_on_the_slim_builder_serves_the_regex_constraint()
    {
        // CreateSlimBuilder registers a stand-in for regex that throws at the first request: every request, whatever its
        // path, was answered 500. Alpha is built in on every builder; it is here as the build accepts both.
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSingleton<Probe>().AddScoped<ScopedCounter>();
        builder.Services.AddApiRoutes(o =>
        {
            o.ManifestPath = TestManifest.Write(Create(StandardRoute("/api/hello", typeof(Hello)), StandardRoute("/api/r/{s:alpha}/{n:regex(^\\d+$)}", typeof(Hello))));
            o.Store.Provider = StoreProvider.InMemory;
        });
        await using var app = builder.Build();
        app.MapApiRoutes();
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = Probe.Patience };

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/hello")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/r/abc/42")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/r/abc/4x")).StatusCode);
        await app.StopAsync();
    }

    private sealed class EvenConstraint : IRouteConstraint
    {
        public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
            values.TryGetValue(routeKey, out var value) && int.TryParse(value?.ToString(), out var number) && number % 2 == 0;
    }
}
