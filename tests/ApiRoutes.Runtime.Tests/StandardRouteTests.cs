using System.Net;
using Microsoft.AspNetCore.Http;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

public class StandardRouteTests
{
    [Fact]
    public async Task A_standard_route_answers_with_its_handler_created_per_request_from_DI()
    {
        await using var server = await TestServer.StartAsync(Create(StandardRoute("/api/hello/{name}", typeof(Hello))));

        var first = await server.Client.GetStringAsync("/api/hello/ada");
        var second = await server.Client.GetStringAsync("/api/HELLO/bob?x=1");

        Assert.StartsWith("hello ada #", first, StringComparison.Ordinal);
        Assert.StartsWith("hello bob #", second, StringComparison.Ordinal);
        Assert.NotEqual(first.Split('#')[1], second.Split('#')[1]);
        Assert.Equal(["GET /api/hello/ada", "GET /api/HELLO/bob"], server.Probe.All.Select(i => $"{i.Method} {i.Path}"));
    }

    [Theory]
    [InlineData("/api/nothing-here")]
    [InlineData("/api/hello")]          // the template needs a name
    [InlineData("/")]
    public async Task Unknown_paths_answer_404(string path)
    {
        await using var server = await TestServer.StartAsync(Create(StandardRoute("/api/hello/{name}", typeof(Hello))));

        var response = await server.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task A_failing_handler_is_a_500_without_details_in_production_and_is_logged()
    {
        await using var server = await TestServer.StartAsync(Create(StandardRoute("/api/throws", typeof(Throws))));

        var response = await server.Client.GetAsync("/api/throws");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.DoesNotContain("exploded", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains(server.Logs, line => line.StartsWith("ApiRoutes[1002] Error: Route /api/throws failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failing_handler_shows_the_developer_exception_page_in_development()
    {
        await using var server = await TestServer.StartAsync(Create(StandardRoute("/api/throws", typeof(Throws))), environment: "Development");

        var response = await server.Client.GetAsync("/api/throws");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("handler exploded", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_up_prints_the_route_table()
    {
        await using var server = await TestServer.StartAsync(Create(
            StandardRoute("/api/hello/{name}", typeof(Hello)),
            BackgroundRoute("/api/slow", typeof(Slow)),
            ScheduledRoute("/api/tick", typeof(Tick), "@hourly")));

        var table = Assert.Single(server.Logs, line => line.StartsWith("ApiRoutes[1000]", StringComparison.Ordinal));

        Assert.Contains("/api/hello/{name}  standard", table, StringComparison.Ordinal);
        Assert.Contains("/api/slow          background", table, StringComparison.Ordinal);
        Assert.Contains("/api/tick          scheduled @hourly  2026-01-01T01:00:00.000Z", table, StringComparison.Ordinal);
    }
}

/// <summary>
/// Review 25d F7: a standard route's time limit (apiroutes.yaml) was checked and written to the manifest, and never
/// applied: a handler went on for as long as it liked. The request is cancelled at the limit (on the app's clock).
/// </summary>
public class StandardRouteTimeLimitTests
{
    [Fact]
    public async Task A_handler_that_stops_for_the_cancellation_at_its_limit_gets_504_and_it_is_logged()
    {
        await using var server = await TestServer.StartAsync(Create(StandardRoute("/api/waits", typeof(WaitsForCancellation)) with { TimeLimitSeconds = 2 }));

        var response = server.Client.GetAsync("/api/waits");
        await WaitsForCancellation.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        server.FakeTime.Advance(TimeSpan.FromMilliseconds(1999));
        await Task.Delay(50);   // had the limit fired early, the answer would be on its way
        Assert.False(response.IsCompleted);
        server.FakeTime.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(HttpStatusCode.GatewayTimeout, (await response.WaitAsync(TimeSpan.FromSeconds(30))).StatusCode);
        Assert.Contains(server.Logs, line => line.StartsWith(
            "ApiRoutes[1004] Error: Route /api/waits ran past its time limit of 00:00:02: its request was cancelled at the limit; the handler stopped with TaskCanceledException; answered 504",
            StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_handler_that_ignores_the_cancellation_answers_when_it_ends_and_the_overrun_is_logged()
    {
        await using var server = await TestServer.StartAsync(Create(StandardRoute("/api/ignores", typeof(IgnoresCancellation)) with { TimeLimitSeconds = 1 }));

        var response = server.Client.GetAsync("/api/ignores");
        await IgnoresCancellation.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        server.FakeTime.Advance(TimeSpan.FromSeconds(1));
        await IgnoresCancellation.SawCancellation.Task.WaitAsync(TimeSpan.FromSeconds(30));
        IgnoresCancellation.Release.SetResult();

        var answered = await response.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal((HttpStatusCode.OK, "done anyway"), (answered.StatusCode, await answered.Content.ReadAsStringAsync()));
        Assert.Contains(server.Logs, line => line.StartsWith(
            "ApiRoutes[1004] Error: Route /api/ignores ran past its time limit of 00:00:01: its request was cancelled at the limit; the handler went on and answered 200 when it ended",
            StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_limit_the_request_is_not_cancelled()
    {
        await using var server = await TestServer.StartAsync(Create(StandardRoute("/api/unlimited", typeof(Unlimited))));

        var response = server.Client.GetAsync("/api/unlimited");
        await Unlimited.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        server.FakeTime.Advance(TimeSpan.FromHours(1));
        Unlimited.Release.SetResult();

        Assert.Equal("not cancelled", await (await response.WaitAsync(TimeSpan.FromSeconds(30))).Content.ReadAsStringAsync());
        Assert.DoesNotContain(server.Logs, line => line.StartsWith("ApiRoutes[1004]", StringComparison.Ordinal));
    }

    public sealed class WaitsForCancellation : IApiHandler
    {
        public static readonly TaskCompletionSource Entered = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task HandleAsync(HttpContext context)
        {
            Entered.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }
    }

    public sealed class IgnoresCancellation : IApiHandler
    {
        public static readonly TaskCompletionSource Entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public static readonly TaskCompletionSource SawCancellation = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public static readonly TaskCompletionSource Release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task HandleAsync(HttpContext context)
        {
            using var registration = context.RequestAborted.Register(() => SawCancellation.TrySetResult());
            Entered.TrySetResult();
            await Release.Task;
            await context.Response.WriteAsync("done anyway");
        }
    }

    public sealed class Unlimited : IApiHandler
    {
        public static readonly TaskCompletionSource Entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public static readonly TaskCompletionSource Release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task HandleAsync(HttpContext context)
        {
            Entered.TrySetResult();
            await Release.Task;
            await context.Response.WriteAsync(context.RequestAborted.IsCancellationRequested ? "cancelled" : "not cancelled");
        }
    }
}
