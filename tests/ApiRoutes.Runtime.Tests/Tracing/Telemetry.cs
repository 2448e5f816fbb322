using System.Diagnostics;
using ApiRoutes.Runtime.Tests.Infrastructure;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Trace;
using Microsoft.Extensions.DependencyInjection;

namespace ApiRoutes.Runtime.Tests.Tracing;

/// <summary>One exported log record: where from, what, and in which trace and span.</summary>
internal sealed record ExportedLog(string? Category, string? Message, ActivityTraceId TraceId, ActivitySpanId SpanId);

/// <summary>
/// OpenTelemetry as an app sets it up — the ApiRoutes source and ASP.NET Core's requests, and logs — with the
/// in-memory exporter, so a test reads the spans and log records the SDK would send to a collector.
/// </summary>
internal sealed class Telemetry
{
    public List<Activity> Spans { get; } = [];

    /// <summary>Log records as exported: the SDK reuses its LogRecord objects, so what matters is copied.</summary>
    public List<ExportedLog> Logs { get; } = [];

    public ActivityProbe Seen { get; } = new();

    /// <summary>
    /// Spans of the ApiRoutes source for executions of <paramref name="server"/>, by execution and attempt. Listeners are
    /// process-wide: tests running side by side see each other's spans, so they are told apart by execution.
    /// </summary>
    public IReadOnlyList<Activity> AttemptsOf(TestServer server)
    {
        lock (Spans)
        {
            return [.. Spans.Where(span => span.Source.Name == ApiRoutesTracing.SourceName
                && span.GetTagItem(ApiRoutesTracing.ExecutionId) is string id && server.Executions.Find(id) is not null)
                .OrderBy(span => (string)span.GetTagItem(ApiRoutesTracing.ExecutionId)!, StringComparer.Ordinal)
                .ThenBy(span => (int)span.GetTagItem(ApiRoutesTracing.Attempt)!)];
        }
    }

    /// <summary>The server span of the request ASP.NET Core answered in <paramref name="trace"/>.</summary>
    public Activity RequestIn(ActivityTraceId trace)
    {
        lock (Spans)
        {
            return Spans.Single(span => span.Source.Name == "Microsoft.AspNetCore" && span.TraceId == trace);
        }
    }

    /// <summary>The log records written in <paramref name="trace"/>.</summary>
    public IReadOnlyList<ExportedLog> LogsIn(ActivityTraceId trace)
    {
        lock (Logs)
        {
            return [.. Logs.Where(log => log.TraceId == trace)];
        }
    }

    public void AddTo(IServiceCollection services)
    {
        services.AddSingleton(Seen);
        services.AddOpenTelemetry()
            .WithTracing(tracing => tracing
                .AddSource(ApiRoutesTracing.SourceName, "Microsoft.AspNetCore")
                .AddProcessor(new SimpleActivityExportProcessor(new Locked<Activity>(Spans))))
            .WithLogging(
                logging => logging.AddProcessor(new SimpleLogRecordExportProcessor(new LogCopies(Logs))),
                options => options.IncludeFormattedMessage = true);
    }

    /// <summary>Waits until <paramref name="count"/> attempts on <paramref name="server"/> have ended (bounded by the probe's patience).</summary>
    public async Task<IReadOnlyList<Activity>> WaitForAttemptsAsync(TestServer server, int count)
    {
        var deadline = DateTime.UtcNow + Handlers.Probe.Patience;
        while (AttemptsOf(server).Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{AttemptsOf(server).Count} of {count} attempt span(s) ended.");
            }

            await Task.Delay(10);
        }

        return AttemptsOf(server);
    }

    private sealed class LogCopies(List<ExportedLog> logs) : BaseExporter<LogRecord>
    {
        public override ExportResult Export(in Batch<LogRecord> batch)
        {
            lock (logs)
            {
                foreach (var record in batch)
                {
                    logs.Add(new ExportedLog(record.CategoryName, record.FormattedMessage ?? record.Body, record.TraceId, record.SpanId));
                }
            }

            return ExportResult.Success;
        }
    }

    // The in-memory exporter's list, guarded: spans end on several threads at once.
    private sealed class Locked<T>(List<T> items) : BaseExporter<T>
        where T : class
    {
        private readonly InMemoryExporter<T> _inner = new(items);

        public override ExportResult Export(in Batch<T> batch)
        {
            lock (items)
            {
                return _inner.Export(batch);
            }
        }
    }
}
