using ApiRoutes.Background;
using ApiRoutes.Hosting;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Scheduling;
using ApiRoutes.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// The hosted services are built on another thread while the routes are mapped (<c>HostedServicesPrebuild</c>): the host
/// still starts and stops the same instances in their order, and a service that cannot be built still fails the start.
/// </summary>
public sealed class HostedServicesPrebuildTests
{
    [Fact]
    public async Task The_host_starts_the_prebuilt_services_in_their_order_one_instance_each()
    {
        await using var server = await TestServer.StartAsync(Create(StandardRoute("/api/hello", typeof(Hello))));

        var hosted = server.Services.GetServices<IHostedService>().Where(s => s.GetType().Namespace?.StartsWith("ApiRoutes", StringComparison.Ordinal) == true).ToList();

        // The stop order (reverse) is what the drain relies on: the scheduler stops first, the lease is renewed until the end.
        Assert.Equal(
            ["LeaseRenewalService", "BackgroundWorkers", "RetryService", "StartupRecoveryService", "RetentionService", "TakeOverService", "ScheduleService", "RouteWatchService"],
            hosted.Select(s => s.GetType().Name));
        Assert.Same(server.Services.GetRequiredService<LeaseRenewalService>(), hosted[0]);
        Assert.Same(server.Services.GetRequiredService<BackgroundWorkers>(), hosted[1]);
        Assert.Same(server.Services.GetRequiredService<StartupRecoveryService>(), hosted[3]);
        Assert.Same(server.Services.GetRequiredService<RetentionService>(), hosted[4]);
        Assert.Same(server.Services.GetRequiredService<TakeOverService>(), hosted[5]);
        Assert.Same(server.Services.GetRequiredService<ScheduleService>(), hosted[6]);
    }

    [Fact]
    public async Task A_service_that_cannot_be_built_fails_the_start_where_the_host_builds_it()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddApiRoutes(o =>
        {
            o.ManifestPath = TestManifest.Write(Create(StandardRoute("/api/hello", typeof(Hello))));
            o.Store.Provider = StoreProvider.InMemory;
        });

        // The background workers and the scheduler take it; the mapping does not.
        builder.Services.AddSingleton<ScheduledRuns>(_ => throw new InvalidOperationException("no scheduled runs here"));
        await using var app = builder.Build();
        app.MapApiRoutes();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync());

        Assert.Equal("no scheduled runs here", error.Message);
    }
}
