using System.Net;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Features;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// The request path of a standard route (bench/load/README.md, "/api/hello, fifth pass"): a handler without constructor
/// services costs no request scope; disposable handlers are still disposed; a handler that finishes at once, one that
/// waits and one that throws are answered and logged as before.
/// </summary>
public class StandardRoutePathTests
{
    private static readonly string[] Routes = ["/api/plain", "/api/later", "/api/throws-at-once", "/api/disposed", "/api/disposed-async", "/api/hello/{name}"];

    private static Task<TestServer> StartAsync() => TestServer.StartAsync(
        Create(
            StandardRoute(Routes[0], typeof(Plain)),
            StandardRoute(Routes[1], typeof(Later)),
            StandardRoute(Routes[2], typeof(ThrowsAtOnce)),
            StandardRoute(Routes[3], typeof(DisposedAfter)),
            StandardRoute(Routes[4], typeof(DisposedAsyncAfter)),
            StandardRoute(Routes[5], typeof(Hello))),
        middleware: app => app.Use(async (context, next) =>
        {
            await next(context);
            // Whether anything asked for the request's services (ASP.NET Core creates the scope, and this feature, then).
            RequestPath.Record(context, context.Features.Get<IServiceProvidersFeature>() is null ? "no scope" : "scope");
        }));

    [Fact]
    public async Task A_handler_without_constructor_services_answers_without_a_request_scope()
    {
        await using var server = await StartAsync();

        var (plainId, servicesId) = (Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("N"));

        var plain = await server.Client.GetStringAsync($"/api/plain?id={plainId}");
        var withServices = await server.Client.GetStringAsync($"/api/hello/ada?id={servicesId}");

        Assert.Equal("plain", plain);
        Assert.Equal(["no scope"], RequestPath.Of(plainId));
        Assert.StartsWith("hello ada #", withServices, StringComparison.Ordinal);
        Assert.Equal(["scope"], RequestPath.Of(servicesId));
    }

    [Fact]
    public async Task A_handler_that_finishes_at_once_and_one_that_waits_are_both_logged_as_served()
    {
        await using var server = await StartAsync();

        Assert.Equal("plain", await server.Client.GetStringAsync("/api/plain"));
        Assert.Equal("later", await server.Client.GetStringAsync("/api/later"));

        Assert.Contains("ApiRoutes[1001] Debug: Route /api/plain served 200", server.Logs);
        Assert.Contains("ApiRoutes[1001] Debug: Route /api/later served 200", server.Logs);
    }

    [Fact]
    public async Task A_handler_that_throws_before_returning_a_task_is_a_500_and_logged()
    {
        await using var server = await StartAsync();

        var response = await server.Client.GetAsync("/api/throws-at-once");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.DoesNotContain("thrown at once", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains(server.Logs, line => line.StartsWith("ApiRoutes[1002] Error: Route /api/throws-at-once failed", StringComparison.Ordinal));
        Assert.DoesNotContain(server.Logs, line => line.StartsWith("ApiRoutes[1001] Debug: Route /api/throws-at-once", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/api/disposed", "disposed")]
    [InlineData("/api/disposed-async", "disposed async")]
    public async Task A_disposable_handler_is_disposed_after_it_handled_the_request(string path, string disposal)
    {
        await using var server = await StartAsync();
        var id = Guid.NewGuid().ToString("N");

        var response = await server.Client.GetAsync($"{path}?id={id}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // Disposed before the endpoint returned (the middleware around it records last); still no request scope.
        Assert.Equal(["handled", disposal, "no scope"], RequestPath.Of(id));
    }
}
