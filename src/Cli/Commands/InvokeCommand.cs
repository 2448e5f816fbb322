using System.CommandLine;
using System.Globalization;
using ApiRoutes.Scheduling;

namespace ApiRoutes.Cli.Commands;

/// <summary>
/// <c>apiroutes invoke ROUTE</c>: triggers a route on a running server as the platform would. On the development
/// server a scheduled route's path runs it at once (with the <c>next_run</c> body) and a background route answers 202.
/// With <c>--secret</c> it sends a signed external schedule trigger instead, for a server run with
/// <c>ApiRoutes:Scheduling:ExternalTriggerSecret</c>.
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
        var command = new Command("invoke", "Trigger a scheduled or background route on a running server.") { route, url, body, secret, occurrence };
        command.SetAction((parse, cancellation) => CommandRunner.RunAsync(error, async () =>
        {
            using var client = new HttpClient { BaseAddress = ServerRequests.ParseUrl(parse.GetValue(url)!), Timeout = TimeSpan.FromMinutes(16) };
            using var request = parse.GetValue(secret) is { } key
                ? SignedTrigger(parse.GetValue(route)!, key, parse.GetValue(occurrence))
                : new HttpRequestMessage(HttpMethod.Post, parse.GetValue(route));
            if (parse.GetValue(body) is { } json)
            {
                request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
            }

            using (var response = await ServerRequests.SendAsync(client, request, cancellation))
            {
                await output.WriteLineAsync($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
                if (response.Headers.TryGetValues("X-ApiRoutes-Execution-Id", out var ids))
                {
                    await output.WriteLineAsync($"Execution id: {ids.First()}");
                }

                var text = await response.Content.ReadAsStringAsync(cancellation);
                if (text.Length > 0)
                {
                    await output.WriteLineAsync(text);
                }

                return response.IsSuccessStatusCode ? 0 : 1;
            }
        }));
        return command;
    }

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
