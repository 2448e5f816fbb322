using System.Net;
using ApiRoutes.Execution;
using ApiRoutes.Hosting;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// A background request accepted while start-up recovery reads the unfinished rows runs once: its row is visible to
/// recovery before the request is told it is durable, and recovery sees that this process holds it (review 4, finding 2).
/// </summary>
public sealed class RecoveryDuringAdmissionTests
{
    [Fact]
    public async Task Recovery_stopped_after_it_was_disposed_stops_quietly_as_WebApplicationFactory_disposes_it()
    {
        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/hello", typeof(Hello))));
        var recovery = server.Services.GetServices<IHostedService>().OfType<StartupRecoveryService>().Single();

        recovery.Dispose();
        await recovery.StopAsync(CancellationToken.None).WaitAsync(Probe.Patience);

        Assert.DoesNotContain(server.Logs, line => line.Contains("(recovery at start-up)", StringComparison.Ordinal));
    }

    // The template's test project saw it (WebApplicationFactory, a scheduled run still going at the stop): the drain's cut
    // threw ObjectDisposedException out of the host's StopAsync.
    [Fact]
    public async Task Workers_stopped_after_the_runner_was_disposed_still_cut_what_runs_as_WebApplicationFactory_disposes_them()
    {
        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/wait", typeof(HonorsCancellation))));
        using var response = await server.Client.PostAsync("/api/wait", null);
        // In its handler, past reading the body: "running" is recorded before the handler starts, and a cut that came
        // then found its token cancelled already, so the body read threw before the handler could signal (seen in CI).
        await server.Probe.NextAsync();
        var workers = server.Services.GetServices<IHostedService>().OfType<ApiRoutes.Background.BackgroundWorkers>().Single();

        server.Services.GetRequiredService<ExecutionRunner>().Dispose();
        var stopping = workers.StopAsync(CancellationToken.None);
        server.FakeTime.Advance(TimeSpan.FromMinutes(1));   // past the drain period: what still runs is cut
        await stopping.WaitAsync(Probe.Patience);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await server.Probe.WaitForSignalAsync("cancelled");   // its handler saw the cut
    }

    [Fact]
    public async Task A_request_whose_row_recovery_reads_before_it_is_queued_runs_once()
    {
        var store = new RaceStore();
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/hello", typeof(Hello))),
            services: s => s.AddSingleton<IExecutionStore>(store));

        var posting = server.Client.PostAsync("/api/hello", null);
        await store.Written.WaitAsync(Probe.Patience);   // its row is committed; the flush that makes it durable is held

        // Recovery reads the row now, and ends before the request is queued: the order that ran it twice.
        var recovery = server.Services.GetServices<IHostedService>().OfType<StartupRecoveryService>().Single();
        await recovery.StopAsync(CancellationToken.None).WaitAsync(Probe.Patience);
        Assert.Empty(server.Executions.Snapshot());        // accepted but not stored yet: neither shown
        Assert.Equal(0, server.Executions.QueuedCount);    // nor counted
        store.Flushed();

        using var response = await posting.WaitAsync(Probe.Patience);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = response.Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Succeeded);
        await server.StopAsync().WaitAsync(Probe.Patience);   // the drain: whatever was queued has run

        Assert.Equal(1, server.Probe.Count(nameof(Hello)));
        Assert.Single(server.Logs, line => line.StartsWith($"ApiRoutes[2002] Information: Execution {id} of /api/hello started", StringComparison.Ordinal));
        Assert.DoesNotContain(server.Logs, line => line.StartsWith("ApiRoutes[2009]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_request_whose_row_could_not_be_written_is_forgotten()
    {
        var store = new FailingStore();
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/hello", typeof(Hello))),
            services: s => s.AddSingleton<IExecutionStore>(store));

        using var response = await server.Client.PostAsync("/api/hello", null);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Null(server.Executions.Find(store.Refused!));
        Assert.Empty(server.Executions.Snapshot());
        await server.StopAsync().WaitAsync(Probe.Patience);
        Assert.DoesNotContain(server.Logs, line => line.StartsWith("ApiRoutes[2020]", StringComparison.Ordinal) || line.StartsWith("ApiRoutes[2007]", StringComparison.Ordinal));
    }

    // The first row is committed (recovery can read it) but its flush waits until the test lets it go on.
    private sealed class RaceStore : ForwardingStore
    {
        private readonly TaskCompletionSource _written = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _flushed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _adds;

        public Task Written => _written.Task;

        public void Flushed() => _flushed.TrySetResult();

        public override async Task AddAsync(ExecutionRecord record, RequestSnapshot? request, CancellationToken cancellationToken)
        {
            await base.AddAsync(record, request, cancellationToken);
            if (Interlocked.Increment(ref _adds) == 1)
            {
                _written.TrySetResult();
                await _flushed.Task.WaitAsync(Probe.Patience);
            }
        }

        public override async Task<IReadOnlyList<StoredExecution>> GetUnfinishedAsync(int limit, DateTimeOffset? runnableAt, CancellationToken cancellationToken)
        {
            await _written.Task.WaitAsync(Probe.Patience);   // start-up recovery reads while the first request is flushed
            return await base.GetUnfinishedAsync(limit, runnableAt, cancellationToken);
        }
    }

    // Its write fails after the row was handed to it (a failed flush).
    private sealed class FailingStore : ForwardingStore
    {
        public string? Refused { get; private set; }

        public override async Task AddAsync(ExecutionRecord record, RequestSnapshot? request, CancellationToken cancellationToken)
        {
            Refused = record.Id;
            await Task.Yield();
            throw new ExecutionStoreUnavailableException("The execution store 'test' cannot be written: disk I/O error");
        }
    }
}
