using System.Diagnostics;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Testing;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Tracing;

/// <summary>
/// The trace context is stored with the execution: an attempt run after a restart (SQLite) or by the replica that took
/// the work over (PostgreSQL) is still a child of the request that was accepted.
/// </summary>
public sealed class TraceAcrossProcessesTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("apiroutes-trace-").FullName;

    [Fact]
    public async Task After_a_restart_the_cut_attempt_run_again_is_a_child_of_the_accepted_request()
    {
        var manifest = Create(BackgroundRoute("/api/traced", typeof(Traced)));
        var before = new Telemetry();
        string id;
        ActivityTraceId trace;
        Activity request, cut;
        await using (var first = await TestServer.StartAsync(manifest, options: Sqlite, services: before.AddTo))
        {
            (id, trace) = await TraceExportTests.PostAsync(first, "/api/traced?block=1");
            await Poll.UntilAsync(() => !before.Seen.Seen.IsEmpty);
            var stopping = first.StopAsync();
            await first.WaitForLogAsync("ApiRoutes[2008]");
            first.FakeTime.Advance(TimeSpan.FromSeconds(30));   // the drain period ends: the attempt is cut
            await stopping.WaitAsync(Probe.Patience);
            cut = Assert.Single(await before.WaitForAttemptsAsync(first, 1));
            request = before.RequestIn(trace);
        }

        var after = new Telemetry();
        await using var second = await TestServer.StartAsync(manifest, options: Sqlite, services: after.AddTo);
        second.Probe.Open("slow");
        await second.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Succeeded);
        var resumed = Assert.Single(await after.WaitForAttemptsAsync(second, 1));

        Assert.Equal(("cut", "1"), (TraceExportTests.Tag(cut, "apiroutes.execution.outcome"), TraceExportTests.Tag(cut, "apiroutes.execution.attempt")));
        Assert.Equal((trace, request.SpanId), (resumed.TraceId, resumed.ParentSpanId));
        Assert.Equal(("succeeded", "1"), (TraceExportTests.Tag(resumed, "apiroutes.execution.outcome"), TraceExportTests.Tag(resumed, "apiroutes.execution.attempt")));
        Assert.Equal("congo=t61rcWkgMzE", resumed.TraceStateString);
        Assert.Equal(trace.ToHexString(), after.Seen.Seen.Single().TraceId);
    }

    [Fact]
    public async Task Work_taken_over_by_another_replica_stays_in_the_trace_of_the_accepted_request()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        var manifest = Create(BackgroundRoute("/api/traced", typeof(Traced)));
        var survivorTelemetry = new Telemetry();
        var stoppingTelemetry = new Telemetry();
        await using var survivor = await TestServer.StartAsync(manifest, options: o => Postgres(o, database), services: survivorTelemetry.AddTo);
        string id;
        ActivityTraceId trace;
        Activity request;
        await using (var stopping = await TestServer.StartAsync(manifest, options: o => Postgres(o, database), services: stoppingTelemetry.AddTo))
        {
            (id, trace) = await TraceExportTests.PostAsync(stopping, "/api/traced?block=1");
            await Poll.UntilAsync(() => !stoppingTelemetry.Seen.Seen.IsEmpty);
            var stop = stopping.StopAsync();
            await stopping.WaitForLogAsync("ApiRoutes[2008]");
            stopping.FakeTime.Advance(TimeSpan.FromSeconds(30));
            await stop.WaitAsync(Probe.Patience);
            request = stoppingTelemetry.RequestIn(trace);
        }

        survivor.Probe.Open("slow");
        survivor.FakeTime.Advance(Lease / 2);   // its take-over period: the survivor takes the stopped replica's work
        await survivor.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Succeeded);
        // Both replicas are in this test process, so the listener sees the cut attempt too: two spans, one parent.
        var attempts = await survivorTelemetry.WaitForAttemptsAsync(survivor, 2);

        Assert.Equal([("1", "cut"), ("2", "succeeded")], attempts.Select(span => (TraceExportTests.Tag(span, "apiroutes.execution.attempt"), TraceExportTests.Tag(span, "apiroutes.execution.outcome"))));
        Assert.All(attempts, span => Assert.Equal((trace, request.SpanId), (span.TraceId, span.ParentSpanId)));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private void Sqlite(ApiRoutesOptions options)
    {
        options.Store.Provider = StoreProvider.Sqlite;
        options.Store.Path = Path.Combine(_folder, "executions.db");
    }

    private static void Postgres(ApiRoutesOptions options, string database)
    {
        options.Store.Provider = StoreProvider.PostgreSql;
        options.Store.ConnectionString = database;
        options.Background.MaxConcurrency = 1;
        // Long enough that the drain's jump of the fake clock (30 s at once, before a renewal's answer can come back)
        // does not trip the stopping replica's fence, three quarters of a lease without a renewal.
        options.Store.LeaseDuration = Lease;
    }

    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);
}
