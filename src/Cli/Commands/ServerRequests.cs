using System.Text;

namespace ApiRoutes.Cli.Commands;

/// <summary>
/// Requests of the commands that talk to a running server (<c>invoke</c>, <c>runs</c>): its URL, the dashboard's token,
/// and every way a server can fail to answer (none at all, none in time, more than the API ever sends) as one line.
/// </summary>
internal static class ServerRequests
{
    /// <summary>The most an answer may hold: the dashboard API's largest (1,000 executions, a run's log lines) is a few MB.</summary>
    public const int MaxAnswerBytes = 16 * 1024 * 1024;

    public static Uri ParseUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            // Named without what precedes an '@' in it, a password perhaps (review 26b F5).
            throw new CommandException($"'{Terminal.Safe(WithoutUserInfo(url))}' is not an http(s) URL.");
        }

        // Credentials there were dropped without a word, then printed in every error line (review 26a F13).
        if (uri.UserInfo.Length > 0)
        {
            throw new CommandException(
                $"--url '{Terminal.Safe(new UriBuilder(uri) { UserName = "", Password = "" }.Uri.ToString())}' holds a user name or password (user:password@), which is "
                + $"neither sent nor needed: leave it out; the dashboard's token goes in {RunsCommand.TokenVariable}.");
        }

        // A query or fragment was dropped silently (review 26a F20). A path is the app's path base (UsePathBase behind a
        // proxy that forwards only its prefix: http://host/shop/), under which every request goes: refused before, so an
        // app under a prefix could not be reached at all.
        if (uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            throw new CommandException(
                $"--url '{Terminal.Safe(url)}' has a query or fragment, which the command would not use: name the server, and "
                + $"the app's path base if it has one ('{uri.Scheme}://{uri.Authority}{uri.AbsolutePath}'); ROUTE is the path on it.");
        }

        return uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri.GetLeftPart(UriPartial.Path) + "/");
    }

    /// <summary>The app's path base in <paramref name="server"/> ("" for none, "/shop" for http://host/shop/).</summary>
    public static string PathBase(Uri server) => server.AbsolutePath.TrimEnd('/');

    /// <summary>" under the path base '/shop'" when <paramref name="server"/> has one: a 404 may mean that it is not the app's.</summary>
    public static string UnderPathBaseText(Uri server) =>
        PathBase(server) is { Length: > 0 } pathBase ? $" under the path base '{Terminal.Safe(pathBase)}' (the path in --url)" : "";

    // "scheme://user:password@host…" or "user:password@host…", as written, without the part before the last '@' of the
    // authority.
    private static string WithoutUserInfo(string url)
    {
        var start = url.IndexOf("//", StringComparison.Ordinal) is >= 0 and var slashes ? slashes + 2 : 0;
        var end = url.IndexOfAny(['/', '?', '#'], start) is >= 0 and var path ? path : url.Length;
        if (end <= start)
        {
            return url;
        }

        var at = url.LastIndexOf('@', end - 1, end - start);
        return at < 0 ? url : url[..start] + url[(at + 1)..];
    }

    /// <summary>
    /// The dashboard's token from <see cref="RunsCommand.TokenVariable"/>, without the newline a secret file ends in (no
    /// header may hold one: the request failed with a raw FormatException).
    /// </summary>
    public static string? DashboardToken() =>
        Environment.GetEnvironmentVariable(RunsCommand.TokenVariable)?.Trim() is { Length: > 0 } token ? token : null;

    /// <summary>
    /// A client for <paramref name="server"/>: a request's path ("/_apiroutes/api/…", ROUTE) is on the server's root, and
    /// goes under its path base when it has one.
    /// </summary>
    /// <remarks>
    /// A redirect is not followed (review 38b): the client drops <c>Authorization</c> on the way, but not the signed
    /// trigger's headers, whose single use the server then named had not yet spent; and the dashboard token's refusal
    /// said to set the token that was set. <see cref="SendAsync"/> says where it leads instead.
    /// </remarks>
    public static HttpClient Client(Uri server, TimeSpan timeout) =>
        PathBase(server) is { Length: > 0 } pathBase
            ? new HttpClient(new UnderPathBase(pathBase)) { BaseAddress = server, Timeout = timeout }
            : new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = server, Timeout = timeout };

    /// <summary>Sends <paramref name="request"/>, reading the answer's headers; its body is read by <see cref="ReadTextAsync"/>.</summary>
    public static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpRequestMessage request, CancellationToken cancellation, string? doing = null)
    {
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation);
        }
        catch (HttpRequestException e)
        {
            throw new CommandException($"No server answered at {client.BaseAddress}{doing}: {e.Message}. Start it with 'dotnet run', or pass --url.");
        }
        catch (TaskCanceledException) when (!cancellation.IsCancellationRequested)
        {
            // HttpClient's own timeout, not Ctrl+C: it ended the command with exit code 1 and nothing said (review 26a F1).
            throw NoAnswer(client, doing);
        }

        if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location)
        {
            response.Dispose();
            var to = location.IsAbsoluteUri ? location : new Uri(request.RequestUri!, location);
            throw new CommandException(
                $"{client.BaseAddress} answered {(int)response.StatusCode}, a redirect to {Terminal.Safe(WithoutUserInfo(to.GetLeftPart(UriPartial.Path)))}, which is not followed: the token or signature goes to the server --url names, and no other. If that is the app's address, pass it as --url.");
        }

        return response;
    }

    /// <summary>The answer's body as text, at most <see cref="MaxAnswerBytes"/>, read within the client's timeout.</summary>
    public static async Task<string> ReadTextAsync(HttpClient client, HttpResponseMessage response, CancellationToken cancellation, string? doing = null)
    {
        // Read whole, with no limit, an answer that is not the API's (a file server, a proxy) took gigabytes (review 26a F2).
        if (response.Content.Headers.ContentLength > MaxAnswerBytes)
        {
            throw TooLarge(client);
        }

        using var within = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        within.CancelAfter(client.Timeout);
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(within.Token);
            using var text = new MemoryStream();
            var chunk = new byte[64 * 1024];
            int read;
            while ((read = await stream.ReadAsync(chunk, within.Token)) > 0)
            {
                if (text.Length + read > MaxAnswerBytes)
                {
                    throw TooLarge(client);
                }

                text.Write(chunk, 0, read);
            }

            return Encoding.UTF8.GetString(text.GetBuffer(), 0, (int)text.Length);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw new CommandException($"The answer of {client.BaseAddress}{doing} broke off: {e.Message}.");
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw NoAnswer(client, doing);
        }
    }

    private static CommandException NoAnswer(HttpClient client, string? doing) => new(
        $"{client.BaseAddress} did not answer{doing} within {client.Timeout.TotalSeconds:0} s: the server is stuck, or --url names something that is not an ApiRoutes app.");

    private static CommandException TooLarge(HttpClient client) => new(
        $"The answer of {client.BaseAddress} is over {MaxAnswerBytes / (1024 * 1024)} MB, more than the dashboard API ever sends: check that --url names the ApiRoutes app.");

    // Resolved against the base address, "/api/x" is http://host/api/x; this puts it under the path base, as the escaped
    // text it is (a query too), and a ROUTE is still a path on that server, never another host's (RoutePath).
    private sealed class UnderPathBase(string pathBase) : DelegatingHandler(new HttpClientHandler { AllowAutoRedirect = false })
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri!;
            request.RequestUri = new Uri(uri.GetLeftPart(UriPartial.Authority) + pathBase + uri.PathAndQuery);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
