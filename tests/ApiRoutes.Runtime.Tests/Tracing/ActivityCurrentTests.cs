using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Tracing;

/// <summary>Without any OpenTelemetry set up, a handler still runs inside an activity of the caller's trace.</summary>
public sealed class ActivityCurrentTests
{
    [Fact]
    public async Task A_background_handler_runs_in_the_trace_of_the_request_that_was_accepted()
    {
        var probe = new ActivityProbe();
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/traced", typeof(Traced))),
            services: s => s.AddSingleton(probe));
        var (id, trace) = await TraceExportTests.PostAsync(server, "/api/traced");
        await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Succeeded);

        var seen = Assert.Single(probe.Seen);
        Assert.Equal(trace.ToHexString(), seen.TraceId);
        Assert.NotEqual(TraceExportTests.CallerSpan, seen.SpanId);   // a span of its own, in the caller's trace
    }

    [Fact]
    public async Task The_handlers_log_scopes_carry_the_trace_as_ActivityTrackingOptions_add_it()
    {
        var probe = new ActivityProbe();
        var scopes = new ScopeCapture<Traced>();
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/traced", typeof(Traced))),
            services: s => s.AddSingleton(probe).AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(scopes));
        var (id, trace) = await TraceExportTests.PostAsync(server, "/api/traced");
        await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Succeeded);

        var line = Assert.Single(scopes.Lines);
        Assert.Equal((trace.ToHexString(), Assert.Single(probe.Seen).SpanId), (line["TraceId"]?.ToString(), line["SpanId"]?.ToString()));
    }

    [Fact]
    public async Task A_scheduled_handler_runs_in_a_trace_of_its_own()
    {
        var probe = new ActivityProbe();
        await using var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/traced", typeof(Traced), "@hourly")),
            now: new DateTimeOffset(2026, 1, 1, 0, 59, 30, TimeSpan.Zero),
            services: s => s.AddSingleton(probe));
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/traced waiting for 2026-01-01T01:00:00");

        server.FakeTime.Advance(TimeSpan.FromSeconds(30));
        await server.WaitForExecutionAsync(r => r.Status == ExecutionStatus.Succeeded);

        var seen = Assert.Single(probe.Seen);
        Assert.Matches("^[0-9a-f]{32}$", seen.TraceId);
        Assert.Equal("0000000000000000", seen.ParentSpanId);   // a root: no parent
    }
}
