using System.Net;
using System.Text.Json;
using ApiRoutes.Development;
using ApiRoutes.Manifest;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Scheduling;
using ApiRoutes.Storage;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Development;

/// <summary>
/// The swap the development loop makes, on the real runtime on Kestrel: a new manifest moves routes at once (the old
/// path answers 404, the new one its handler; the dashboard and on-demand schedules follow), and a manifest that
/// cannot be served changes nothing.
/// </summary>
public sealed class RouteTableSwapTests
{
    [Fact]
    public async Task A_new_manifest_moves_routes_and_schedules_at_once()
    {
        await using var server = await TestServer.StartAsync(
            Create(StandardRoute("/api/hello/{name}", typeof(Hello)), ScheduledRoute("/api/tick", typeof(Tick), "@hourly")),
            environment: "Development");
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/api/hello/ann")).StatusCode);

        var count = server.Services.GetRequiredService<RouteTableSwap>().Apply(Write(Create(
            StandardRoute("/api/greetings/{name}", typeof(Hello)),
            ScheduledRoute("/api/tick", typeof(Tick), "*/5 * * * *"))));

        Assert.Equal(2, count);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync("/api/hello/ann")).StatusCode);
        Assert.StartsWith("hello bob", await server.Client.GetStringAsync("/api/greetings/bob"), StringComparison.Ordinal);
        using var routes = JsonDocument.Parse(await server.Client.GetStringAsync("/_apiroutes/api/routes"));
        var listed = routes.RootElement.EnumerateArray().ToDictionary(r => r.GetProperty("route").GetString()!);
        Assert.Equal(["/api/greetings/{name}", "/api/tick"], listed.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("*/5 * * * *", listed["/api/tick"].GetProperty("schedule").GetProperty("expression").GetString());
        Assert.Equal("2026-01-01T00:05:00.000Z", listed["/api/tick"].GetProperty("schedule").GetProperty("nextRuns")[0].GetString());
    }

    [Fact]
    public async Task With_the_scheduler_on_in_development_schedules_changed_added_and_removed_are_followed()
    {
        // Review 16a F7: with ApiRoutes:Scheduling:Enabled in Development the scheduler kept the schedules it started with
        // until the app restarted: a changed expression ran on the old one, an added schedule never ran, a removed one ran on.
        await using var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/tick", typeof(Tick), "@hourly"), ScheduledRoute("/api/gone", typeof(Tick), "*/10 * * * *")),
            environment: "Development",
            options: o => o.Scheduling.Enabled = true);
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T01:00:00");
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/gone waiting for 2026-01-01T00:10:00");
        var swap = server.Services.GetRequiredService<RouteTableSwap>();

        swap.Apply(Write(Create(ScheduledRoute("/api/tick", typeof(Tick), "*/5 * * * *"), ScheduledRoute("/api/new", typeof(Tick), "*/10 * * * *"))));

        await server.WaitForLogAsync("ApiRoutes[3000] Information: Schedule /api/tick registered (*/5 * * * *, UTC); next run at 2026-01-01T00:05:00");
        await server.WaitForLogAsync("ApiRoutes[3000] Information: Schedule /api/new registered (*/10 * * * *, UTC); next run at 2026-01-01T00:10:00");
        await server.WaitForLogAsync("ApiRoutes[3022] Information: Schedule /api/gone is no longer served as a scheduled route and stops");
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T00:05:00");
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/new waiting for 2026-01-01T00:10:00");

        server.FakeTime.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal("/api/tick", (await server.Probe.NextAsync()).Path);
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T00:10:00");
        // Its run over before the clock moves on (else 00:10 would overlap it, and be skipped).
        await server.Services.GetRequiredService<ScheduledRuns>().WhenAllEndedAsync().WaitAsync(Probe.Patience);

        // A swap that leaves a schedule as it was goes on with it: not registered again, its next occurrence neither run
        // twice nor passed over.
        swap.Apply(Write(Create(ScheduledRoute("/api/tick", typeof(Tick), "*/5 * * * *"), ScheduledRoute("/api/new", typeof(Tick), "*/10 * * * *"), StandardRoute("/api/hello/{name}", typeof(Hello)))));
        server.FakeTime.Advance(TimeSpan.FromMinutes(5));
        var paths = new[] { (await server.Probe.NextAsync()).Path, (await server.Probe.NextAsync()).Path };
        Assert.Equal(["/api/new", "/api/tick"], paths.Order(StringComparer.Ordinal));
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/tick waiting for 2026-01-01T00:15:00");

        Assert.Null((await server.Services.GetRequiredService<IExecutionStore>().GetLastOccurrenceAsync("/api/gone", DateTimeOffset.MaxValue, default)).Latest);   // never claimed
        Assert.Equal(3, server.Probe.Count(nameof(Tick)));
        Assert.Single(server.Logs, line => line.StartsWith("ApiRoutes[3000] Information: Schedule /api/tick registered (*/5", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_manifest_ahead_of_hot_reload_waits_and_changes_nothing()
    {
        await using var server = await TestServer.StartAsync(Create(StandardRoute("/api/hello/{name}", typeof(Hello))), environment: "Development");
        var ahead = Create(StandardRoute("/api/new", typeof(Hello)) with { Handler = new ManifestHandler("Nowhere.NotYetApplied", typeof(Hello).Assembly.GetName().Name!) });

        Assert.Null(server.Services.GetRequiredService<RouteTableSwap>().Apply(Write(ahead)));

        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/api/hello/ann")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync("/api/new")).StatusCode);
    }

    [Fact]
    public async Task A_manifest_naming_a_type_given_up_on_is_served_without_its_routes()
    {
        // Review 30c F1: a type hot reload never applies held every other route's change back.
        await using var server = await TestServer.StartAsync(Create(StandardRoute("/api/hello/{name}", typeof(Hello))), environment: "Development");
        var unseen = StandardRoute("/api/linked", typeof(Hello)) with { Handler = new ManifestHandler("Nowhere.NeverApplied", typeof(Hello).Assembly.GetName().Name!) };
        var manifest = Write(Create(StandardRoute("/api/greetings/{name}", typeof(Hello)), unseen));

        var swapped = server.Services.GetRequiredService<RouteTableSwap>().Apply(manifest, new HashSet<string> { "Nowhere.NeverApplied" });

        Assert.Equal(1, swapped.Count);
        Assert.Equal(["Nowhere.NeverApplied"], swapped.Unapplied);
        Assert.Equal(["/api/linked"], swapped.LeftOut);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/api/greetings/ann")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync("/api/hello/ann")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync("/api/linked")).StatusCode);
    }

    [Theory]
    [InlineData("not a handler")]           // a type that exists but is no IApiHandler
    [InlineData("unregistered constraint")] // {n:even}: would make every request 500
    [InlineData("other assembly")]          // a manifest of another app
    public async Task A_manifest_that_cannot_be_served_changes_nothing(string problem)
    {
        await using var server = await TestServer.StartAsync(Create(StandardRoute("/api/hello/{name}", typeof(Hello))), environment: "Development");
        var manifest = problem switch
        {
            "not a handler" => Create(StandardRoute("/api/new", typeof(Hello)) with { Handler = new ManifestHandler(typeof(Probe).FullName!, typeof(Hello).Assembly.GetName().Name!) }),
            "unregistered constraint" => Create(StandardRoute("/api/x/{n:even}", typeof(Hello))),
            _ => Create(StandardRoute("/api/new", typeof(Hello))) with { Assembly = new ManifestAssembly("Other", "Other.dll", Guid.NewGuid()) },
        };

        Assert.Throws<ApiRoutesManifestException>(() => server.Services.GetRequiredService<RouteTableSwap>().Apply(Write(manifest)));

        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/api/hello/ann")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.GetAsync("/api/new")).StatusCode);
        using var routes = JsonDocument.Parse(await server.Client.GetStringAsync("/_apiroutes/api/routes"));
        Assert.Equal("/api/hello/{name}", Assert.Single(routes.RootElement.EnumerateArray()).GetProperty("route").GetString());
    }

    [Fact]
    public async Task Outside_dotnet_watch_the_dashboard_says_the_loop_is_off()
    {
        await using var server = await TestServer.StartAsync(Create(StandardRoute("/api/hello/{name}", typeof(Hello))), environment: "Development");

        using var status = JsonDocument.Parse(await server.Client.GetStringAsync("/_apiroutes/api/development"));

        Assert.False(status.RootElement.GetProperty("watching").GetBoolean());
        Assert.Equal(0, status.RootElement.GetProperty("version").GetInt32());
    }
}
