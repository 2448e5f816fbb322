using System.Net;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

public class StandardRouteTests
{
    [Fact]
    public async Task A_standard_route_answers_with_its_handler_created_per_request_from_DI()
    {
        await using var server = await TestServer.StartAsync(Create(StandardRoute("/api/hello/{name}", typeof(Hello))));

        var first = await server.Client.GetStringAsync("/api/hello/ada");
        var second = await server.Client.GetStringAsync("/api/HELLO/bob?x=1");

        Assert.StartsWith("hello ada #", first, StringComparison.Ordinal);
        Assert.StartsWith("hello bob #", second, StringComparison.Ordinal);
        Assert.NotEqual(first.Split('#')[1], second.Split('#')[1]);
        Assert.Equal(["GET /api/hello/ada", "GET /api/HELLO/bob"], server.Probe.All.Select(i => $"{i.Method} {i.Path}"));
    }

    [Theory]
    [InlineData("/api/nothing-here")]
    [InlineData("/api/hello")]          // the template needs a name
    [InlineData("/")]
    public async Task Unknown_paths_answer_404(string path)
    {
        await using var server = await TestServer.StartAsync(Create(StandardRoute("/api/hello/{name}", typeof(Hello))));

        var response = await server.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task A_failing_handler_is_a_500_without_details_in_production_and_is_logged()
    {
        await using var server = await TestServer.StartAsync(Create(StandardRoute("/api/throws", typeof(Throws))));

        var response = await server.Client.GetAsync("/api/throws");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.DoesNotContain("exploded", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains(server.Logs, line => line.StartsWith("ApiRoutes[1002] Error: Route /api/throws failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failing_handler_shows_the_developer_exception_page_in_development()
    {
        await using var server = await TestServer.StartAsync(Create(StandardRoute("/api/throws", typeof(Throws))), environment: "Development");

        var response = await server.Client.GetAsync("/api/throws");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("handler exploded", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_up_prints_the_route_table()
    {
        await using var server = await TestServer.StartAsync(Create(
            StandardRoute("/api/hello/{name}", typeof(Hello)),
            BackgroundRoute("/api/slow", typeof(Slow)),
            ScheduledRoute("/api/tick", typeof(Tick), "@hourly")));

        var table = Assert.Single(server.Logs, line => line.StartsWith("ApiRoutes[1000]", StringComparison.Ordinal));

        Assert.Contains("/api/hello/{name}  standard", table, StringComparison.Ordinal);
        Assert.Contains("/api/slow          background", table, StringComparison.Ordinal);
        Assert.Contains("/api/tick          scheduled @hourly  2026-01-01T01:00:00.000Z", table, StringComparison.Ordinal);
    }
}
