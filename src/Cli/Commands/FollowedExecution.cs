using System.Text.Json;

namespace ApiRoutes.Cli.Commands;

/// <summary>One execution as the dashboard's JSON API describes it (README, "Development dashboard").</summary>
internal sealed record FollowedExecution(string Route, string Status, int Attempt, long? DurationMs, string? Error, IReadOnlyList<string> LogLines)
{
    /// <summary>Reads <c>{"execution": {…}, "logLines": […]}</c>; anything else is one line saying so.</summary>
    public static FollowedExecution Parse(string text, string executionId)
    {
        try
        {
            using var json = JsonDocument.Parse(text);
            var execution = json.RootElement.GetProperty("execution");
            return new FollowedExecution(
                execution.GetProperty("route").GetString() ?? "?",
                execution.GetProperty("status").GetString() ?? "?",
                execution.GetProperty("attempt").GetInt32(),
                execution.TryGetProperty("durationMs", out var duration) && duration.ValueKind == JsonValueKind.Number ? duration.GetInt64() : null,
                execution.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String ? error.GetString() : null,
                [.. json.RootElement.GetProperty("logLines").EnumerateArray().Select(line => line.GetString() ?? string.Empty)]);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new CommandException($"The server's answer for execution {executionId} is not the dashboard API's: {e.Message}");
        }
    }
}
