using System.Net;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>[ApiRoute(Methods = …)] as the runtime honours it: other methods get 405 with Allow; without it, any method.</summary>
public sealed class MethodRestrictionTests
{
    [Fact]
    public async Task A_restricted_route_answers_its_methods_and_405_with_Allow_to_others()
    {
        await using var server = await TestServer.StartAsync(Create(
            StandardRoute("/api/hello/{name}", typeof(Hello)) with { Methods = ["GET", "HEAD"] },
            StandardRoute("/api/any/{name}", typeof(Hello))));

        var get = await server.Client.GetAsync("/api/hello/ada");
        var post = await server.Client.PostAsync("/api/hello/ada", null);
        var put = await server.Client.PutAsync("/api/any/bob", null);

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        Assert.Equal(["GET", "HEAD"], post.Content.Headers.Allow.Order(StringComparer.Ordinal));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);   // the default stays any method, as on the platform
        Assert.Equal(["GET /api/hello/ada", "PUT /api/any/bob"], server.Probe.All.Select(i => $"{i.Method} {i.Path}"));
    }

    [Fact]
    public async Task A_restricted_background_route_accepts_nothing_for_another_method()
    {
        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/report", typeof(Slow)) with { Methods = ["POST"] }));

        var refused = await server.Client.GetAsync("/api/report");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, refused.StatusCode);
        Assert.Equal(["POST"], refused.Content.Headers.Allow);
        Assert.False(refused.Headers.Contains("X-ApiRoutes-Execution-Id"));
        Assert.Empty(server.Executions.Snapshot());
    }
}
