using System.Collections.Concurrent;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// The route table at start-up (event 1000) is formatted only for a log that shows Information: a Production app that
/// logs warnings only does not pay for it (next runs of every schedule) before its first request.
/// </summary>
public class StartupReportLogTests
{
    [Theory]
    [InlineData(LogLevel.Information, 1)]
    [InlineData(LogLevel.Warning, 0)]
    public void The_route_table_is_logged_at_information(LogLevel minimum, int expected)
    {
        var lines = new ConcurrentQueue<string>();
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders().AddProvider(new ListLoggerProvider(lines)).SetMinimumLevel(minimum);
        builder.Services.AddApiRoutes(o =>
        {
            o.ManifestPath = TestManifest.Write(Create(StandardRoute("/api/hello", typeof(Hello)), ScheduledRoute("/api/tick", typeof(Tick), "@hourly")));
            o.Store.Provider = StoreProvider.InMemory;
        });
        using var app = builder.Build();

        app.MapApiRoutes();

        var logged = lines.Where(line => line.StartsWith("ApiRoutes[1000] Information: ApiRoutes serving 2 route(s) from ", StringComparison.Ordinal)).ToList();
        Assert.Equal(expected, logged.Count);
        Assert.All(logged, line => Assert.Contains("/api/tick", line, StringComparison.Ordinal));
        Assert.All(logged, line => Assert.Contains("next run (UTC)", line, StringComparison.Ordinal));
    }
}
