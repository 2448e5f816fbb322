using System.Net;
using ApiRoutes.Tasks.IntegrationTests.Infrastructure;

namespace ApiRoutes.Tasks.IntegrationTests;

/// <summary>
/// A handler project with no Program.cs, built through the packed ApiRoutes package, served as a user would:
/// <c>dotnet run</c> (the development server) and the published <c>dotnet Shop.dll</c> (Production).
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class RuntimeEndToEndTests(PackageFixture package)
{
    [Fact]
    public async Task Dotnet_run_is_the_development_server_for_every_kind_of_route()
    {
        var project = Sources.Shop(package);

        await using var app = await RunningApp.StartAsync(project.Directory, project.Environment, "run", "-nodeReuse:false", "-p:UseSharedCompilation=false", "--");

        await app.WaitForOutputAsync("Hosting environment: Development", TimeSpan.FromSeconds(30));
        Assert.Equal("""{"hello":"world"}""", await app.Client.GetStringAsync("/api/hello"));
        Assert.Equal("42", await app.Client.GetStringAsync("/api/orders/42"));
        Assert.Equal(HttpStatusCode.NotFound, (await app.Client.GetAsync("/api/orders/not-a-number")).StatusCode);

        var accepted = await app.Client.PostAsync("/api/generate-report?name=weekly", null);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        await app.WaitForOutputAsync("Report weekly done", TimeSpan.FromSeconds(30));

        // In development a scheduled route runs when its path is requested.
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/api/cleanup")).StatusCode);
        await app.WaitForOutputAsync("Scheduled route /api/cleanup run on demand", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task The_published_app_serves_in_production_and_drains_on_sigterm()
    {
        var project = Sources.Shop(package);
        var publish = Path.Combine(project.Directory, "out");
        (await project.RunAsync("publish", "-o", publish)).ShouldSucceed();

        await using var app = await RunningApp.StartAsync(publish, project.Environment, "Shop.dll");

        await app.WaitForOutputAsync("Hosting environment: Production", TimeSpan.FromSeconds(30));
        Assert.Equal("""{"hello":"world"}""", await app.Client.GetStringAsync("/api/hello"));
        Assert.Equal(HttpStatusCode.NotFound, (await app.Client.GetAsync("/api/cleanup")).StatusCode);
        // Registered once the scheduler's first check ran, after the first answer (README, "Background work after the first answer").
        await app.WaitForOutputAsync("Schedule /api/cleanup registered (@hourly, UTC)", TimeSpan.FromSeconds(60));

        // The generated entry point maps the probes of a hosting platform.
        Assert.Equal("Healthy", await app.Client.GetStringAsync("/_apiroutes/health/live"));
        Assert.Equal("Healthy", await app.Client.GetStringAsync("/_apiroutes/health/ready"));

        // A background run in progress finishes before the process exits.
        Assert.Equal(HttpStatusCode.Accepted, (await app.Client.PostAsync("/api/generate-report?name=final&ms=1500", null)).StatusCode);
        await app.WaitForOutputAsync("of /api/generate-report started", TimeSpan.FromSeconds(60));
        var exitCode = await app.TerminateAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, exitCode);
        Assert.Contains("Report final done", app.Output, StringComparison.Ordinal);
        Assert.Contains("Shutting down: waiting up to", app.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_its_manifest_the_published_app_stops_with_a_clear_message()
    {
        var project = Sources.Shop(package);
        var publish = Path.Combine(project.Directory, "out");
        (await project.RunAsync("publish", "-o", publish)).ShouldSucceed();
        File.Delete(Path.Combine(publish, "apiroutes.manifest.json"));

        await using var app = await RunningApp.RunToExitAsync(publish, project.Environment, "Shop.dll");

        Assert.Equal(1, app.ExitCode);
        Assert.Contains($"ApiRoutes: The route manifest '{Path.Combine(publish, "apiroutes.manifest.json")}' does not exist.", app.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", app.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unregistered_route_constraint_stops_start_up_in_one_line_and_a_registered_one_routes()
    {
        var project = Sources.Shop(package).Write("Api/Even.cs", """
            using ApiRoutes;
            using Microsoft.AspNetCore.Http;

            namespace Shop.Api;

            [ApiRoute("/api/x/{n:even}")]
            public sealed class Even : IApiHandler
            {
                public Task HandleAsync(HttpContext context) => context.Response.WriteAsync("even");
            }
            """);

        var build = (await project.RunAsync("build")).ShouldSucceed();
        Assert.Contains("warning AR2101: The route constraint 'even' in '/api/x/{n:even}' is not built into ASP.NET Core", build.Output, StringComparison.Ordinal);

        await using (var stopped = await RunningApp.RunToExitAsync(project.OutputFolder(), project.Environment, Path.Combine(project.OutputFolder(), "Shop.dll")))
        {
            Assert.Equal(1, stopped.ExitCode);
            var line = Assert.Single(stopped.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("ApiRoutes: ", StringComparison.Ordinal));
            Assert.StartsWith("ApiRoutes: The route '/api/x/{n:even}' of Shop.Api.Even uses the route constraint 'even'", line, StringComparison.Ordinal);
            Assert.Contains("builder.Services.Configure<RouteOptions>(o => o.SetParameterPolicy<EvenConstraint>(\"even\"))", line, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", stopped.Output, StringComparison.Ordinal);
        }

        // Registered as README says, through the generated entry point's ConfigureBuilder.
        project.Write("EvenConstraint.cs", """
            using Microsoft.AspNetCore.Routing;

            internal sealed class EvenConstraint : IRouteConstraint
            {
                public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
                    int.TryParse(values[routeKey]?.ToString(), out var n) && n % 2 == 0;
            }

            internal static partial class ApiRoutesProgram
            {
                static partial void ConfigureBuilder(WebApplicationBuilder builder) =>
                    builder.Services.Configure<RouteOptions>(o => o.SetParameterPolicy<EvenConstraint>("even"));
            }
            """);
        await using var app = await RunningApp.StartAsync(project.Directory, project.Environment, "run", "-nodeReuse:false", "-p:UseSharedCompilation=false", "--");

        Assert.Equal("even", await app.Client.GetStringAsync("/api/x/2"));
        Assert.Equal(HttpStatusCode.NotFound, (await app.Client.GetAsync("/api/x/3")).StatusCode);
        Assert.Equal("""{"hello":"world"}""", await app.Client.GetStringAsync("/api/hello"));
    }
}
