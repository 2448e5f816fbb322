using System.Net;
using ApiRoutes.Execution;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// A store that fails a new execution's write with an exception of its own (a bug, a driver's surprise) answers that
/// request with an error, and gives its place in the queue back: it used to keep it, so that every such failure took one
/// place for good, and the route answered 503 "queue full" for ever once they added up to MaxQueueLength.
/// </summary>
public sealed class AdmissionFailureTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_write_that_fails_unexpectedly_gives_its_place_in_the_queue_back(bool keyed)
    {
        var store = new FailsFirstAdd();
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/hello", typeof(Hello))),
            options: o => o.Background.MaxQueueLength = 1,
            services: s => s.AddSingleton<IExecutionStore>(store));

        using var failing = Post(keyed ? "k-1" : null);
        var failed = await server.Client.SendAsync(failing);
        using var next = Post(keyed ? "k-2" : null);
        var accepted = await server.Client.SendAsync(next);

        Assert.Equal((HttpStatusCode.InternalServerError, HttpStatusCode.Accepted), (failed.StatusCode, accepted.StatusCode));
        await server.Probe.NextAsync();
    }

    private static HttpRequestMessage Post(string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/hello") { Content = new StringContent("{}") };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return request;
    }

    private sealed class FailsFirstAdd : ForwardingStore
    {
        private int _adds;

        public override Task AddAsync(ExecutionRecord record, RequestSnapshot? request, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _adds) == 1 ? Task.FromException(new InvalidOperationException("a driver's surprise")) : base.AddAsync(record, request, cancellationToken);

        public override Task<KeyedAdd> AddOnceAsync(ExecutionRecord record, RequestSnapshot request, IdempotencyKey key, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _adds) == 1 ? Task.FromException<KeyedAdd>(new InvalidOperationException("a driver's surprise")) : base.AddOnceAsync(record, request, key, cancellationToken);
    }
}
