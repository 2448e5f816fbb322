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

internal sealed record ErrorBody(string Error);

internal sealed record RouteView(string Route, string Kind, string Handler, ManifestSource? Source, int? TimeLimitSeconds, ScheduleView? Schedule);

internal sealed record ScheduleView(string Expression, string Normalized, string TimeZone, bool Paused, string Description, IReadOnlyList<string> NextRuns);

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
    string? Error);

internal sealed record ExecutionDetail(ExecutionView Execution, IReadOnlyList<string> LogLines);

internal sealed record AcceptedRun(string ExecutionId);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(IEnumerable<RouteView>))]
[JsonSerializable(typeof(IEnumerable<ExecutionView>))]
[JsonSerializable(typeof(ExecutionDetail))]
[JsonSerializable(typeof(AcceptedRun))]
internal sealed partial class DashboardJsonContext : JsonSerializerContext;
