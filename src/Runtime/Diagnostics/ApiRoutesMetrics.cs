using System.Diagnostics;
using System.Diagnostics.Metrics;
using ApiRoutes.Manifest;

namespace ApiRoutes.Diagnostics;

/// <summary>
/// Metrics of the runtime on the meter <c>ApiRoutes</c>, for OpenTelemetry (<c>AddMeter("ApiRoutes")</c>) or
/// <c>dotnet-counters</c>. README lists the instruments.
/// </summary>
internal sealed class ApiRoutesMetrics : IDisposable
{
    public const string MeterName = "ApiRoutes";

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _executions;
    private readonly Histogram<double> _executionDuration;
    private readonly Counter<long> _missed;

    public ApiRoutesMetrics(IMeterFactory meterFactory, ExecutionLog log)
        : this(meterFactory, () => log)
    {
    }

    /// <param name="meterFactory">The app's meter factory.</param>
    /// <param name="log">The execution log, asked for only when a listener reads the gauges: it needs the execution
    /// store, which is still opening while the routes (and so this) are created at start-up.</param>
    public ApiRoutesMetrics(IMeterFactory meterFactory, Func<ExecutionLog> log)
    {
        _meter = meterFactory.Create(MeterName);
        _requests = _meter.CreateCounter<long>("apiroutes.requests", "{request}", "Requests answered by standard routes and accepted by background routes.");
        _rejected = _meter.CreateCounter<long>("apiroutes.background.rejected", "{request}", "Background requests refused (queue full, body too large, shutting down).");
        _executions = _meter.CreateCounter<long>("apiroutes.executions", "{execution}", "Finished background and scheduled executions, by outcome.");
        _executionDuration = _meter.CreateHistogram<double>("apiroutes.execution.duration", "s", "Duration of background and scheduled executions.");
        _missed = _meter.CreateCounter<long>("apiroutes.schedule.missed", "{occurrence}", "Schedule occurrences missed while no instance of the app was up (counted at start-up).");
        _meter.CreateObservableGauge("apiroutes.background.queue_length", () => log().QueuedCount, "{execution}", "Accepted executions waiting to start.");
        _meter.CreateObservableGauge("apiroutes.executions.running", () => log().RunningCount, "{execution}", "Executions running now.");
    }

    // Each method records only while something listens (Enabled): without a listener the tags are not even built, and
    // the first request does not JIT-compile the recording path (bench/load/README.md, "Start-up").
    public void Request(string route, RouteKind kind)
    {
        if (_requests.Enabled)
        {
            _requests.Add(1, new TagList { { "apiroutes.route", route }, { "apiroutes.kind", kind.Name() } });
        }
    }

    public void Rejected(string route, int statusCode)
    {
        if (_rejected.Enabled)
        {
            _rejected.Add(1, new TagList { { "apiroutes.route", route }, { "http.response.status_code", statusCode } });
        }
    }

    public void ExecutionFinished(string route, RouteKind kind, ExecutionStatus status, TimeSpan duration)
    {
        if (!_executions.Enabled && !_executionDuration.Enabled)
        {
            return;
        }

        var tags = new TagList { { "apiroutes.route", route }, { "apiroutes.kind", kind.Name() }, { "apiroutes.outcome", ExecutionLog.Name(status) } };
        _executions.Add(1, tags);
        _executionDuration.Record(duration.TotalSeconds, tags);
    }

    public void OccurrencesMissed(string route, int count)
    {
        if (_missed.Enabled)
        {
            _missed.Add(count, new TagList { { "apiroutes.route", route } });
        }
    }

    public void Dispose() => _meter.Dispose();

}
