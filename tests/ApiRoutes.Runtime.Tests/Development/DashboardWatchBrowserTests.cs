using ApiRoutes.Development;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Development;

/// <summary>
/// The dashboard page (real headless Chromium, real Kestrel) under the development loop: an error of the refreshed
/// code shows at the top while the last valid routes are listed; a swapped route table appears without reloading the
/// page, and the error goes.
/// </summary>
public sealed class DashboardWatchBrowserTests
{
    [Fact]
    public async Task The_page_shows_the_error_and_then_follows_the_new_routes()
    {
        await using var server = await TestServer.StartAsync(
            Create(StandardRoute("/api/hello/{name}", typeof(Hello)), ScheduledRoute("/api/tick", typeof(Tick), "@hourly")),
            environment: "Development");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout((float)Probe.Patience.TotalMilliseconds);
        await page.GotoAsync(new Uri(server.Client.BaseAddress!, "/_apiroutes").ToString());
        await Assertions.Expect(page.Locator("#schedules tbody")).ToContainTextAsync("every hour, on the hour");
        await Assertions.Expect(page.Locator("#development")).ToBeHiddenAsync();

        var status = server.Services.GetRequiredService<RouteWatchStatus>();
        var error = new BuildDiagnostic("error", "AR4001", "/p/Api/Tick.cs", 5, 17, "'61 * * * *' is not a valid crontab schedule.");
        status.Kept([error], $"1 ApiRoutes error(s): {error}");

        await Assertions.Expect(page.Locator("#development")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#development-diagnostics")).ToHaveTextAsync("/p/Api/Tick.cs(5,17): error AR4001: '61 * * * *' is not a valid crontab schedule.");
        await Assertions.Expect(page.Locator("#schedules tbody")).ToContainTextAsync("every hour, on the hour");
        await Assertions.Expect(page.Locator("#development-waiting")).ToBeHiddenAsync();

        // The fix is analysed ahead of hot reload (review 35a: nothing showed for up to 15 s): the error goes, the wait shows.
        status.Waiting([], "the routes of this change are served once hot reload applies the handler type(s) Shop.Api.Moved; …");
        await Assertions.Expect(page.Locator("#development")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#development-waiting-text")).ToHaveTextAsync("the routes of this change are served once hot reload applies the handler type(s) Shop.Api.Moved; …");

        server.Services.GetRequiredService<RouteTableSwap>().Apply(Write(Create(
            StandardRoute("/api/greetings/{name}", typeof(Hello)),
            ScheduledRoute("/api/tick", typeof(Tick), "*/10 * * * *"))));
        status.Applied(DateTimeOffset.UnixEpoch, []);

        await Assertions.Expect(page.Locator("#development")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#development-waiting")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#routes tbody")).ToContainTextAsync("/api/greetings/{name}");
        await Assertions.Expect(page.Locator("#schedules tbody")).ToContainTextAsync("every 10 minutes");
    }
}
