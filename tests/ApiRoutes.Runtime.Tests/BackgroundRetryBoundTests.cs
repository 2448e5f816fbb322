using System.Net;
using ApiRoutes.Background;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// Executions waiting out a retry's delay keep their request in memory, so they are bounded: MaxQueueLength of them
/// beside the queue, where they never refuse work that could run now (review 39a F2), and past that in the queue's own
/// room, so that a handler that fails fast cannot make the process hold more than twice the queue's bound (review 4,
/// finding 7). A 503 that retries cause says so, with the Retry-After of the first one due (review 39a N4).
/// </summary>
public sealed class BackgroundRetryBoundTests
{
    // Review 39a F2: five failing executions waiting for a retry in 30 s filled a queue of 5, and every background route
    // answered 503 for the whole delay, every worker idle.
    [Fact]
    public async Task Retries_waiting_out_their_delay_do_not_refuse_work_that_can_run_now()
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/throws", typeof(Throws)), BackgroundRoute("/api/hello", typeof(Hello))),
            options: o =>
            {
                o.Background.MaxQueueLength = 5;
                o.Background.RetryDelays = [TimeSpan.FromSeconds(30)];
            });
        var retries = server.Services.GetRequiredService<RetryService>();
        for (var i = 1; i <= 5; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, await PostAsync(server, "/api/throws", []));
            await UntilAsync(() => retries.Count == i);   // ran, failed, waits for its retry (the clock stands still)
        }

        using var response = await server.Client.PostAsync("/api/hello", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await UntilAsync(() => server.Probe.Count(nameof(Hello)) == 1);
        Assert.Equal(5, retries.Count);
    }

    [Fact]
    public async Task Retries_past_their_room_take_the_queues_and_its_503_says_when_the_first_is_due()
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/throws", typeof(Throws))),
            options: o =>
            {
                o.Background.MaxQueueLength = 2;
                o.Background.MaxConcurrency = 1;
                o.Background.RetryDelays = [TimeSpan.FromMinutes(1)];
            });
        var (queue, retries) = (server.Services.GetRequiredService<BackgroundQueue>(), server.Services.GetRequiredService<RetryService>());
        var body = new byte[200 * 1024];

        // Two beside the queue, then two in its room.
        for (var i = 1; i <= 4; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, await PostAsync(server, "/api/throws", body));
            await UntilAsync(() => retries.Count == i);
        }

        using var refused = new ByteArrayContent(body);
        using var full = await server.Client.PostAsync("/api/throws", refused);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, full.StatusCode);
        Assert.Equal(0, queue.Waiting);
        // Nothing frees before the first retry is due: its due time, not the configured 5 s, and a text that says why.
        Assert.Equal("60", full.Headers.GetValues("Retry-After").Single());
        await server.WaitForLogAsync("ApiRoutes[2001] Warning: Background request to /api/throws rejected with 503: the queue is full (0 waiting to start, "
            + "and 2 more waiting out a retry's delay than the 2 kept beside the queue); no place frees before the first retry is due, in 60 s");

        server.FakeTime.Advance(TimeSpan.FromMinutes(1));   // the retries run, fail again, and are over
        await UntilAsync(() => retries.Count == 0 && server.Probe.Count(nameof(Throws)) == 8);
        Assert.Equal(HttpStatusCode.Accepted, await PostAsync(server, "/api/throws", body));
    }

    private static async Task<HttpStatusCode> PostAsync(TestServer server, string path, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        using var response = await server.Client.PostAsync(path, content);
        return response.StatusCode;
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Probe.Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold in time");
            await Task.Delay(10);
        }
    }
}
