using System.Net;
using ApiRoutes.Background;
using ApiRoutes.Execution;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// A request whose execution was stored only after shutdown closed the queue: the server stops waiting for requests
/// still under way after the host's shutdown timeout, then the queue closes, and a slow store write may land after
/// that. With a durable store the execution stays there for the next start, as what was queued does; it used to be
/// recorded as failed, and a client that sent the request again with its Idempotency-Key (it never saw an answer) got
/// that failure back, the work never done. Without a durable store it is recorded as failed, and refused.
/// </summary>
public sealed class ShutdownAdmissionTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_request_stored_as_the_queue_closes_is_left_for_the_next_start_with_a_durable_store(bool durable)
    {
        var store = new GatedAdd(durable);
        var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/hello", typeof(Hello))),
            services: s => s.AddSingleton<IExecutionStore>(store).Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1)));
        await using var _ = server;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/hello") { Content = new StringContent("{}") };
        request.Headers.Add("Idempotency-Key", "k-shutdown");

        var sending = server.Client.SendAsync(request);
        await store.Adding.WaitAsync(Probe.Patience);
        var stopping = server.StopAsync();
        var queue = server.Services.GetRequiredService<BackgroundQueue>();
        await Poll.UntilAsync(() =>
        {
            if (queue.TryReserve() is null)
            {
                queue.Release();
                return false;
            }

            return true;   // closed
        }, () => string.Join("\n", server.Logs));
        if (durable)
        {
            // The shutdown has counted what it leaves for the next start before this write lands: a late cut.
            await server.WaitForLogAsync("ApiRoutes[2011] Information: Shutting down: 0 unfinished execution(s)");
        }

        store.Release();
        await stopping.WaitAsync(Probe.Patience);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => sending.WaitAsync(Probe.Patience));   // the server stopped waiting for it

        // The request goes on at the server after its connection was aborted: its admission ends as the write lands.
        var expected = durable ? ExecutionStatus.Queued : ExecutionStatus.Failed;
        ExecutionRecord? stored = null;
        await Poll.UntilAsync(async () =>
        {
            stored = (await ((IExecutionStore)store).GetRecentAsync(10, default)).SingleOrDefault();
            return stored is not null && (durable ? server.Logs.Any(line => line.StartsWith("ApiRoutes[2007]", StringComparison.Ordinal)) : stored.Status == expected);
        }, () => string.Join("\n", server.Logs));
        if (durable)
        {
            Assert.Equal(ExecutionStatus.Queued, stored!.Status);   // runs at the next start
            Assert.Contains(server.Logs, line => line.StartsWith($"ApiRoutes[2007] Error: Execution {stored.Id} of /api/hello was cut by shutdown: stored as the server shut down", StringComparison.Ordinal)
                && line.Contains("(after the shutdown's count of them, event 2011)", StringComparison.Ordinal));   // not in the count's 0
        }
        else
        {
            Assert.Equal((ExecutionStatus.Failed, "The server shut down as it was accepted."), (stored!.Status, stored.Error));
        }

        Assert.Equal(0, server.Probe.Count(nameof(Hello)));
    }

    private sealed class GatedAdd(bool durable) : ForwardingStore
    {
        private readonly TaskCompletionSource _adding = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override bool IsDurable => durable;

        public Task Adding => _adding.Task;

        public void Release() => _release.TrySetResult();

        public override async Task<KeyedAdd> AddOnceAsync(ExecutionRecord record, RequestSnapshot request, IdempotencyKey key, CancellationToken cancellationToken)
        {
            _adding.TrySetResult();
            await _release.Task.WaitAsync(Probe.Patience, CancellationToken.None);

            // The write is past the point where the request's cancellation could stop it (the server aborted the
            // request as it stopped waiting for it): it lands.
            return await base.AddOnceAsync(record, request, key, CancellationToken.None);
        }
    }
}
