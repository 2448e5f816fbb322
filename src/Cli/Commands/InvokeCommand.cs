using System.CommandLine;
using System.Globalization;
using ApiRoutes.Scheduling;

namespace ApiRoutes.Cli.Commands;

/// <summary>
/// <c>apiroutes invoke ROUTE</c>: triggers a route on a running server as the platform would. On the development
/// server a scheduled route's path runs it at once (with the <c>next_run</c> body) and a background route answers 202.
/// With <c>--secret</c> it sends a signed external schedule trigger instead, for a server run with
/// <c>ApiRoutes:Scheduling:ExternalTriggerSecret</c>. With <c>--wait</c> it then follows the execution it started to its
/// end (<see cref="ExecutionFollower"/>).
/// </summary>
internal static class InvokeCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var route = new Argument<string>("ROUTE") { Description = "The route's path, for example /api/cleanup." };
        var url = new Option<string>("--url") { Description = "The server.", DefaultValueFactory = _ => "http://localhost:5000" };
        var body = new Option<string?>("--body") { Description = "A JSON body to send (for background routes)." };
        var secret = new Option<string?>("--secret") { Description = "Send a signed external schedule trigger with this shared secret." };
        var occurrence = new Option<string?>("--occurrence") { Description = "With --secret: the occurrence to run, ISO 8601 UTC (for example 2026-01-01T03:00:00Z)." };
        var wait = new Option<bool>("--wait") { Description = "Follow the execution it started to its end, printing its log lines; the exit code is its outcome (0 succeeded, 2 failed, 3 timed out, 4 still running at --timeout, 1 the command failed)." };
        var timeout = new Option<string>("--timeout") { Description = "With --wait: how long to follow it, in seconds (90) or with units (90s, 10m, 1h).", DefaultValueFactory = _ => "20m" };
        var token = new Option<string?>("--token") { Description = "With --wait, outside Development: the app's ApiRoutes:Dashboard:Token (default: $APIROUTES_DASHBOARD_TOKEN)." };
        var command = new Command("invoke", "Trigger a scheduled or background route on a running server, and with --wait follow it to its end.") { route, url, body, secret, occurrence, wait, timeout, token };
        command.SetAction((parse, cancellation) => CommandRunner.RunAsync(error, async () =>
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var follow = parse.GetValue(wait);
            var limit = WaitLimit(parse.GetValue(timeout)!, follow, parse.GetResult(timeout) is { Implicit: false } || parse.GetValue(token) is not null);
            using var client = new HttpClient { BaseAddress = ServerRequests.ParseUrl(parse.GetValue(url)!), Timeout = follow ? limit + TimeSpan.FromSeconds(5) : TimeSpan.FromMinutes(16) };
            using var request = parse.GetValue(secret) is { } key
                ? SignedTrigger(parse.GetValue(route)!, key, parse.GetValue(occurrence))
                : new HttpRequestMessage(HttpMethod.Post, parse.GetValue(route));
            if (parse.GetValue(body) is { } json)
            {
                request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
            }

            string? executionId = null;
            using (var response = await ServerRequests.SendAsync(client, request, cancellation))
            {
                await output.WriteLineAsync($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
                if (response.Headers.TryGetValues("X-ApiRoutes-Execution-Id", out var ids))
                {
                    executionId = ids.First();
                    await output.WriteLineAsync($"Execution id: {executionId}");
                }

                var text = await response.Content.ReadAsStringAsync(cancellation);
                if (text.Length > 0)
                {
                    await output.WriteLineAsync(text);
                }

                if (!response.IsSuccessStatusCode || !follow)
                {
                    return response.IsSuccessStatusCode ? 0 : WaitExitCodes.CommandFailed;
                }
            }

            if (executionId is null)
            {
                throw new CommandException(
                    $"--wait follows a background or scheduled run, but {parse.GetValue(route)} answered without an X-ApiRoutes-Execution-Id header: "
                    + "it is a standard route, or a scheduled route outside Development (run it there with --secret and --occurrence).");
            }

            var dashboardToken = parse.GetValue(token) ?? NonEmpty(Environment.GetEnvironmentVariable("APIROUTES_DASHBOARD_TOKEN"));
            return await new ExecutionFollower(client, dashboardToken, output).FollowAsync(executionId, limit, started, cancellation);
        }));
        return command;
    }

    // --timeout and --token only mean something with --wait: given without it, they would be ignored silently.
    private static TimeSpan WaitLimit(string text, bool follow, bool waitOptionsGiven)
    {
        if (!follow && waitOptionsGiven)
        {
            throw new CommandException("--timeout and --token apply only with --wait.");
        }

        return Tasks.Configuration.Duration.TryParseSeconds(text, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : throw new CommandException($"--timeout '{text}' is not a duration: write whole seconds (90) or units h, m, s (90s, 10m, 1h30m), more than 0.");
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static HttpRequestMessage SignedTrigger(string route, string secret, string? occurrence)
    {
        if (occurrence is null)
        {
            throw new CommandException("--secret needs --occurrence: the occurrence of the schedule to run, for example 2026-01-01T03:00:00Z.");
        }

        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return TriggerSignature.CreateRequest(secret, route, occurrence, timestamp);
    }
}
