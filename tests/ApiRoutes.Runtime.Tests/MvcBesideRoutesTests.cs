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
            "ApiRoutes[1006] Warning: Route /api/hello/{name} (ApiRoutes.Runtime.Tests.Handlers.Hello) has the template of the app's endpoint HTTP: GET /API/Hello/{who}, and both answer GET:");
        await server.WaitForLogAsync(
            "ApiRoutes[1006] Warning: Route /legacy (ApiRoutes.Runtime.Tests.Handlers.Hello) has the template of the app's endpoint ApiRoutes.Runtime.Tests.LegacyController.Get (ApiRoutes.Runtime.Tests), and both answer GET:");
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
