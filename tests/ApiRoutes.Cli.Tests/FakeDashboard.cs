using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Cli.Tests;

/// <summary>
/// A server on 127.0.0.1 that answers as an ApiRoutes app does for <c>invoke --wait</c>: <c>POST /api/report</c> starts
/// execution "e1" (202 with its id), <c>POST /api/hello</c> is a standard route, and the dashboard's
/// <c>GET /_apiroutes/api/executions/{id}</c> answers the states a test scripts, one per poll, the last one for good.
/// With a token, <c>POST /api/cleanup</c> is a scheduled route run by hand on a development server that has
/// <c>ApiRoutes:Dashboard:Token</c>: 401 asking for it by name, then execution "e1".
/// </summary>
internal sealed class FakeDashboard : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _states = new(StringComparer.Ordinal);

    private FakeDashboard(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    /// <summary>How many times the dashboard API was asked.</summary>
    public int Polls;

    /// <summary>The Authorization header of every request to a route ("" when none), in order.</summary>
    public ConcurrentQueue<string> RouteAuthorizations { get; } = new();

    /// <param name="pathBase">The app's path base (UsePathBase behind a proxy that forwards a prefix): it serves only under it.</param>
    /// <param name="triggers">Serve the signed trigger endpoint, which answers every trigger "not a scheduled route".</param>
    public static async Task<FakeDashboard> StartAsync(bool dashboard = true, string? token = null, string? pathBase = null, bool triggers = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeDashboard(app);
        if (pathBase is not null)
        {
            app.UsePathBase(pathBase);
            app.Use((context, next) => context.Request.PathBase.HasValue ? next(context) : Task.FromResult(context.Response.StatusCode = 404));
            app.UseRouting();
        }

        app.MapPost("/api/report", (HttpContext context) =>
        {
            fake.RouteAuthorizations.Enqueue(context.Request.Headers.Authorization.ToString());
            context.Response.Headers["X-ApiRoutes-Execution-Id"] = "e1";
            return Results.Accepted();
        });
        app.MapPost("/api/cleanup", (HttpContext context) =>
        {
            fake.RouteAuthorizations.Enqueue(context.Request.Headers.Authorization.ToString());
            if (token is not null && context.Request.Headers.Authorization.ToString() != $"Bearer {token}")
            {
                context.Response.Headers.WWWAuthenticate = "Bearer realm=\"ApiRoutes dashboard\"";
                return Results.Json(new { error = "ApiRoutes:Dashboard:Token is set, so running a scheduled route by hand needs it." }, statusCode: 401);
            }

            context.Response.Headers["X-ApiRoutes-Execution-Id"] = "e1";
            return Results.Text("cleaned");
        });
        app.MapPost("/api/hello", () => Results.Json(new { hello = "world" }));
        app.MapGet("/api/orders", () => Results.Json(new { orders = 0 }));
        if (triggers)
        {
            app.MapPost("/_apiroutes/scheduled-runs", (HttpContext context) => Results.Text($"'{context.Request.Headers["X-ApiRoutes-Route"]}' is not a scheduled route of this app.", statusCode: 404));
        }
        if (dashboard)
        {
            app.MapGet("/_apiroutes/api/executions/{id}", (string id, HttpContext context) =>
            {
                Interlocked.Increment(ref fake.Polls);
                if (token is not null && context.Request.Headers.Authorization.ToString() != $"Bearer {token}")
                {
                    return Results.Json(new { error = "Authenticate with 'Authorization: Bearer <ApiRoutes:Dashboard:Token>'." }, statusCode: 401);
                }

                if (!fake._states.TryGetValue(id, out var states))
                {
                    return Results.NotFound(new { error = $"No execution '{id}' is known." });
                }

                var state = states.Count > 1 && states.TryDequeue(out var next) ? next : states.First();
                return Results.Content(state, "application/json");
            });
        }

        await app.StartAsync();
        fake.Url = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return fake;
    }

    /// <summary>Scripts the answers for execution <paramref name="id"/>, one per poll.</summary>
    public void Script(string id, params string[] states) => _states[id] = new ConcurrentQueue<string>(states);

    /// <summary>The dashboard API's JSON for one execution.</summary>
    public static string State(string status, int attempt = 1, string[]? lines = null, string? error = null, long? durationMs = null) =>
        System.Text.Json.JsonSerializer.Serialize(new
        {
            execution = new { id = "e1", route = "/api/report", kind = "background", status, attempt, durationMs, error },
            logLines = lines ?? [],
        });

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
