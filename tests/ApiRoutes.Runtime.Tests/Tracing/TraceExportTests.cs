using System.Diagnostics;
using System.Globalization;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Scheduling;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Tracing;

/// <summary>
/// Spans and logs as the OpenTelemetry SDK exports them (in-memory exporter): a span per background attempt under the
/// request that was accepted, a trace of its own per scheduled run, an external trigger's trace continued.
/// </summary>
public sealed class TraceExportTests
{
    internal const string CallerSpan = "b7ad6b7169203331";

    [Fact]
    public async Task A_background_attempt_is_a_span_under_the_accepted_request_and_the_handlers_logs_carry_it()
    {
        var telemetry = new Telemetry();
        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/traced", typeof(Traced))), services: telemetry.AddTo);

        var (id, trace) = await PostAsync(server, "/api/traced");
        await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Succeeded);
        var attempt = Assert.Single(await telemetry.WaitForAttemptsAsync(server, 1));

        var request = telemetry.RequestIn(trace);
        Assert.Equal(CallerSpan, request.ParentSpanId.ToHexString());
        Assert.Equal((trace, request.SpanId), (attempt.TraceId, attempt.ParentSpanId));
        Assert.Equal(("background /api/traced", ActivityKind.Consumer, ActivityStatusCode.Unset), (attempt.DisplayName, attempt.Kind, attempt.Status));
        Assert.Equal(
            [("apiroutes.execution.attempt", "1"), ("apiroutes.execution.id", id), ("apiroutes.execution.outcome", "succeeded"), ("apiroutes.route.kind", "background"), ("http.route", "/api/traced")],
            Tags(attempt));
        var logged = telemetry.LogsIn(trace).Single(log => log.Message == "Traced handler ran");
        Assert.Equal(attempt.SpanId, logged.SpanId);
        Assert.Contains(telemetry.LogsIn(trace), log => log.Category == "ApiRoutes" && log.Message!.Contains($"Execution {id}", StringComparison.Ordinal) && log.SpanId == attempt.SpanId);
    }

    [Fact]
    public async Task Each_attempt_of_a_retried_execution_is_a_span_with_how_it_ended_under_the_same_request()
    {
        var telemetry = new Telemetry();
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/traced", typeof(Traced))),
            options: o => o.Background.RetryDelays = [TimeSpan.FromSeconds(1)],
            services: telemetry.AddTo);

        var (id, trace) = await PostAsync(server, "/api/traced?fail=1");
        await server.WaitForExecutionAsync(r => r.Id == id && r.Attempt == 2 && r.Status == ExecutionStatus.Queued);
        server.FakeTime.Advance(TimeSpan.FromSeconds(1));
        await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Failed);
        var attempts = await telemetry.WaitForAttemptsAsync(server, 2);

        Assert.Equal(["1", "2"], attempts.Select(span => Tag(span, "apiroutes.execution.attempt")));
        Assert.Single(attempts.Select(span => span.ParentSpanId).Distinct());
        Assert.All(attempts, span =>
        {
            Assert.Equal(trace, span.TraceId);
            Assert.Equal((ActivityStatusCode.Error, "traced handler failed"), (span.Status, span.StatusDescription));
            Assert.Equal(("failed", "System.InvalidOperationException"), (Tag(span, "apiroutes.execution.outcome"), Tag(span, "error.type")));
            Assert.Equal("exception", Assert.Single(span.Events).Name);
        });
    }

    [Fact]
    public async Task A_scheduled_run_starts_a_trace_of_its_own()
    {
        var telemetry = new Telemetry();
        await using var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/traced", typeof(Traced), "@hourly")),
            now: new DateTimeOffset(2026, 1, 1, 0, 59, 30, TimeSpan.Zero),
            services: telemetry.AddTo);
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/traced waiting for 2026-01-01T01:00:00");

        server.FakeTime.Advance(TimeSpan.FromSeconds(30));
        var run = Assert.Single(await telemetry.WaitForAttemptsAsync(server, 1));

        Assert.Equal((default, ActivityKind.Internal, "scheduled /api/traced"), (run.ParentSpanId, run.Kind, run.DisplayName));
        Assert.Equal(("2026-01-01T01:00:00.0000000Z", "scheduler"), (Tag(run, "apiroutes.schedule.occurrence"), Tag(run, "apiroutes.schedule.trigger")));
        Assert.Equal(run.TraceId.ToHexString(), Assert.Single(telemetry.Seen.Seen).TraceId);
    }

    [Fact]
    public async Task An_external_trigger_continues_the_callers_trace()
    {
        const string secret = "0123456789abcdef0123456789abcdef-test-secret";
        var telemetry = new Telemetry();
        await using var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/traced", typeof(Traced), "@hourly")),
            options: o => (o.Scheduling.Enabled, o.Scheduling.ExternalTriggerSecret) = (false, secret),
            services: telemetry.AddTo);
        server.FakeTime.Advance(TimeSpan.FromMinutes(10));
        var timestamp = server.FakeTime.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var trigger = new HttpRequestMessage(HttpMethod.Post, TriggerSignature.Path);
        trigger.Headers.Add(TriggerSignature.RouteHeader, "/api/traced");
        trigger.Headers.Add(TriggerSignature.OccurrenceHeader, "2026-01-01T00:00:00Z");
        trigger.Headers.Add(TriggerSignature.TimestampHeader, timestamp);
        trigger.Headers.Add(TriggerSignature.SignatureHeader, TriggerSignature.Compute(secret, "/api/traced", "2026-01-01T00:00:00Z", timestamp));
        var trace = ActivityTraceId.CreateRandom();
        trigger.Headers.Add("traceparent", $"00-{trace}-{CallerSpan}-01");

        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await server.Client.SendAsync(trigger)).StatusCode);
        var run = Assert.Single(await telemetry.WaitForAttemptsAsync(server, 1));

        Assert.Equal((trace, telemetry.RequestIn(trace).SpanId), (run.TraceId, run.ParentSpanId));
        Assert.Equal("external", Tag(run, "apiroutes.schedule.trigger"));
    }

    /// <summary>Posts in a new trace of the caller (<c>traceparent</c>); returns the execution id and the trace.</summary>
    internal static async Task<(string Id, ActivityTraceId Trace)> PostAsync(TestServer server, string path)
    {
        var trace = ActivityTraceId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Add("traceparent", $"00-{trace}-{CallerSpan}-01");
        request.Headers.Add("tracestate", "congo=t61rcWkgMzE");
        return ((await server.Client.SendAsync(request)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single(), trace);
    }

    internal static string? Tag(Activity span, string name) => span.TagObjects.FirstOrDefault(tag => tag.Key == name).Value is { } value
        ? Convert.ToString(value, CultureInfo.InvariantCulture)
        : null;

    private static (string, string?)[] Tags(Activity span) =>
        [.. span.TagObjects.Select(tag => (tag.Key, Convert.ToString(tag.Value, CultureInfo.InvariantCulture))).OrderBy(tag => tag.Key, StringComparer.Ordinal)];
}
