namespace ApiRoutes.Cli.Commands;

/// <summary>Requests of the commands that talk to a running server (<c>invoke</c>, <c>runs</c>): its URL, and no answer as one line.</summary>
internal static class ServerRequests
{
    public static Uri ParseUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new CommandException($"'{url}' is not an http(s) URL.");

    public static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpRequestMessage request, CancellationToken cancellation)
    {
        try
        {
            return await client.SendAsync(request, cancellation);
        }
        catch (HttpRequestException e)
        {
            throw new CommandException($"No server answered at {client.BaseAddress}: {e.Message}. Start it with 'dotnet run', or pass --url.");
        }
    }
}
