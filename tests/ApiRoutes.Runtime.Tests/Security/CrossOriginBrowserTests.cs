using ApiRoutes.Dashboard;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Security;

/// <summary>
/// A page on another site, opened in the developer's real (headless) Chromium while <c>dotnet run</c> serves the
/// dashboard, tries every way a browser lets it reach the development server: form posts, a <c>no-cors</c> fetch,
/// and a fetch with the dashboard's header (which needs a CORS preflight that is never granted).
/// </summary>
public sealed class CrossOriginBrowserTests : IAsyncLifetime
{

    private TestServer _server = null!;
    private WebApplication _attacker = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/tick", typeof(Tick), "@hourly"), ScheduledRoute("/api/tock", typeof(Tick), "@daily")),
            environment: "Development");

        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _attacker = builder.Build();
        var target = _server.Client.BaseAddress!.GetLeftPart(UriPartial.Authority);
        _attacker.MapGet("/", () => Results.Content(AttackPage(target), "text/html; charset=utf-8"));
        await _attacker.StartAsync();

        _playwright = await Playwright.CreateAsync();
        _browser = await Chromium.LaunchAsync(_playwright);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _attacker.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task A_page_on_another_site_can_neither_run_nor_pause_a_schedule()
    {
        // "localhost" and "127.0.0.1" are different sites to the browser, as attacker.example would be.
        var port = new Uri(_attacker.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single()).Port;
        var page = await _browser.NewPageAsync();
        page.SetDefaultTimeout((float)Probe.Patience.TotalMilliseconds);

        await page.GotoAsync($"http://localhost:{port}/");

        // Five requests reach the server: three form posts, the no-cors fetch, and the preflight of the fetch with
        // the header (whose POST the browser then never sends).
        var deadline = DateTime.UtcNow + Probe.Patience;
        while (Finished().Count < 5 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(["OPTIONS", "POST", "POST", "POST", "POST"], Finished().Select(line => line.Split(' ')[5]).Order());
        Assert.Equal(0, _server.Probe.Count(nameof(Tick)));
        Assert.Empty(_server.Executions.Snapshot());
        Assert.False(_server.Services.GetRequiredService<SchedulePauses>().IsPaused("/api/tock"));
        Assert.Equal(4, Finished().Count(line => line.Contains(" - 403 ", StringComparison.Ordinal)));
    }

    // "Microsoft.AspNetCore.Hosting.Diagnostics[2] Information: Request finished HTTP/1.1 POST http://… - 403 …"
    private List<string> Finished() =>
        [.. _server.Logs.Where(line => line.StartsWith("Microsoft.AspNetCore.Hosting.Diagnostics[2] Information: Request finished", StringComparison.Ordinal))];

    private static string AttackPage(string target) => $$"""
        <!doctype html>
        <title>cute cats</title>
        <iframe name="a"></iframe><iframe name="b"></iframe><iframe name="c"></iframe>
        <form id="run" target="a" method="post" action="{{target}}/_apiroutes/api/schedules/run?route=/api/tick"><input name="x" value="1"></form>
        <form id="pause" target="b" method="post" action="{{target}}/_apiroutes/api/schedules/pause?route=/api/tock"></form>
        <form id="path" target="c" method="post" action="{{target}}/api/tick"></form>
        <script>
          for (const form of document.querySelectorAll("form")) form.submit();
          fetch("{{target}}/_apiroutes/api/schedules/run?route=/api/tick", { method: "POST", mode: "no-cors", credentials: "include" });
          fetch("{{target}}/_apiroutes/api/schedules/pause?route=/api/tock", { method: "POST", headers: { "X-ApiRoutes-Dashboard": "1" } });
        </script>
        """;
}
