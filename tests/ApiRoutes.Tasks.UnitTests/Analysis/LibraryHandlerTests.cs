using ApiRoutes.Tasks.UnitTests.Infrastructure;

namespace ApiRoutes.Tasks.UnitTests.Analysis;

/// <summary>AR0102: handlers compiled into a referenced class library are not routes, and the app's build says so.</summary>
public sealed class LibraryHandlerTests
{
    [Fact]
    public void A_concrete_handler_in_a_referenced_library_warns_at_its_declaration_and_is_not_a_route()
    {
        using var library = new TestProject("Shared").Source("Api/Ping.cs", """
            namespace Shared.Api;

            public sealed class Ping : IApiHandler
            {
                public Task HandleAsync(HttpContext context) => Task.CompletedTask;
            }

            public abstract class JsonHandler : IApiHandler
            {
                public Task HandleAsync(HttpContext context) => Task.CompletedTask;
            }

            internal sealed class Hidden : IApiHandler
            {
                public Task HandleAsync(HttpContext context) => Task.CompletedTask;
            }
            """);
        using var project = new TestProject().Reference(library).Source("Api/Hello.cs", """
            namespace Shop.Api;

            public sealed class Hello : Shared.Api.JsonHandler { }
            """);

        var result = project.Analyze();

        // Only Ping: the abstract base is how an app shares handler code, and an internal class could not be a route.
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("AR0102", diagnostic.Code);
        Assert.Equal((Path.Combine(library.Directory, "Api", "Ping.cs"), 3, 21), (diagnostic.Location!.File, diagnostic.Location.Line, diagnostic.Location.Column));
        Assert.Equal(
            "'Shared.Api.Ping' in the class library 'Shared' is not a route: ApiRoutes serves only the handlers compiled "
            + "into the app ('Shop'). Move the class into the app project, or make it abstract and derive the route from it in the app.",
            diagnostic.Message);
        Assert.Equal(["/api/hello"], result.Manifest!.Routes.Select(route => route.Route));
    }

    [Fact]
    public void A_library_that_does_not_reference_ApiRoutes_is_not_looked_into()
    {
        using var library = new TestProject("Plain").Source("Model.cs", "namespace Plain; public sealed class Model { }");
        using var project = new TestProject().Reference(library).Source("Api/Hello.cs", """
            namespace Shop.Api;

            public sealed class Hello : IApiHandler
            {
                public Task HandleAsync(HttpContext context) => Task.CompletedTask;
            }
            """);

        Assert.Empty(project.Analyze().Diagnostics);
    }

    // Review 27a F2: what AR0102 advises, an abstract base in the library and the route derived in the app, kept the
    // base's [ScheduledRoute] (not inherited) where it does nothing: the app's class was a standard route, silently.
    [Fact]
    public void A_handler_whose_base_class_carries_a_route_attribute_is_told_that_it_does_not_apply()
    {
        using var library = new TestProject("Shared").Source("Jobs/Nightly.cs", """
            namespace Shared.Jobs;

            [ScheduledRoute("0 3 * * *")]
            public abstract class NightlyJob : IApiHandler
            {
                public Task HandleAsync(HttpContext context) => Task.CompletedTask;
            }

            public abstract class Middle : NightlyJob { }
            """);
        using var project = new TestProject().Reference(library).Source("Api/Cleanup.cs", """
            namespace Shop.Api;

            public sealed class Cleanup : Shared.Jobs.Middle { }

            [ScheduledRoute("0 4 * * *")]
            public sealed class Backup : Shared.Jobs.NightlyJob { }
            """);

        var result = project.Analyze();

        Assert.Equal(["AR1102", "AR1102"], result.Diagnostics.Select(d => d.Code));
        var cleanup = result.Diagnostics.Single(d => d.Message.StartsWith("'Shop.Api.Cleanup'", StringComparison.Ordinal));
        Assert.Equal((Path.Combine(project.Directory, "Api", "Cleanup.cs"), 3, 21), (cleanup.Location!.File, cleanup.Location.Line, cleanup.Location.Column));
        Assert.Equal(
            "'Shop.Api.Cleanup' derives from 'Shared.Jobs.NightlyJob', whose [ScheduledRoute] does not apply to it: route attributes are "
            + "not inherited. Put the attribute on 'Shop.Api.Cleanup' itself, and remove it from 'Shared.Jobs.NightlyJob'.",
            cleanup.Message);
        Assert.Equal([("/api/backup", "scheduled"), ("/api/cleanup", "standard")], result.Manifest!.Routes.Select(route => (route.Route, route.Kind.ToString().ToLowerInvariant())));
    }
}
