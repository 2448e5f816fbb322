using System.Net;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// Review 39b F2: an app that maps MVC controllers or Razor Pages beside its routes, as README invites an existing app
/// to. RouteChanges gave MVC's action descriptors the change token of the app's composite endpoint source, MVC's own
/// among its sources: each rebuild of MVC's actions changed it again, and start-up ended in a stack overflow (exit 134).
/// </summary>
public sealed class MvcBesideRoutesTests
{
    [Fact]
    public async Task An_app_with_controllers_starts_and_serves_both()
    {
        await using var server = await TestServer.StartAsync(
            Create(StandardRoute("/api/hello/{name}", typeof(Hello))),
            services: services => services.AddControllers().AddApplicationPart(typeof(LegacyController).Assembly),
            map: app => app.MapControllers());

        using var route = await server.Client.GetAsync("/api/hello/you");
        using var controller = await server.Client.GetAsync("/legacy");

        Assert.Equal(HttpStatusCode.OK, route.StatusCode);
        Assert.Equal((HttpStatusCode.OK, "from a controller"), (controller.StatusCode, await controller.Content.ReadAsStringAsync()));
    }

    // Review 39b F3: the build cannot see the app's own endpoints; one with a route's template took its GETs silently
    // (or failed every one with 500). Said once the app has started, when MapControllers after MapApiRoutes has mapped too.
    [Fact]
    public async Task A_controller_or_minimal_api_with_a_route_s_template_is_warned_of_at_start()
    {
        await using var server = await TestServer.StartAsync(
            Create(StandardRoute("/api/hello/{name}", typeof(Hello)), StandardRoute("/legacy", typeof(Hello))),
            services: services => services.AddControllers().AddApplicationPart(typeof(LegacyController).Assembly),
            map: app =>
            {
                app.MapGet("/API/Hello/{who}", () => "minimal");
                app.MapPost("/api/hello/{who}/more", () => "elsewhere");
                app.MapControllers();
            });

        await server.WaitForLogAsync(
            "ApiRoutes[1006] Warning: Route /api/hello/{name} (ApiRoutes.Runtime.Tests.Handlers.Hello) and the app's endpoint HTTP: GET /API/Hello/{who} match the same requests (routing ranks their templates the same), and both answer GET:");
        await server.WaitForLogAsync(
            "ApiRoutes[1006] Warning: Route /legacy (ApiRoutes.Runtime.Tests.Handlers.Hello) and the app's endpoint ApiRoutes.Runtime.Tests.LegacyController.Get (ApiRoutes.Runtime.Tests) match the same requests (routing ranks their templates the same), and both answer GET:");
    }

    // Review 39g: templates that are not written the same but that routing ranks the same, and that share a value at
    // each place, fail such a request with 500 (AmbiguousMatchException); they were not warned of. One that outranks
    // the other (a parameter with a constraint, over one without) is not a tie.
    [Fact]
    public async Task Templates_routing_ranks_the_same_fail_a_request_with_500_and_are_warned_of()
    {
        await using var server = await TestServer.StartAsync(
            Create(StandardRoute("/api/orders/{id:long}", typeof(Hello)), StandardRoute("/api/items/{id}", typeof(Hello)), StandardRoute("/api/users/{id}", typeof(Hello)), StandardRoute("/api/files/{file:file}", typeof(Hello))),
            map: app =>
            {
                app.MapGet("/api/users/{id:int}", () => "minimal");   // first: a warning of it would come before the others'
                app.Map("/api/orders/{n:int}", () => "minimal");   // any method, as the routes: neither names GET
                app.Map("/api/items/{id?}", () => "minimal");
                app.Map("/api/files/{name}.{ext}", () => "minimal");
            });

        using var orders = await server.Client.GetAsync("/api/orders/42");
        using var items = await server.Client.GetAsync("/api/items/1");
        using var users = await server.Client.GetAsync("/api/users/1");
        using var user = await server.Client.GetAsync("/api/users/ann");
        using var file = await server.Client.GetAsync("/api/files/report.pdf");

        Assert.Equal(HttpStatusCode.InternalServerError, orders.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, items.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, file.StatusCode);
        Assert.Equal((HttpStatusCode.OK, "minimal"), (users.StatusCode, await users.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.OK, user.StatusCode);
        await server.WaitForLogAsync("ApiRoutes[1006] Warning: Route /api/orders/{id:long} (ApiRoutes.Runtime.Tests.Handlers.Hello) and the app's endpoint /api/orders/{n:int} match the same requests (routing ranks their templates the same), and both answer any method:");
        await server.WaitForLogAsync("ApiRoutes[1006] Warning: Route /api/items/{id} (ApiRoutes.Runtime.Tests.Handlers.Hello) and the app's endpoint /api/items/{id?} match the same requests (routing ranks their templates the same), and both answer any method:");
        await server.WaitForLogAsync("ApiRoutes[1006] Warning: Route /api/files/{file:file} (ApiRoutes.Runtime.Tests.Handlers.Hello) and the app's endpoint /api/files/{name}.{ext} match the same requests");
        Assert.DoesNotContain(server.Logs, line => line.StartsWith("ApiRoutes[1006]", StringComparison.Ordinal) && line.Contains("/api/users/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_app_with_razor_pages_starts_and_serves_its_routes()
    {
        await using var server = await TestServer.StartAsync(
            Create(StandardRoute("/api/hello/{name}", typeof(Hello))),
            services: services => services.AddRazorPages(),
            map: app => app.MapRazorPages());

        using var route = await server.Client.GetAsync("/api/hello/you");

        Assert.Equal(HttpStatusCode.OK, route.StatusCode);
    }
}

/// <summary>A controller of the app, beside its ApiRoutes handlers.</summary>
[ApiController]
[Route("legacy")]
public sealed class LegacyController : ControllerBase
{
    [HttpGet]
    public string Get() => "from a controller";
}
