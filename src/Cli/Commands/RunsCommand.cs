using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace ApiRoutes.Cli.Commands;

/// <summary>
/// <c>apiroutes runs ROUTE</c>: what became of each recent occurrence of a schedule on a running server (ran, skipped,
/// paused, claimed elsewhere, missed, refused), from the dashboard's JSON API — "why didn't it run at 03:00?". Outside
/// Development the dashboard's token is read from <c>APIROUTES_DASHBOARD_TOKEN</c> (never from the command line, where
/// other users of the machine would see it).
/// </summary>
internal static class RunsCommand
{
    public const string TokenVariable = "APIROUTES_DASHBOARD_TOKEN";

    public static Command Create(TextWriter output, TextWriter error)
    {
        var route = new Argument<string>("ROUTE") { Description = "The scheduled route, for example /api/cleanup." };
        var url = new Option<string>("--url") { Description = "The server, with the app's path base when it has one (http://host/shop).", DefaultValueFactory = _ => "http://localhost:5000" };
        var since = new Option<string?>("--since") { Description = "Only occurrences at or after this time, ISO 8601 (for example 2026-01-01T00:00:00Z)." };
        var limit = new Option<int>("--limit") { Description = "At most this many occurrences (1 to 1000).", DefaultValueFactory = _ => 50 };
        var command = new Command("runs", $"Show what became of each recent occurrence of a schedule on a running server (the token, outside Development, from {TokenVariable}).")
        {
            route, url, since, limit, SecretOnCommandLine.Refused("--token", TokenVariable),
        };
        command.SetAction((parse, cancellation) => CommandRunner.RunAsync(error, async () =>
        {
            var server = ServerRequests.ParseUrl(parse.GetValue(url)!);
            var query = $"route={Uri.EscapeDataString(parse.GetValue(route)!)}&limit={parse.GetValue(limit).ToString(CultureInfo.InvariantCulture)}";
            if (parse.GetValue(since) is { } from)
            {
                query += "&since=" + Uri.EscapeDataString(from);
            }

            using var client = ServerRequests.Client(server, TimeSpan.FromSeconds(30));
            using var request = new HttpRequestMessage(HttpMethod.Get, "/_apiroutes/api/occurrences?" + query);
            if (ServerRequests.DashboardToken() is { } token)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            using var response = await ServerRequests.SendAsync(client, request, cancellation);
            var text = await ServerRequests.ReadTextAsync(client, response, cancellation);
            switch (response.StatusCode)
            {
                case HttpStatusCode.OK:
                    await output.WriteAsync(Format(parse.GetValue(route)!, text, server));
                    return 0;
                case HttpStatusCode.Unauthorized:
                    throw new CommandException($"{server} wants the dashboard's token: set {TokenVariable} to ApiRoutes:Dashboard:Token.");
                case HttpStatusCode.NotFound:
                    throw new CommandException($"{server} serves no dashboard API: it runs outside Development without ApiRoutes:Dashboard:Enabled, or is not an ApiRoutes app{ServerRequests.UnderPathBaseText(server)}.");
                default:
                    throw new CommandException($"{server} answered {(int)response.StatusCode}: {ErrorOf(text)}");
            }
        }));
        return command;
    }

    /// <summary>The occurrences as a table, newest first, with what each outcome means.</summary>
    internal static string Format(string route, string json, Uri server)
    {
        // An answer that is not the API's (a proxy's login page, another app's JSON) was a raw .NET exception (review 26a F3).
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            throw NotTheApi(server, "it is not JSON");
        }

        using var parsed = document;
        var writer = new StringWriter(CultureInfo.InvariantCulture);
        if (parsed.RootElement.ValueKind != JsonValueKind.Array || parsed.RootElement.EnumerateArray().Any(item => item.ValueKind != JsonValueKind.Object))
        {
            throw NotTheApi(server, "it is not a list of occurrences");
        }

        var occurrences = parsed.RootElement.EnumerateArray().ToList();
        if (occurrences.Count == 0)
        {
            writer.WriteLine($"No occurrences of {route} are recorded (a new schedule, one not run on this server, or all older than ApiRoutes:Store:Retention).");
            return writer.ToString();
        }

        writer.WriteLine($"{"OCCURRENCE (UTC)",-26}{"OUTCOME",-19}{"EXECUTION",-46}WHY");
        foreach (var occurrence in occurrences)
        {
            var outcome = Text(occurrence, "outcome") ?? "";
            var execution = Text(occurrence, "executionId") is { } id ? id + (Text(occurrence, "executionStatus") is { } status ? $" ({status})" : "") : "";
            writer.WriteLine($"{Text(occurrence, "occurrence"),-26}{outcome,-19}{execution,-46}{Text(occurrence, "detail") ?? Meaning(outcome)}");
        }

        return writer.ToString();
    }

    private static CommandException NotTheApi(Uri server, string why) => new(
        $"The answer of {server} is not the dashboard API's: {why}. Check that --url names the ApiRoutes app (and not a proxy's page).");

    private static string Meaning(string outcome) => outcome switch
    {
        "ran" => "it ran",
        "skipped" => "the previous run was still going",
        "paused" => "the schedule was paused",
        "claimed_elsewhere" => "another replica or process claimed it",
        "missed" => "no instance of the app was up",
        "refused" => "the external trigger was refused",
        _ => "",
    };

    // What the server sent, made safe for the terminal.
    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? Terminal.Safe(value.GetString()) : null;

    private static string ErrorOf(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return Text(document.RootElement, "error") ?? text;
        }
        catch (JsonException)
        {
            return text.Length > 200 ? text[..200] : text;
        }
    }
}
