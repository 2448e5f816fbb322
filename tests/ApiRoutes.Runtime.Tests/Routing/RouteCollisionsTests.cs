using ApiRoutes.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace ApiRoutes.Runtime.Tests.Routing;

/// <summary>Which of the app's own endpoints routing cannot tell from a route (review 39b F3), and which it can.</summary>
public sealed class RouteCollisionsTests
{
    [Theory]
    [InlineData("/api/users/{id}", null, "/API/Users/{name}", null, "any method")]
    [InlineData("/api/users/{id}", null, "/api/users/{id}", "GET", "GET")]
    [InlineData("/api/users/{id}", "GET,POST", "/api/users/{key}", "post,PUT", "POST")]
    [InlineData("/api/files/{*path}", null, "/api/files/{**rest}", null, "any method")]
    [InlineData("/api/pages/{page?}", null, "/api/pages/{n=1}", null, "any method")]
    [InlineData("/api/users/{id:int}", null, "/api/users/{key:int}", "GET", "GET")]
    [InlineData("/api/users/{id:int}", null, "/api/users/{id:long}", null, "any method")]
    [InlineData("/api/users/{id:min(1)}", null, "/api/users/{id:int}", null, "any method")]
    [InlineData("/api/users/{id:regex(^\\d+$)}", null, "/api/users/{id:int}", null, "any method")]
    [InlineData("/api/users/{id}", null, "/api/users/{id?}", null, "any method")]
    [InlineData("/api/users/{id}/orders", null, "/api/users/{user=me}/orders", null, "any method")]
    [InlineData("/orders/{id:range(1000,9999)}", null, "/orders/{id:int}", null, "any method")]
    [InlineData("/{lang:length(2)}/docs", null, "/{lang:alpha}/docs", null, "any method")]
    [InlineData("/codes/{code:min(1000)}", null, "/codes/{code:long}", null, "any method")]
    [InlineData("/orders/{id:range(10000,99999)}", null, "/orders/{id:int}", null, "any method")]
    [InlineData("/temps/{n:range(-100,-50)}", null, "/temps/{n:int}", null, "any method")]
    [InlineData("/files/{name}.{ext}", null, "/files/{file:file}", null, "any method")]
    [InlineData("/v/{major}.{minor}", null, "/v/{version:double}", null, "any method")]
    [InlineData("/files/{name}.{ext}", null, "/files/{name}.txt", null, "any method")]
    [InlineData("/files/{name:int}.{ext}", null, "/files/{n}.{e}", null, "any method")]
    [InlineData("/files/{name}.json", null, "/files/{name}.{ext}", null, "any method")]
    [InlineData("/files/{name}.json", null, "/files/{f:file}", null, "any method")]
    [InlineData("/locales/{lang}-{region}", null, "/locales/{code:length(5)}", null, "any method")]
    [InlineData("/pairs/{a}_{b}", null, "/pairs/{s:minlength(2)}", null, "any method")]
    [InlineData("/texts/{t:minlength(1024)}", null, "/texts/{t:alpha}", null, "any method")]
    public void An_endpoint_routing_matches_as_the_route_collides(string route, string? routeMethods, string other, string? otherMethods, string methods)
    {
        var (found, with, common) = Assert.Single(RouteCollisions.Find([Endpoint(route, routeMethods)], [Endpoint(other, otherMethods)], Policies));

        Assert.Equal((route, other, methods), (found.RoutePattern.RawText, with.RoutePattern.RawText, common));
    }

    [Theory]
    [InlineData("/api/users/{id}", "POST", "/api/users/{id}", "GET")]
    [InlineData("/api/users/{id:int}", null, "/api/users/{id}", null)]
    [InlineData("/api/users/{id}", null, "/api/users/{id}/orders", null)]
    [InlineData("/api/users", null, "/api/user", null)]
    [InlineData("/api/files/{*path}", null, "/api/files/{path}", null)]
    [InlineData("/api/users/{id:int}", null, "/api/users/{id:guid}", null)]
    [InlineData("/api/users/{id:int}", null, "/api/users/{name:alpha}", null)]
    [InlineData("/api/users/{id:length(3)}", null, "/api/users/{id:length(5)}", null)]
    [InlineData("/api/users/{id:int}", null, "/api/users/{id:NoSuchConstraint}", null)]
    [InlineData("/api/{{x}}", null, "/api/{x}", null)]
    [InlineData("/orders/{id:range(1000,9999)}", null, "/orders/{id:range(1,999)}", null)]
    [InlineData("/files/{name}.{ext}", null, "/files/{id:int}", null)]
    [InlineData("/files/{name:int}.{ext}", null, "/files/{name:alpha}.{ext}", null)]
    [InlineData("/files/{name}.{ext}", null, "/files/{name}", null)]
    public void An_endpoint_routing_tells_apart_does_not(string route, string? routeMethods, string other, string? otherMethods)
    {
        Assert.Empty(RouteCollisions.Find([Endpoint(route, routeMethods)], [Endpoint(other, otherMethods)], Policies));
    }

    // Review 40b B3: routing takes the lower Order first, whatever the templates: no request fails.
    [Fact]
    public void Endpoints_of_another_order_do_not_tie()
    {
        Assert.Empty(RouteCollisions.Find([Endpoint("/api/users/{id}", null)], [Endpoint(RoutePatternFactory.Parse("/api/users/{id}"), null, order: 1)], Policies));
    }

    // An MVC conventional route's {controller} and {action} are the values they stand for, as routing ranks them.
    [Fact]
    public void A_parameter_with_a_required_value_ranks_as_that_value()
    {
        var conventional = RoutePatternFactory.Parse("/{controller}/{action}", defaults: null, parameterPolicies: null, requiredValues: new { controller = "Home", action = "Index" });
        var action = Endpoint(conventional, null);

        Assert.Empty(RouteCollisions.Find([Endpoint("/{a}/{b}", null)], [action], Policies));
        Assert.Single(RouteCollisions.Find([Endpoint("/home/INDEX", null)], [action], Policies));
    }

    [Fact]
    public void Endpoints_that_are_not_route_endpoints_are_skipped()
    {
        Assert.Empty(RouteCollisions.Find([Endpoint("/api/x", null)], [new Endpoint(_ => Task.CompletedTask, EndpointMetadataCollection.Empty, "not routed")]));
    }

    // Routing's own constraints, as the app's services make them.
    private static readonly ParameterPolicyFactory Policies =
        new ServiceCollection().AddLogging().AddRouting().BuildServiceProvider().GetRequiredService<ParameterPolicyFactory>();

    private static RouteEndpoint Endpoint(string template, string? methods) => Endpoint(RoutePatternFactory.Parse(template), methods);

    private static RouteEndpoint Endpoint(RoutePattern pattern, string? methods, int order = 0)
    {
        var builder = new RouteEndpointBuilder(_ => Task.CompletedTask, pattern, order);
        if (methods is not null)
        {
            builder.Metadata.Add(new HttpMethodMetadata(methods.Split(',')));
        }

        return (RouteEndpoint)builder.Build();
    }
}
