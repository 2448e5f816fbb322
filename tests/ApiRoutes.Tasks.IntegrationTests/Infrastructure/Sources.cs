namespace ApiRoutes.Tasks.IntegrationTests.Infrastructure;

/// <summary>Handler sources as a user writes them.</summary>
internal static class Sources
{
    /// <summary>A project with one route of each kind: /api/hello, /api/orders/{id:int}, /api/generate-report, /api/cleanup.</summary>
    public static FixtureProject Shop(PackageFixture package) => new FixtureProject(package)
        .Write("Api/Hello.cs", Hello)
        .Write("Api/OrderById.cs", OrderById)
        .Write("Api/GenerateReport.cs", GenerateReport)
        .Write("Api/Cleanup.cs", Cleanup("@hourly"));

    public const string Hello = """
        using ApiRoutes;
        using Microsoft.AspNetCore.Http;

        namespace Shop.Api;

        public sealed class Hello : IApiHandler
        {
            public Task HandleAsync(HttpContext context) => context.Response.WriteAsJsonAsync(new { hello = "world" });
        }
        """;

    public const string OrderById = """
        using ApiRoutes;
        using Microsoft.AspNetCore.Http;

        namespace Shop.Api;

        [ApiRoute("/api/orders/{id:int}")]
        public sealed class OrderById : IApiHandler
        {
            public Task HandleAsync(HttpContext context) => context.Response.WriteAsync((string?)context.Request.RouteValues["id"] ?? "");
        }
        """;

    public const string GenerateReport = """
        using ApiRoutes;
        using Microsoft.AspNetCore.Http;
        using Microsoft.Extensions.Logging;

        namespace Shop.Api;

        [BackgroundRoute]
        public sealed class GenerateReport(ILogger<GenerateReport> logger) : IApiHandler
        {
            public async Task HandleAsync(HttpContext context)
            {
                var ms = int.TryParse(context.Request.Query["ms"], out var value) ? value : 10;
                await Task.Delay(ms, context.RequestAborted);
                logger.LogInformation("Report {Name} done", context.Request.Query["name"].ToString());
            }
        }
        """;

    /// <summary>A scheduled route; the schedule literal starts at line 6, column 17.</summary>
    public static string Cleanup(string schedule) => $$"""
        using ApiRoutes;
        using Microsoft.AspNetCore.Http;

        namespace Shop.Api;

        [ScheduledRoute("{{schedule}}")]
        public sealed class Cleanup : IApiHandler
        {
            public Task HandleAsync(HttpContext context) => Task.CompletedTask;
        }
        """;
}
