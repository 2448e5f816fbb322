using System.Net;
using ApiRoutes.Execution;
using ApiRoutes.Hosting;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Hosting;

/// <summary>
/// Review 10 (R10-1): recovery runs once the first answer has gone out, while this process already runs work. The 1,000
/// rows of older history it reads first pushed this process's own newest finished executions out of the log's bounded
/// history; one whose end was not yet written was then no longer held here, and recovery's next read took it up as
/// orphaned: its handler ran a second time.
/// </summary>
public sealed class RecoveryKeepsOwnExecutionsTests
{
    [Fact]
    public async Task An_execution_that_finished_here_before_the_history_was_read_is_not_taken_up_again()
    {
        var store = new WithheldEndStore();
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/hello", typeof(Hello))),
            services: s => s.AddSingleton<IExecutionStore>(store));
        var recovery = server.Services.GetServices<IHostedService>().OfType<StartupRecoveryService>().Single();

        using var response = await server.Client.PostAsync("/api/hello", null);   // its answer opens the gate
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = response.Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Succeeded);
        await store.EndWithheld.WaitAsync(Probe.Patience);   // finished here; its end not yet in the store

        store.ReleaseHistory();
        await recovery.Recovered.WaitAsync(Probe.Patience);
        store.ReleaseEnd();

        Assert.Equal(1, server.Probe.Count(nameof(Hello)));
        Assert.DoesNotContain(server.Logs, line => line.StartsWith("ApiRoutes[2009]", StringComparison.Ordinal));   // "Recovered N unfinished"
        Assert.Equal((ExecutionStatus.Succeeded, 1), (server.Executions.Find(id)!.Status, server.Executions.Find(id)!.Attempt));
        Assert.Equal(1000, server.Executions.Snapshot().Count);   // this process's one, then 999 of the store's history
    }

    // The history read waits for the test; the first success's end write is held back, as a group commit not yet flushed.
    private sealed class WithheldEndStore : ForwardingStore, IExecutionStore
    {
        private readonly TaskCompletionSource _history = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _endWithheld = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _end = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task EndWithheld => _endWithheld.Task;

        public void ReleaseHistory() => _history.TrySetResult();

        public void ReleaseEnd() => _end.TrySetResult();

        // 1,000 finished executions of an earlier process, older than anything this one ran.
        public async Task<IReadOnlyList<ExecutionRecord>> GetRecentAsync(int limit, CancellationToken cancellationToken)
        {
            await _history.Task.WaitAsync(Probe.Patience, cancellationToken);
            return EarlierHistory.Of("/api/hello", "background", limit);
        }

        public override async Task UpdateAsync(ExecutionRecord record, CancellationToken cancellationToken)
        {
            if (record.Status == ExecutionStatus.Succeeded && _endWithheld.TrySetResult())
            {
                await _end.Task.WaitAsync(Probe.Patience, cancellationToken);
            }

            await base.UpdateAsync(record, cancellationToken);
        }
    }
}
