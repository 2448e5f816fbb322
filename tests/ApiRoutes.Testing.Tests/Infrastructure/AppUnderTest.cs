using ApiRoutes.Manifest;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Testing.Tests.Handlers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace ApiRoutes.Testing.Tests.Infrastructure;

/// <summary>
/// The real runtime over a real manifest file, in memory on ASP.NET Core's test server (as WebApplicationFactory runs an
/// app), registered with AddApiRoutesTesting and attached: what WithApiRoutesTesting() does for a built app.
/// </summary>
internal sealed class AppUnderTest : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AppUnderTest(WebApplication app, ApiRoutesTestApp test)
    {
        _app = app;
        Test = test;
    }

    public ApiRoutesTestApp Test { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<AppUnderTest> StartAsync(
        RouteManifest manifest,
        Action<ApiRoutesTestOptions>? configure = null,
        string environment = "Production",
        Action<ApiRoutesOptions>? apiRoutes = null,
        Action<IServiceCollection>? services = null,
        bool mapRoutes = true)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.WebHost.UseTestServer();
        builder.Services.AddSingleton<Failures>();
        services?.Invoke(builder.Services);   // before AddApiRoutes: what is registered here replaces its defaults
        builder.Services.AddApiRoutes(o =>
        {
            o.ManifestPath = TestManifest.Write(manifest);
            apiRoutes?.Invoke(o);
        });
        var options = new ApiRoutesTestOptions();
        configure?.Invoke(options);
        builder.Services.AddApiRoutesTesting(options);

        var app = builder.Build();
        if (mapRoutes)
        {
            app.MapApiRoutes();
        }

        await app.StartAsync();
        return new AppUnderTest(app, ApiRoutesTestApp.Attach(app.Services, app.GetTestClient()));
    }

    /// <summary>
    /// Waits, 30 s of real time at most, until the handler of each execution waits on the app's clock: a test's short
    /// Patience is for what it is about, not for a worker to take a run up on a busy machine (helper 37a F3).
    /// </summary>
    public async Task UntilWaitingOnTheClockAsync(params string[] ids)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(30); !ids.All(Test.Clock.IsWaitedOnBy); await Task.Delay(10))
        {
            Assert.True(DateTime.UtcNow < deadline, $"not every one of {string.Join(", ", ids)} waits on the clock after 30 s");
        }
    }

    /// <summary>Posts to a background route and returns the execution's id.</summary>
    public async Task<string> PostAsync(string route)
    {
        using var response = await Test.Client.PostAsync(new Uri(route, UriKind.Relative), null);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return response.Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
    }

    public async ValueTask DisposeAsync()
    {
        await Test.DisposeAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}
