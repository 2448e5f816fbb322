using System.Text.Json;
using ApiRoutes.Development;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// The OpenAPI document of an app that adds Microsoft.AspNetCore.OpenApi, served by Kestrel: the user's routes with
/// their parameters and kind, and none of ApiRoutes' own endpoints (dashboard, external trigger).
/// </summary>
public sealed class OpenApiTests
{
    private static readonly string[] AnyMethod = ["get", "post", "put", "patch", "delete"];

    [Fact]
    public async Task The_document_describes_the_users_routes_and_none_of_the_dashboard_or_trigger_endpoints()
    {
        using var document = await DocumentAsync(Create(
            StandardRoute("/api/orders/{id:int}/{note?}", typeof(Hello)),
            StandardRoute("/api/files/{*path}", typeof(Hello)),
            BackgroundRoute("/api/reports/{year:range(2000,2100)}", typeof(Slow)),
            ScheduledRoute("/api/tick", typeof(Tick), "@hourly")));
        var paths = document.RootElement.GetProperty("paths");

        Assert.Equal(
            ["/api/files/{path}", "/api/orders/{id}/{note}", "/api/reports/{year}", "/api/tick"],
            paths.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));

        // A route without Methods answers any method; the document lists the usual ones.
        var order = paths.GetProperty("/api/orders/{id}/{note}");
        Assert.Equal(AnyMethod.Order(), order.EnumerateObject().Select(o => o.Name).Order());
        var get = order.GetProperty("get");
        Assert.Equal(["standard"], get.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        var id = Parameter(get, "id");
        Assert.Equal("path", id.GetProperty("in").GetString());
        Assert.True(id.GetProperty("required").GetBoolean());
        Assert.Equal("integer", id.GetProperty("schema").GetProperty("type").GetString());
        Assert.Equal("int32", id.GetProperty("schema").GetProperty("format").GetString());
        Assert.Equal("string", Parameter(get, "note").GetProperty("schema").GetProperty("type").GetString());

        // A background route: 202 with the execution id header, 400 and 422 (its Idempotency-Key), 413 and 503.
        var report = paths.GetProperty("/api/reports/{year}").GetProperty("post");
        Assert.Equal(["background"], report.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        var year = Parameter(report, "year").GetProperty("schema");
        Assert.Equal(2000, year.GetProperty("minimum").GetInt32());
        Assert.Equal(2100, year.GetProperty("maximum").GetInt32());
        var responses = report.GetProperty("responses");
        Assert.Equal(["202", "400", "413", "422", "503"], responses.EnumerateObject().Select(r => r.Name).Order(StringComparer.Ordinal));
        Assert.Contains("X-ApiRoutes-Execution-Id", responses.GetProperty("202").GetProperty("description").GetString(), StringComparison.Ordinal);
        var key = Parameter(report, "Idempotency-Key");
        Assert.Equal(("header", false), (key.GetProperty("in").GetString(), key.TryGetProperty("required", out var required) && required.GetBoolean()));

        // A scheduled route is there in Development, where requesting it runs it now.
        var tick = paths.GetProperty("/api/tick").GetProperty("post");
        Assert.Equal(["scheduled"], tick.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Contains("0 * * * *", tick.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_route_with_Methods_is_described_with_those_only_and_a_production_app_lists_no_scheduled_route()
    {
        using var document = await DocumentAsync(
            Create(
                StandardRoute("/api/hello/{name:alpha}", typeof(Hello)) with { Methods = ["GET", "HEAD"] },
                BackgroundRoute("/api/reports", typeof(Slow)) with { Methods = ["POST"] },
                ScheduledRoute("/api/tick", typeof(Tick), "@hourly")),
            environment: "Production");
        var paths = document.RootElement.GetProperty("paths");

        Assert.Equal(["/api/hello/{name}", "/api/reports"], paths.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["get", "head"], paths.GetProperty("/api/hello/{name}").EnumerateObject().Select(o => o.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["post"], paths.GetProperty("/api/reports").EnumerateObject().Select(o => o.Name));
        var get = paths.GetProperty("/api/hello/{name}").GetProperty("get");
        Assert.Equal("string", Parameter(get, "name").GetProperty("schema").GetProperty("type").GetString());
        Assert.Contains("Answers GET, HEAD only", get.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    // Review 24c F4: under dotnet watch the document kept the routes of the app's start: ApiExplorer keeps its
    // descriptions until the action descriptors' version changes, and nothing changed it when the routes were swapped.
    [Fact]
    public async Task The_document_follows_the_routes_when_the_development_loop_swaps_them()
    {
        await using var server = await StartAsync(Create(StandardRoute("/api/orders/{id:int}", typeof(Hello)), ScheduledRoute("/api/tick", typeof(Tick), "@hourly")), "Development");
        Assert.Equal(["/api/orders/{id}", "/api/tick"], await PathsAsync(server));

        server.Services.GetRequiredService<RouteTableSwap>().Apply(Write(Create(
            StandardRoute("/api/purchases/{id:int}", typeof(Hello)),
            StandardRoute("/api/fresh", typeof(Hello)),
            ScheduledRoute("/api/tick", typeof(Tick), "@hourly"))));

        Assert.Equal(["/api/fresh", "/api/purchases/{id}", "/api/tick"], await PathsAsync(server));
    }

    private static async Task<string[]> PathsAsync(TestServer server)
    {
        using var document = JsonDocument.Parse(await server.Client.GetStringAsync("/openapi/v1.json"));
        return [.. document.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];
    }

    private static async Task<JsonDocument> DocumentAsync(ApiRoutes.Manifest.RouteManifest manifest, string environment = "Development")
    {
        await using var server = await StartAsync(manifest, environment);
        var response = await server.Client.GetAsync("/openapi/v1.json");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text);
    }

    private static Task<TestServer> StartAsync(ApiRoutes.Manifest.RouteManifest manifest, string environment) =>
        TestServer.StartAsync(
            manifest,
            environment,
            options: o =>
            {
                o.Scheduling.ExternalTriggerSecret = new string('s', 32);
                o.Background.StatusUrls = true;   // its endpoint is ApiRoutes' own, not the user's: left out too
                o.Background.StatusUrlKey = new string('k', 32);
            },
            services: services => services.AddOpenApi(),
            map: app => app.MapOpenApi());

    private static JsonElement Parameter(JsonElement operation, string name) =>
        operation.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == name);
}
