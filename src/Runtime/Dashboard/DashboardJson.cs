using System.Text.Json;
using System.Text.Json.Serialization;
using ApiRoutes.Manifest;
using Microsoft.AspNetCore.Http;

namespace ApiRoutes.Dashboard;

/// <summary>
/// The JSON bodies of the dashboard API and of ApiRoutes' own refusals, written through a source-generated context so
/// that trimmed and Native AOT apps serialize them without reflection.
/// </summary>
internal static class DashboardJson
{
    public static IResult Error(string message, int statusCode = StatusCodes.Status400BadRequest) =>
        Results.Json(new ErrorBody(message), DashboardJsonContext.Default.ErrorBody, statusCode: statusCode);

    public static Task WriteErrorAsync(HttpResponse response, string message) =>
        response.WriteAsJsonAsync(new ErrorBody(message), DashboardJsonContext.Default.ErrorBody);
}

internal sealed record ErrorBody(string? Error);

internal sealed record RouteView(string Route, string Kind, string Handler, ManifestSource? Source, int? TimeLimitSeconds, ScheduleView? Schedule);

internal sealed record ScheduleView(
    string Expression, string Normalized, string TimeZone, bool Paused, DateTimeOffset? PausedUntil, string Description, IReadOnlyList<string> NextRuns);

internal sealed record ExecutionView(
    string Id,
    string Route,
    string Kind,
    string Status,
    int Attempt,
    DateTimeOffset AcceptedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    long? DurationMs,
    DateTimeOffset? Occurrence,
    string? Error,
    bool WaitingForRetry,
    DateTimeOffset? RetryAt,
    string? ReplayOf,
    string? TraceId);

/// <summary>An execution, its earlier attempts (oldest first: when each ran, why it failed) and the lines it logged here.</summary>
internal sealed record ExecutionDetail(ExecutionView Execution, IReadOnlyList<EarlierAttempt> EarlierAttempts, IReadOnlyList<string> LogLines);

internal sealed record OccurrenceView(
    string Route, string Occurrence, string Outcome, string? ExecutionId, string? ExecutionStatus, string? Detail, DateTimeOffset RecordedAt);

internal sealed record AcceptedRun(string ExecutionId);

/// <summary>What a status URL tells a caller: never the error text.</summary>
internal sealed record ExecutionStatusView(
    string Id, string Route, string Status, int Attempt, DateTimeOffset AcceptedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, DateTimeOffset? RetryAt);

internal sealed record ReplayedRun(string ExecutionId, string? ReplayOf);

internal sealed record BulkReplayView(IEnumerable<ReplayedRun> Replayed, int NotReplayed, string? Error);

internal sealed record DiagnosticView(string Severity, string Code, string? File, int Line, int Column, string Message, string Text);

internal sealed record DevelopmentView(
    bool Watching, bool Refreshing, int Version, DateTimeOffset? RefreshedAt, string? Failure, string? LeftOut, string? WaitingFor, IEnumerable<DiagnosticView> Diagnostics);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(IEnumerable<RouteView>))]
[JsonSerializable(typeof(IEnumerable<ExecutionView>))]
[JsonSerializable(typeof(ExecutionDetail))]
[JsonSerializable(typeof(IEnumerable<OccurrenceView>))]
[JsonSerializable(typeof(AcceptedRun))]
[JsonSerializable(typeof(ExecutionStatusView))]
[JsonSerializable(typeof(ReplayedRun))]
[JsonSerializable(typeof(BulkReplayView))]
[JsonSerializable(typeof(DevelopmentView))]
internal sealed partial class DashboardJsonContext : JsonSerializerContext;
