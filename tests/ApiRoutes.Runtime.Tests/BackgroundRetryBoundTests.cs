using System.Net;
using ApiRoutes.Background;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// Executions waiting out a retry's delay keep their request in memory, so they count against MaxQueueLength: a
/// handler that fails fast cannot make the process hold more than the queue's bound (review 4, finding 7).
/// </summary>
public sealed class BackgroundRetryBoundTests
{
    [Fact]
    public async Task Executions_waiting_for_a_retry_fill_the_queue_and_new_requests_get_503_until_they_leave_it()
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

        for (var i = 1; i <= 2; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, await PostAsync(server, body));
            await UntilAsync(() => retries.Count == i);   // ran, failed, waits for its retry (the clock stands still)
        }

        using var refused = new ByteArrayContent(body);
        using var full = await server.Client.PostAsync("/api/throws", refused);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, full.StatusCode);
        Assert.Equal(0, queue.Waiting);

        server.FakeTime.Advance(TimeSpan.FromMinutes(1));   // the retries run, fail again, and are over
        await UntilAsync(() => retries.Count == 0 && server.Probe.Count(nameof(Throws)) == 4);
        Assert.Equal(HttpStatusCode.Accepted, await PostAsync(server, body));
    }

    private static async Task<HttpStatusCode> PostAsync(TestServer server, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        using var response = await server.Client.PostAsync("/api/throws", content);
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
