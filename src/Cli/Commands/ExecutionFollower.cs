using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace ApiRoutes.Cli.Commands;

/// <summary>
/// <c>apiroutes invoke --wait</c>: follows one execution on a running server through the dashboard's JSON API
/// (<c>GET /_apiroutes/api/executions/{id}</c>) until it ends, printing the lines its handler logs as they come, and
/// turns its outcome into the exit code (<see cref="WaitExitCodes"/>). Every way the API can fail to answer — no
/// server, no dashboard, no or a wrong token, an unknown execution — is one line saying what to do.
/// </summary>
internal sealed class ExecutionFollower(HttpClient client, string? token, TextWriter output, TimeProvider time)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    public async Task<int> FollowAsync(string executionId, TimeSpan timeout, long startedAt, CancellationToken cancellationToken)
    {
        // The id as the server sent it (X-ApiRoutes-Execution-Id): printed, like everything else a server says, made safe
        // for the terminal (review 24b F3: an id of escape sequences set the window's title and cleared the screen).
        var shown = Terminal.Safe(executionId);
        var printed = 0;
        var attempt = 1;
        while (true)
        {
            var state = await ReadAsync(executionId, cancellationToken);
            foreach (var line in state.LogLines.Skip(printed))
            {
                await output.WriteLineAsync("  " + Terminal.Safe(line));
            }

            printed = Math.Max(printed, state.LogLines.Count);
            if (state.Attempt > attempt)
            {
                attempt = state.Attempt;
                await output.WriteLineAsync($"Attempt {attempt - 1} failed; attempt {attempt} is {(state.Status == "queued" ? "waiting for its retry" : Terminal.Safe(state.Status))}.");
            }

            switch (state.Status)
            {
                case "succeeded":
                    await output.WriteLineAsync($"Execution {shown} of {Terminal.Safe(state.Route)} succeeded{Duration(state)} (attempt {state.Attempt}).");
                    return WaitExitCodes.Succeeded;
                case "failed":
                    await output.WriteLineAsync($"Execution {shown} of {Terminal.Safe(state.Route)} failed (attempt {state.Attempt}): {Terminal.Safe(FirstLine(state.Error))}");
                    return WaitExitCodes.Failed;
                case "timed_out":
                    await output.WriteLineAsync($"Execution {shown} of {Terminal.Safe(state.Route)} timed out: {Terminal.Safe(FirstLine(state.Error))}");
                    return WaitExitCodes.TimedOut;
            }

            var left = timeout - time.GetElapsedTime(startedAt);
            if (left <= TimeSpan.Zero)
            {
                await output.WriteLineAsync($"Execution {shown} of {Terminal.Safe(state.Route)} is still {Terminal.Safe(state.Status)} after {timeout} (--timeout); it goes on in the app.");
                return WaitExitCodes.StillRunning;
            }

            await Task.Delay(left < Poll ? left : Poll, time, cancellationToken);
        }
    }

    private async Task<FollowedExecution> ReadAsync(string executionId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/_apiroutes/api/executions/{Uri.EscapeDataString(executionId)}");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var doing = $" while following execution {Terminal.Safe(executionId)}";
        using (var response = await ServerRequests.SendAsync(client, request, cancellationToken, doing))
        {
            var text = await ServerRequests.ReadTextAsync(client, response, cancellationToken, doing);
            var error = ErrorOf(text);
            return response.StatusCode switch
            {
                HttpStatusCode.OK => FollowedExecution.Parse(text, executionId),
                HttpStatusCode.Unauthorized => throw new CommandException(
                    $"The dashboard API at {client.BaseAddress} refused to show execution {executionId} (401): set "
                    + $"{RunsCommand.TokenVariable} to the app's ApiRoutes:Dashboard:Token."),
                HttpStatusCode.NotFound when error is not null => throw new CommandException(
                    $"The server at {client.BaseAddress} does not know execution {executionId}: {error}"),
                HttpStatusCode.NotFound => throw new CommandException(
                    $"The dashboard API is not served at {client.BaseAddress} (404 for /_apiroutes/api), so execution {executionId} cannot be followed: "
                    + "it is served in Development, and elsewhere when ApiRoutes:Dashboard:Enabled=true and ApiRoutes:Dashboard:Token are set"
                    + (ServerRequests.PathBase(client.BaseAddress!) is { Length: > 0 } ? "; or the path in --url is not the app's path base." : ".")),
                _ => throw new CommandException(
                    $"The dashboard API at {client.BaseAddress} answered {(int)response.StatusCode} {response.ReasonPhrase} for execution {executionId}"
                    + (error is null ? "." : $": {error}")),
            };
        }
    }

    // The API's errors are {"error": "…"}; anything else (a proxy's page, an empty 404) has none.
    private static string? ErrorOf(string text)
    {
        try
        {
            using var json = JsonDocument.Parse(text);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("error", out var error) ? error.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Duration(FollowedExecution state) => state.DurationMs is { } ms ? $" in {ms} ms" : string.Empty;

    private static string FirstLine(string? error) => error is null ? "no error recorded." : error.Split('\n')[0].TrimEnd();
}
