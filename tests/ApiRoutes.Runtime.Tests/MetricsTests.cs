using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ApiRoutes.Diagnostics;
using ApiRoutes.Manifest;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

public class MetricsTests
{
    [Fact]
    public async Task Requests_and_executions_are_counted_on_the_ApiRoutes_meter()
    {
        var measurements = new ConcurrentQueue<string>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "ApiRoutes")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            measurements.Enqueue($"{instrument.Name} {value} {string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}"))}"));
        listener.SetMeasurementEventCallback<double>((instrument, _, tags, _) =>
            measurements.Enqueue($"{instrument.Name} {string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}"))}"));
        listener.Start();

        await using var server = await TestServer.StartAsync(Create(StandardRoute("/api/hello/{name}", typeof(Hello)), BackgroundRoute("/api/slow", typeof(Slow))));
        await server.Client.GetStringAsync("/api/hello/x");
        await server.Client.PostAsync("/api/slow", null);
        server.Probe.Open("slow");
        await server.WaitForExecutionAsync(r => r.Status == ExecutionStatus.Succeeded);
        await Task.Delay(50);

        Assert.Contains("apiroutes.requests 1 apiroutes.route=/api/hello/{name},apiroutes.kind=standard", measurements);
        Assert.Contains("apiroutes.requests 1 apiroutes.route=/api/slow,apiroutes.kind=background", measurements);
        Assert.Contains("apiroutes.executions 1 apiroutes.route=/api/slow,apiroutes.kind=background,apiroutes.outcome=succeeded", measurements);
        Assert.Contains("apiroutes.execution.duration apiroutes.route=/api/slow,apiroutes.kind=background,apiroutes.outcome=succeeded", measurements);
    }

    [Fact]
    public void A_listener_that_subscribes_after_start_up_gets_what_is_recorded_from_then_on_and_nothing_is_recorded_before()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var metrics = new ApiRoutesMetrics(factory, new ExecutionLog());
        var measurements = new ConcurrentQueue<string>();
        metrics.Request("/api/before", RouteKind.Standard);   // nobody listens: not recorded (its tags are not even built)

        // This meter's instruments only (its factory is its scope): a listener is the process's, and the apps of test
        // classes running beside this one record on meters of the same name (helper 37a: their requests were counted).
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == ApiRoutesMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            measurements.Enqueue($"{instrument.Name} {value} {string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}"))}"));
        listener.Start();
        metrics.Request("/api/after", RouteKind.Standard);
        metrics.Rejected("/api/after", 503);
        metrics.OccurrencesMissed("/api/after", 2);

        Assert.Equal(
            [
                "apiroutes.requests 1 apiroutes.route=/api/after,apiroutes.kind=standard",
                "apiroutes.background.rejected 1 apiroutes.route=/api/after,http.response.status_code=503",
                "apiroutes.schedule.missed 2 apiroutes.route=/api/after",
            ],
            measurements);
    }
}
