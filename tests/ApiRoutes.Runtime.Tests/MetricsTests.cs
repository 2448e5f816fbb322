using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
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
}
