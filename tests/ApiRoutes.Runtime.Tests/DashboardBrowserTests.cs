using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// The dashboard page in a real headless Chromium (Debian's <c>/usr/bin/chromium</c>, driven by Playwright; no browser
/// is downloaded) against the real runtime on Kestrel.
/// </summary>
public sealed class DashboardBrowserTests : IAsyncLifetime
{
    private static readonly float Timeout = (float)Probe.Patience.TotalMilliseconds;

    private TestServer _server = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(
            Create(
                StandardRoute("/api/hello/{name}", typeof(Hello)),
                BackgroundRoute("/api/flaky", typeof(Flaky)),
                ScheduledRoute("/api/tick", typeof(Tick), "@hourly")),
            environment: "Development",
            options: o => o.Background.RetryDelays = []);
        // Every wait has the same patience as the rest of the tests: Expect's own default (5 s) is too short when
        // the machine is busy, and a test must not fail only because it is.
        Assertions.SetDefaultExpectTimeout(Timeout);
        _playwright = await Playwright.CreateAsync();
        _browser = await Chromium.LaunchAsync(_playwright);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Run_now_shows_a_succeeded_run_and_a_failing_background_run_shows_its_exception()
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1300, Height = 1200 } });
        page.SetDefaultTimeout(Timeout);
        await page.GotoAsync(new Uri(_server.Client.BaseAddress!, "/_apiroutes").ToString());

        await Assertions.Expect(page.Locator("#routes tbody")).ToContainTextAsync("/api/flaky");
        await Assertions.Expect(page.Locator("#schedules tbody")).ToContainTextAsync("every hour, on the hour");

        await page.Locator("#schedules tr[data-route='/api/tick'] button.run-now").ClickAsync();
        await Assertions.Expect(page.Locator("#executions tr[data-status='succeeded']", new PageLocatorOptions { HasText = "/api/tick" })).ToHaveCountAsync(1);

        await page.Locator("#bg-route").SelectOptionAsync("/api/flaky");
        await page.Locator("#bg-body").FillAsync("""{"from":"the dashboard"}""");
        await page.Locator("#bg-send").ClickAsync();
        var failed = page.Locator("#executions tr[data-status='failed']", new PageLocatorOptions { HasText = "/api/flaky" });
        await Assertions.Expect(failed).ToHaveCountAsync(1);
        await failed.ClickAsync();
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("InvalidOperationException: attempt 1 failed");

        Assert.Equal("""{"from":"the dashboard"}""", _server.Probe.All.Single(i => i.Handler == nameof(Flaky)).Body);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(AppContext.BaseDirectory, "dashboard.png"), FullPage = true });
    }

    [Fact]
    public async Task A_thousand_executions_are_listed_and_stay_usable()
    {
        var start = _server.FakeTime.GetUtcNow();
        var store = _server.Services.GetRequiredService<IExecutionStore>();
        for (var i = 0; i < 1000; i++)
        {
            // As another replica or an earlier process left them: in the store, read by the dashboard from there.
            await store.UpdateAsync(new ExecutionRecord
            {
                Id = $"execution-{i:D4}",
                Route = "/api/flaky",
                Kind = "background",
                Status = i % 10 == 0 ? ExecutionStatus.Failed : ExecutionStatus.Succeeded,
                AcceptedAt = start.AddSeconds(i),
                StartedAt = start.AddSeconds(i),
                FinishedAt = start.AddSeconds(i + 1),
                Error = i % 10 == 0 ? $"boom {i}" : null,
            }, default);
        }

        var page = await _browser.NewPageAsync();
        page.SetDefaultTimeout(Timeout);
        await page.GotoAsync(new Uri(_server.Client.BaseAddress!, "/_apiroutes").ToString());

        await Assertions.Expect(page.Locator("#executions tr.execution")).ToHaveCountAsync(1000);
        await Assertions.Expect(page.Locator("#exec-count")).ToHaveTextAsync("(1000)");
        await page.Locator("#executions tr[data-id='execution-0990']").ClickAsync();
        await Assertions.Expect(page.Locator("#error")).ToHaveTextAsync("boom 990");
    }

    [Fact]
    public async Task Outside_development_the_token_after_the_hash_signs_the_page_in_and_leaves_the_address_bar()
    {
        const string Token = "0123456789abcdef0123456789abcdef-dashboard";
        await using var production = await TestServer.StartWithDashboardAsync(Token);
        var context = await _browser.NewContextAsync();
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(Timeout);
        var dashboard = new Uri(production.Client.BaseAddress!, "/_apiroutes").ToString();

        await page.GotoAsync(dashboard + "#token=" + Token);

        await Assertions.Expect(page.Locator("#schedules tbody")).ToContainTextAsync("/api/tick");
        Assert.Equal(dashboard, page.Url);
        var cookie = Assert.Single(await context.CookiesAsync());
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.DoesNotContain(Token, cookie.Value, StringComparison.Ordinal);
        await page.Locator("#schedules tr[data-route='/api/tick'] button.run-now").ClickAsync();
        await production.Probe.NextAsync();
        Assert.DoesNotContain(production.Logs, line => line.Contains(Token, StringComparison.Ordinal));

        // Without the cookie (another browser profile) the page says how to sign in.
        var stranger = await _browser.NewPageAsync();
        await stranger.GotoAsync(dashboard);
        await Assertions.Expect(stranger.Locator("#status")).ToContainTextAsync("#token=", new LocatorAssertionsToContainTextOptions { Timeout = Timeout });
        await context.DisposeAsync();
    }
}
