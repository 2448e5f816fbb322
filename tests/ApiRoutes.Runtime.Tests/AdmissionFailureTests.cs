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
/// place for good, and the route answered 503 "queue full" for ever once they added up to MaxQueueLength. So does a
/// client that goes away while the store reads who holds its Idempotency-Key (the read is cancelled with the request).
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

    [Fact]
    public async Task A_client_that_goes_away_while_its_key_is_looked_up_gives_its_place_in_the_queue_back()
    {
        var store = new LookupUntilCancelled();
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/hello", typeof(Hello))),
            options: o => o.Background.MaxQueueLength = 1,
            services: s => s.AddSingleton<IExecutionStore>(store));

        using var gone = new CancellationTokenSource();
        using var leaving = Post("k-taken");
        var sending = server.Client.SendAsync(leaving, gone.Token);
        await store.LookingUp.WaitAsync(Probe.Patience);
        await gone.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
        await store.Cancelled.WaitAsync(Probe.Patience);   // the server saw the client go
        using var next = Post("k-next");
        var accepted = await server.Client.SendAsync(next);

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
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

    // The key is taken: reading who holds it takes until the request is cancelled, then fails as a read then does.
    private sealed class LookupUntilCancelled : ForwardingStore
    {
        private readonly TaskCompletionSource _lookingUp = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _cancelled = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task LookingUp => _lookingUp.Task;

        public Task Cancelled => _cancelled.Task;

        public override async Task<KeyedAdd> AddOnceAsync(ExecutionRecord record, RequestSnapshot request, IdempotencyKey key, CancellationToken cancellationToken)
        {
            if (key.Value != "k-taken")
            {
                return await base.AddOnceAsync(record, request, key, cancellationToken);
            }

            _lookingUp.TrySetResult();
            try
            {
                await Task.Delay(Probe.Patience, cancellationToken);
                throw new InvalidOperationException("the request was not cancelled");
            }
            finally
            {
                _cancelled.TrySetResult();
            }
        }
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
