using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.AspNetCore.Builder;
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
    public async Task Ten_thousand_executions_are_paged_and_filtered_by_the_server_and_the_page_stays_fast()
    {
        var start = _server.FakeTime.GetUtcNow();
        var store = _server.Services.GetRequiredService<IExecutionStore>();
        for (var i = 0; i < 10_000; i++)
        {
            // As another replica or an earlier process left them: in the store, read by the dashboard from there.
            await store.UpdateAsync(new ExecutionRecord
            {
                Id = $"execution-{i:D5}",
                Route = "/api/flaky",
                Kind = "background",
                Status = i % 10 == 0 ? ExecutionStatus.Failed : ExecutionStatus.Succeeded,
                AcceptedAt = start.AddSeconds(i),
                StartedAt = start.AddSeconds(i),
                FinishedAt = start.AddSeconds(i + 1),
                Error = i % 10 == 0 ? $"boom {i}" : null,
                Attempt = i == 9980 ? 3 : 1,
                EarlierAttempts = i == 9980
                    ? [new EarlierAttempt { Attempt = 1, StartedAt = start, FinishedAt = start.AddSeconds(1), Error = "first <b>bang</b>" }, new EarlierAttempt { Attempt = 2, StartedAt = start.AddSeconds(2), Error = "second" }]
                    : [],
            }, default);
        }

        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1300, Height = 1200 } });
        page.SetDefaultTimeout(Timeout);
        var opened = System.Diagnostics.Stopwatch.StartNew();
        await page.GotoAsync(new Uri(_server.Client.BaseAddress!, "/_apiroutes").ToString());
        await Assertions.Expect(page.Locator("#executions tr.execution")).ToHaveCountAsync(200);
        var firstPage = opened.Elapsed;
        var render = await page.EvaluateAsync<double>("window.apiroutesRenderMs");

        await Assertions.Expect(page.Locator("#exec-count")).ToHaveTextAsync("(200+)");
        await Assertions.Expect(page.Locator("#executions tr.execution").First).ToHaveAttributeAsync("data-id", "execution-09999");
        // A refresh under way when "Older…" is clicked, answered after it, does not take the older rows back (it asked for
        // the 200 shown when it started: seen once in CI, ci97). The page's refresh is held until the click is made.
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync("**/_apiroutes/api/executions?**", async route =>
        {
            if (route.Request.Url.Contains("limit=", StringComparison.Ordinal) && held.TrySetResult())
            {
                await release.Task.WaitAsync(Probe.Patience);
            }

            await route.ContinueAsync();
        });
        await held.Task.WaitAsync(Probe.Patience);
        await page.Locator("#exec-more").ClickAsync();
        release.SetResult();
        await Assertions.Expect(page.Locator("#executions tr.execution")).ToHaveCountAsync(400);
        await page.WaitForResponseAsync(response => response.Url.Contains("limit=400", StringComparison.Ordinal));   // the next refresh, of all 400
        await page.UnrouteAllAsync();
        await Assertions.Expect(page.Locator("#executions tr.execution")).ToHaveCountAsync(400);

        // Filtered by the server: the failed ones only, newest first, each with its error.
        await page.Locator("#f-status").SelectOptionAsync("failed");
        await Assertions.Expect(page.Locator("#executions tr.execution").First).ToHaveAttributeAsync("data-id", "execution-09990");
        await Assertions.Expect(page.Locator("#executions tr[data-status='succeeded']")).ToHaveCountAsync(0);
        await page.Locator("#executions tr[data-id='execution-09980']").ClickAsync();
        await Assertions.Expect(page.Locator("#error")).ToHaveTextAsync("boom 9980");
        // Its earlier attempts, oldest first, each with when it ran and why it failed (as text: no markup from an error).
        await Assertions.Expect(page.Locator("#detail .attempt-error")).ToHaveTextAsync(["first <b>bang</b>", "second"]);
        await Assertions.Expect(page.Locator("#detail .attempt").Nth(1)).ToContainTextAsync("attempt 2 · started ");
        await Assertions.Expect(page.Locator("#detail .attempt").Nth(1)).ToContainTextAsync("its process stopped while it ran");
        await Assertions.Expect(page.Locator("#detail .attempt").First).ToContainTextAsync("attempt 1 · started ");

        // The numbers for the record, not asserted: on a shared machine a time says how busy it was (a test that fails only
        // when the machine is busy is a defect). What keeps the page fast is asserted above: the server's pages of 200.
        File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "dashboard-10000.txt"), $"first page visible after {firstPage.TotalMilliseconds:0} ms; fetch and render {render:0} ms");
    }

    [Fact]
    public async Task A_failed_execution_is_replayed_from_its_detail_and_all_failed_of_a_route_since_a_time_with_the_filters()
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1300, Height = 1200 } });
        page.SetDefaultTimeout(Timeout);
        for (var i = 0; i < 2; i++)
        {
            await _server.Client.PostAsync("/api/flaky", new StringContent($$"""{"n":{{i}}}"""));
            await _server.WaitForExecutionAsync(r => r.Status == ExecutionStatus.Failed && _server.Executions.Snapshot().Count(e => e.Status == ExecutionStatus.Failed) == i + 1);
        }

        await page.GotoAsync(new Uri(_server.Client.BaseAddress!, "/_apiroutes").ToString());
        var failed = page.Locator("#executions tr[data-status='failed']");
        await Assertions.Expect(failed).ToHaveCountAsync(2);
        await failed.First.ClickAsync();
        await page.Locator("#replay").ClickAsync();
        await Assertions.Expect(page.Locator("#executions tr.execution")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("#detail")).ToContainTextAsync("replays ");
        await Assertions.Expect(page.Locator("#executions tr.execution", new PageLocatorOptions { HasText = "replays …" })).ToHaveCountAsync(1);

        // Route and time from the filters: the one failure not replayed yet is replayed, once.
        await page.Locator("#f-route").SelectOptionAsync("/api/flaky");
        await page.Locator("#f-since").FillAsync("2000-01-01T00:00");
        await page.Locator("#replay-failed").ClickAsync();
        await Assertions.Expect(page.Locator("#replay-result")).ToHaveTextAsync("2 replayed");
        await Assertions.Expect(page.Locator("#executions tr.execution")).ToHaveCountAsync(5);
        Assert.Equal(5, _server.Probe.Count(nameof(Flaky)));
    }

    // Review 26a F10: the page threw every refusal away (400, 409, 503): a pause in the past, a second replay of one
    // failure, seemed to do nothing.
    [Fact]
    public async Task A_refused_action_shows_the_reason_the_api_gives_and_keeps_it_through_refreshes()
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1300, Height = 1200 } });
        page.SetDefaultTimeout(Timeout);
        await _server.Client.PostAsync("/api/flaky", new StringContent("{}"));
        var failed = await _server.WaitForExecutionAsync(r => r.Status == ExecutionStatus.Failed);
        await page.GotoAsync(new Uri(_server.Client.BaseAddress!, "/_apiroutes").ToString());
        var notice = page.Locator("#notice");

        var row = page.Locator("#schedules tr[data-route='/api/tick']");
        await row.Locator("input.pause-until").FillAsync("2020-01-01T00:00");
        await row.Locator("button.pause-until-button").ClickAsync();
        await Assertions.Expect(notice).ToContainTextAsync("is not in the future");
        await page.Locator("#f-status").SelectOptionAsync("failed");   // a refresh of the lists
        await Assertions.Expect(page.Locator("#executions tr.execution")).ToHaveCountAsync(1);
        await Assertions.Expect(notice).ToContainTextAsync("is not in the future");

        await page.Locator($"#executions tr[data-id='{failed.Id}']").ClickAsync();
        await Assertions.Expect(page.Locator("#detail h2")).ToHaveTextAsync($"Execution {failed.Id}");
        await page.Locator("#replay").ClickAsync();
        await Assertions.Expect(notice).ToContainTextAsync("replayed as ");

        // The replay fails too (Flaky), and its row, listed above the detail, moves the Replay button down: a click
        // made as it came landed beside the button and the notice stayed "replayed as" (under load). It is waited for.
        await Assertions.Expect(page.Locator("#executions tr.execution")).ToHaveCountAsync(2);
        await page.Locator($"#executions tr[data-id='{failed.Id}']").ClickAsync();
        await Assertions.Expect(page.Locator("#detail h2")).ToHaveTextAsync($"Execution {failed.Id}");
        await page.Locator("#replay").ClickAsync();
        await Assertions.Expect(notice).ToContainTextAsync($"Execution {failed.Id} was replayed already");

        // Review 26b F2: a 404 (the execution pruned while its detail was open) was taken as success: "replayed as
        // undefined". The server's answer is stood in for here; its own 404 is DashboardApiTests'.
        await page.RouteAsync("**/_apiroutes/api/executions/*/replay", route => route.FulfillAsync(new RouteFulfillOptions
        {
            Status = 404, ContentType = "application/json", Body = $$"""{"error":"No execution '{{failed.Id}}' is known."}""",
        }));
        await page.Locator($"#executions tr[data-id='{failed.Id}']").ClickAsync();
        await Assertions.Expect(page.Locator("#detail h2")).ToHaveTextAsync($"Execution {failed.Id}");
        await page.Locator("#replay").ClickAsync();
        await Assertions.Expect(notice).ToHaveTextAsync($"No execution '{failed.Id}' is known.");
    }

    [Fact]
    public async Task A_schedule_paused_until_a_time_says_so_and_its_skipped_occurrence_is_listed()
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1300, Height = 1200 } });
        page.SetDefaultTimeout(Timeout);
        await page.GotoAsync(new Uri(_server.Client.BaseAddress!, "/_apiroutes").ToString());
        var row = page.Locator("#schedules tr[data-route='/api/tick']");

        // In the browser's time zone, as the input shows it; the server's clock is 2026-01-01T00:00:00Z.
        var until = await page.EvaluateAsync<string>("(() => { const d = new Date('2026-01-01T01:30:00Z'); const p = n => String(n).padStart(2, '0'); return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`; })()");
        await row.Locator("input.pause-until").FillAsync(until);
        await row.Locator("button.pause-until-button").ClickAsync();
        await Assertions.Expect(row.Locator(".paused")).ToContainTextAsync("paused until");
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 1, 30, 0, TimeSpan.Zero), _server.Services.GetRequiredService<ApiRoutes.Dashboard.SchedulePauses>().Until("/api/tick"));

        await _server.Services.GetRequiredService<IExecutionStore>().RecordOccurrenceAsync(
            new OccurrenceRecord { Route = "/api/tick", Occurrence = new DateTimeOffset(2026, 1, 1, 1, 0, 0, TimeSpan.Zero), Outcome = OccurrenceOutcome.Paused, Detail = "Paused until 2026-01-01T01:30:00.0000000+00:00.", RecordedAt = _server.FakeTime.GetUtcNow() },
            default);
        await Assertions.Expect(page.Locator("#occurrences tr[data-outcome='paused']")).ToContainTextAsync("Paused until 2026-01-01T01:30");
    }

    [Fact]
    public async Task Outside_development_the_token_after_the_hash_signs_the_page_in_and_leaves_the_address_bar()
    {
        // Base64's '+', '/' and '=' as written (review 26a F19: '+' was read as a space, and the token refused).
        const string Token = "0123456789abcdef+0123456789/abcdef+dashboard==";
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

    // Review 27c F6: behind a proxy that forwards only the app's prefix (UsePathBase), the page called /_apiroutes/api
    // (the proxy's 404) and its session cookie's path left the prefix out.
    [Fact]
    public async Task Under_a_path_base_the_page_signs_in_and_drives_the_api_beside_it()
    {
        const string Token = "0123456789abcdef0123456789abcdef-dashboard";
        await using var production = await TestServer.StartWithDashboardAsync(Token, pathBase: "/shop");
        var context = await _browser.NewContextAsync();
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(Timeout);
        var requested = new List<string>();
        page.Request += (_, request) => requested.Add(new Uri(request.Url).AbsolutePath);

        await page.GotoAsync(new Uri(production.Client.BaseAddress!, "/shop/_apiroutes").ToString() + "#token=" + Token);

        await Assertions.Expect(page.Locator("#schedules tbody")).ToContainTextAsync("/api/tick");
        await page.Locator("#schedules tr[data-route='/api/tick'] button.run-now").ClickAsync();
        await production.Probe.NextAsync();
        Assert.Equal("/shop/_apiroutes", Assert.Single(await context.CookiesAsync()).Path);
        Assert.All(requested, path => Assert.StartsWith("/shop/_apiroutes", path, StringComparison.Ordinal));
        await context.DisposeAsync();
    }
}
