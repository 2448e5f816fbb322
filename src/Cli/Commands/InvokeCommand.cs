using System.CommandLine;
using System.Globalization;
using ApiRoutes.Scheduling;

namespace ApiRoutes.Cli.Commands;

/// <summary>
/// <c>apiroutes invoke ROUTE</c>: triggers a route on a running server as the platform would. On the development
/// server a scheduled route's path runs it at once (with the <c>next_run</c> body) and a background route answers 202.
/// With <c>--occurrence</c> it sends a signed external schedule trigger instead, for a server run with
/// <c>ApiRoutes:Scheduling:ExternalTriggerSecret</c>. With <c>--wait</c> it then follows the execution it started to its
/// end (<see cref="ExecutionFollower"/>). Secrets come from the environment (<see cref="TriggerSecretVariable"/>,
/// <see cref="RunsCommand.TokenVariable"/>), never from the command line, where every user of the machine sees them
/// (<c>ps</c>) and shell histories and CI logs keep them.
/// </summary>
internal static class InvokeCommand
{
    public const string TriggerSecretVariable = "APIROUTES_TRIGGER_SECRET";

    /// <summary>The longest <c>--wait --timeout</c>; well under <see cref="HttpClient.Timeout"/>'s ceiling of about 24.8 days.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromHours(24);

    // Why the request was refused, in one line: the likely causes of a 404 and a 405, which answer with no text of their
    // own; for the rest, the answer printed above (the route's or the trigger endpoint's) says why.
    // A 404 with text is the route's or the trigger endpoint's own answer ("not a scheduled route of this app"), not a
    // path nothing is mapped at (review 29a F7: a server with the secret was said to have none).
    internal static string Refused(HttpResponseMessage response, string path, Uri server, bool signedTrigger, string answer)
    {
        var status = $"{(int)response.StatusCode} {Terminal.Safe(response.ReasonPhrase)}";
        var at = Terminal.Safe(server.ToString());
        var unmapped = string.IsNullOrWhiteSpace(answer);
        return response.StatusCode switch
        {
            System.Net.HttpStatusCode.NotFound when signedTrigger && unmapped =>
                $"apiroutes: the signed trigger for {Terminal.Safe(path)} was answered {status} by {at}: the server takes no signed schedule triggers "
                + $"(POST {TriggerSignature.Path}) unless it runs with ApiRoutes:Scheduling:ExternalTriggerSecret set.",
            System.Net.HttpStatusCode.NotFound when unmapped =>
                $"apiroutes: POST {Terminal.Safe(path)} was answered {status} by {at}: no route there ('apiroutes routes' lists the app's), or a scheduled route "
                + $"outside Development, which runs only on its schedule (send one occurrence as a signed trigger with --occurrence and ${TriggerSecretVariable}).",
            System.Net.HttpStatusCode.MethodNotAllowed =>
                $"apiroutes: POST {Terminal.Safe(path)} was answered {status} by {at}: the route does not take POST"
                + (response.Content.Headers.Allow.Count > 0 ? $" (it allows {Terminal.Safe(string.Join(", ", response.Content.Headers.Allow))})" : "")
                + "; invoke triggers background and scheduled routes, and a standard route is asked with curl or a browser.",
            _ => $"apiroutes: {(signedTrigger ? $"the signed trigger for {Terminal.Safe(path)}" : $"POST {Terminal.Safe(path)}")} was answered {status} by {at}; "
                + "the answer above says why.",
        };
    }

    public static Command Create(TextWriter output, TextWriter error, TimeProvider time)
    {
        var route = new Argument<string>("ROUTE") { Description = "The route's path, for example /api/cleanup." };
        var url = new Option<string>("--url") { Description = "The server, with the app's path base when it has one (http://host/shop).", DefaultValueFactory = _ => "http://localhost:5000" };
        var body = new Option<string?>("--body") { Description = "A JSON body to send (for background routes)." };
        var occurrence = new Option<string?>("--occurrence") { Description = $"Send a signed external schedule trigger for this occurrence, ISO 8601 UTC (for example 2026-01-01T03:00:00Z), signed with the secret in ${TriggerSecretVariable}." };
        var wait = new Option<bool>("--wait") { Description = "Follow the execution it started to its end, printing its log lines; the exit code is its outcome (0 succeeded, 2 failed, 3 timed out, 4 still running at --timeout, 1 the command failed)." };
        var timeout = new Option<string>("--timeout") { Description = "With --wait: how long to follow it, in seconds (90) or with units (90s, 10m, 1h).", DefaultValueFactory = _ => "20m" };
        var command = new Command("invoke", $"Trigger a scheduled or background route on a running server, and with --wait follow it to its end (outside Development with the dashboard's token from ${RunsCommand.TokenVariable}).") 
        {
            route, url, body, occurrence, wait, timeout,
            SecretOnCommandLine.Refused("--secret", TriggerSecretVariable), SecretOnCommandLine.Refused("--token", RunsCommand.TokenVariable),
        };
        command.SetAction((parse, cancellation) => CommandRunner.RunAsync(error, async () =>
        {
            var started = time.GetTimestamp();
            var path = RoutePath(parse.GetValue(route)!);
            var follow = parse.GetValue(wait);
            var limit = WaitLimit(parse.GetValue(timeout)!, follow, parse.GetResult(timeout) is { Implicit: false });
            var server = ServerRequests.ParseUrl(parse.GetValue(url)!);
            BodyJson(parse.GetValue(body), parse.GetValue(occurrence) is not null);
            using var client = ServerRequests.Client(server, follow ? limit + TimeSpan.FromSeconds(5) : TimeSpan.FromMinutes(16));
            var dashboardToken = ServerRequests.DashboardToken();
            HttpRequestMessage Request(string? bearer)
            {
                var request = parse.GetValue(occurrence) is { } when
                    ? SignedTrigger(path, when, time)
                    : new HttpRequestMessage(HttpMethod.Post, path);
                if (parse.GetValue(body) is { } json)
                {
                    request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
                }

                if (bearer is not null)
                {
                    request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
                }

                return request;
            }

            string? executionId = null;
            using var first = Request(bearer: null);
            var sent = await ServerRequests.SendAsync(client, first, cancellation);

            // The dashboard's token goes only to a server that asks for it by name (a development server with
            // ApiRoutes:Dashboard:Token set): sent with every request, a background route would store it with the request.
            if (sent.StatusCode == System.Net.HttpStatusCode.Unauthorized && dashboardToken is not null && AsksForDashboardToken(sent))
            {
                sent.Dispose();
                using var again = Request(dashboardToken);
                sent = await ServerRequests.SendAsync(client, again, cancellation);
            }

            using (var response = sent)
            {
                await output.WriteLineAsync($"HTTP {(int)response.StatusCode} {Terminal.Safe(response.ReasonPhrase)}");
                if (response.Headers.TryGetValues("X-ApiRoutes-Execution-Id", out var ids))
                {
                    executionId = ids.First();
                    await output.WriteLineAsync($"Execution id: {Terminal.Safe(executionId)}");
                }

                var text = await ServerRequests.ReadTextAsync(client, response, cancellation);
                foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    await output.WriteLineAsync(Terminal.Safe(line.TrimEnd('\r')));
                }

                // A path in --url is the app's path base; one that is not (the route written there too) is a 404 that says so.
                if (response.StatusCode == System.Net.HttpStatusCode.NotFound && ServerRequests.PathBase(server) is { Length: > 0 } pathBase)
                {
                    await error.WriteLineAsync(
                        $"apiroutes: no route {Terminal.Safe(path)} under the path base '{Terminal.Safe(pathBase)}' of --url {Terminal.Safe(server.ToString())}: the path in --url is "
                        + "taken as the app's path base (UsePathBase); name the server only when the app has none, and ROUTE as 'apiroutes routes' shows it.");
                }
                else if (!response.IsSuccessStatusCode)
                {
                    // Every failure is a line on standard error (review 28c F19: a 404 was only "HTTP 404 Not Found" on stdout).
                    await error.WriteLineAsync(Refused(response, path, server, parse.GetValue(occurrence) is not null, text));
                }

                if (!response.IsSuccessStatusCode || !follow)
                {
                    return response.IsSuccessStatusCode ? 0 : WaitExitCodes.CommandFailed;
                }
            }

            if (executionId is null)
            {
                throw new CommandException(
                    $"--wait follows a background or scheduled run, but {path} answered without an X-ApiRoutes-Execution-Id header: "
                    + $"it is a standard route, or a scheduled route outside Development (run it there with --occurrence and {TriggerSecretVariable}).");
            }

            return await new ExecutionFollower(client, dashboardToken, output, time).FollowAsync(executionId, limit, started, cancellation);
        }));
        return command;
    }

    private static bool AsksForDashboardToken(HttpResponseMessage response) =>
        response.Headers.WwwAuthenticate.Any(challenge =>
            string.Equals(challenge.Scheme, OnDemandChallenge.Scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(challenge.Parameter, OnDemandChallenge.Parameter, StringComparison.Ordinal));

    // Sent as application/json: text that is not JSON (a shell's quoting slip: {a:1}) reached the handler without a
    // word (review 28c F12); and a signed trigger has no body, so one given with --occurrence was sent for nothing.
    private static void BodyJson(string? body, bool trigger)
    {
        if (body is null)
        {
            return;
        }

        if (trigger)
        {
            throw new CommandException("--body is not sent with --occurrence: a signed schedule trigger has no body (the run gets its next_run body, as on its schedule).");
        }

        try
        {
            using var _ = System.Text.Json.JsonDocument.Parse(body);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new CommandException(
                $"--body '{Terminal.Safe(body.Length <= 60 ? body : body[..60] + "…")}' is not JSON ({e.Message.Split(" LineNumber", 2)[0].TrimEnd('.', ' ')}, line {e.LineNumber + 1}, "
                + $"position {e.BytePositionInLine}); quote it for the shell as a whole: --body '{{\"name\":\"weekly\"}}'.");
        }
    }

    // --timeout only means something with --wait: given without it, it would be ignored silently.
    private static TimeSpan WaitLimit(string text, bool follow, bool waitOptionsGiven)
    {
        if (!follow && waitOptionsGiven)
        {
            throw new CommandException("--timeout applies only with --wait.");
        }

        if (!Tasks.Configuration.Duration.TryParseSeconds(text, out var seconds) || seconds <= 0)
        {
            throw new CommandException($"--timeout '{Terminal.Safe(text)}' is not a duration: write whole seconds (90) or units h, m, s (90s, 10m, 1h30m), more than 0.");
        }

        return seconds <= MaxWait.TotalSeconds
            ? TimeSpan.FromSeconds(seconds)
            : throw new CommandException($"--timeout '{Terminal.Safe(text)}' is over {MaxWait.TotalHours:0} hours, the longest --wait follows a run: the run goes on in the app after the wait ends (exit code 4), and 'apiroutes runs' or the dashboard show its end.");
    }

    // A path on --url's server, as the route table shows it. '//host/x' (or '/\host/x', which URIs read the same) is a
    // reference to another host, and a full URL another server: the request, and after a 401 the dashboard token, would go there.
    private static string RoutePath(string route) =>
        route is ['/'] or ['/', not ('/' or '\\'), ..]
            ? route
            : throw new CommandException($"ROUTE '{Terminal.Safe(route)}' is not a path on the server: write it as the route table shows it, starting with a single '/' (for example /api/cleanup); the server goes in --url.");

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static HttpRequestMessage SignedTrigger(string route, string occurrence, TimeProvider time)
    {
        var secret = NonEmpty(Environment.GetEnvironmentVariable(TriggerSecretVariable))
            ?? throw new CommandException($"--occurrence sends a signed trigger: set {TriggerSecretVariable} to the app's ApiRoutes:Scheduling:ExternalTriggerSecret "
                + "(it is read from the environment, never from the command line, where other users of the machine would see it).");

        var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return TriggerSignature.CreateRequest(secret, route, occurrence, timestamp);
    }
}
