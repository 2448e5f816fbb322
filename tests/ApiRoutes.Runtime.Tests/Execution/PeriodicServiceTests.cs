using ApiRoutes.Hosting;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Execution;

/// <summary>The runtime's periodic loops, each a hosted service of its own, on a fake clock.</summary>
public sealed class PeriodicServiceTests
{
    [Fact]
    public async Task A_loop_whose_run_fails_logs_it_and_runs_again_at_its_next_tick()
    {
        var time = new FakeTimeProvider();
        var logs = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var factory = LoggerFactory.Create(builder => builder.AddProvider(new ListLoggerProvider(logs)));
        using var loop = new FailingLoop(
            time,
            factory.CreateLogger("ApiRoutes"),
            [new InvalidOperationException("a bug"), new ExecutionStoreUnavailableException("The store is away."), new Microsoft.Data.Sqlite.SqliteException("SQLite Error 11: 'database disk image is malformed'.", 11)]);
        await loop.StartAsync(default);

        for (var tick = 1; tick <= 4; tick++)
        {
            time.Advance(TimeSpan.FromMinutes(1));
            await loop.Ran.Reader.ReadAsync().AsTask().WaitAsync(Probe.Patience);
        }

        await loop.StopAsync(default);
        Assert.Equal(4, loop.Runs);
        Assert.Contains(logs, line => line.StartsWith("ApiRoutes[2021] Error: The runtime's loop 'failing' failed; it goes on at its next tick", StringComparison.Ordinal));
        // Review 25b F14: a loop's store failure was 2010, "could not record execution (failing)": no execution was.
        Assert.Contains(logs, line => line.StartsWith("ApiRoutes[2045] Error: The runtime's loop 'failing' could not use the execution store; it tries again at its next tick", StringComparison.Ordinal));
        Assert.DoesNotContain(logs, line => line.Contains("[2010]", StringComparison.Ordinal));
        Assert.Single(logs, line => line.StartsWith("ApiRoutes[2021]", StringComparison.Ordinal));   // a damaged file (review 25b F16) is the store's, not a bug
        Assert.Equal(2, logs.Count(line => line.StartsWith("ApiRoutes[2045]", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Retention_prunes_at_start_and_then_every_hour()
    {
        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/slow", typeof(Slow))));
        await server.WaitForLogAsync("ApiRoutes[2012] Debug: Pruned 0 finished execution(s) older than 7.00:00:00");
        var store = server.Services.GetRequiredService<IExecutionStore>();
        var now = server.FakeTime.GetUtcNow();
        await store.UpdateAsync(new ExecutionRecord { Id = "old", Route = "/api/slow", Kind = "background", Status = ExecutionStatus.Succeeded, AcceptedAt = now.AddDays(-8), FinishedAt = now.AddDays(-8) }, default);

        server.FakeTime.Advance(TimeSpan.FromHours(1));

        await server.WaitForLogAsync("ApiRoutes[2012] Debug: Pruned 1 finished execution(s)");
        Assert.Null(await store.FindAsync("old", default));
    }

    private sealed class FailingLoop(TimeProvider time, ILogger logger, Exception[] faults) : PeriodicService(time, logger)
    {
        private int _runs;

        public System.Threading.Channels.Channel<int> Ran { get; } = System.Threading.Channels.Channel.CreateUnbounded<int>();

        public int Runs => _runs;

        protected override TimeSpan? Period => TimeSpan.FromMinutes(1);

        protected override string Name => "failing";

        protected override Task RunOnceAsync(CancellationToken stopping)
        {
            var run = Interlocked.Increment(ref _runs);
            Ran.Writer.TryWrite(run);
            return run <= faults.Length ? throw faults[run - 1] : Task.CompletedTask;
        }
    }
}
