using System.Net;
using System.Net.Sockets;
using System.Text;
using ApiRoutes.Cli.Commands;

namespace ApiRoutes.Cli.Tests;

/// <summary>
/// <c>runs</c> and <c>invoke</c> against a server on 127.0.0.1 that is not the dashboard API, or misbehaves: each ends
/// in one line that says what is wrong, never a raw exception, a silent exit or gigabytes taken (review 26a F1, F2, F3,
/// F13, F17).
/// </summary>
[Collection(ProcessEnvironment.Name)]
public sealed class HostileServerTests : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();
    private readonly List<TcpClient> _accepted = [];

    public HostileServerTests() => _listener.Start();

    private string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/";

    [Theory]
    [InlineData("<html>proxy login</html>", "is not the dashboard API's: it is not JSON.")]
    [InlineData("""{"routes":[]}""", "is not the dashboard API's: it is not a list of occurrences.")]
    [InlineData("[1,2]", "is not the dashboard API's: it is not a list of occurrences.")]
    public async Task An_answer_that_is_not_the_apis_says_so(string body, string message)
    {
        var served = ServeAsync($"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}");

        Assert.Equal(1, await Program.RunAsync(["runs", "/api/cleanup", "--url", Url], _output, _error));

        await served;
        Assert.Equal($"apiroutes: The answer of {Url} {message} Check that --url names the ApiRoutes app (and not a proxy's page).", OneLine());
    }

    // Review 38b: a redirect was followed; the signed trigger's headers went to the server it named, a signature the
    // app had not spent yet, and the dashboard token's refusal there said to set the token that was set.
    [Theory]
    [InlineData("runs", "/api/cleanup")]
    [InlineData("invoke", "/api/report")]
    public async Task A_redirect_is_not_followed_and_says_where_it_leads(string command, string route)
    {
        Environment.SetEnvironmentVariable(RunsCommand.TokenVariable, "the-token");
        Environment.SetEnvironmentVariable(InvokeCommand.TriggerSecretVariable, new string('s', 32));
        try
        {
            using var elsewhere = new TcpListener(IPAddress.Loopback, 0);
            elsewhere.Start();
            var other = $"http://127.0.0.1:{((IPEndPoint)elsewhere.LocalEndpoint).Port}";
            var followed = elsewhere.AcceptTcpClientAsync();
            var served = ServeAsync($"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://user:pw@127.0.0.1:{((IPEndPoint)elsewhere.LocalEndpoint).Port}/steal?x=1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");

            Assert.Equal(1, await Program.RunAsync([command, route, "--url", Url], _output, _error));

            await served;
            Assert.Equal(
                $"apiroutes: {Url} answered 307, a redirect to {other}/steal, which is not followed: the token or signature goes to the server --url names, and no other. If that is the app's address, pass it as --url.",
                _error.ToString().Trim());
            Assert.False(followed.IsCompleted);
        }
        finally
        {
            Environment.SetEnvironmentVariable(RunsCommand.TokenVariable, null);
            Environment.SetEnvironmentVariable(InvokeCommand.TriggerSecretVariable, null);
        }
    }

    [Fact]
    public async Task An_answer_larger_than_the_api_ever_sends_is_refused_by_its_length_before_it_is_read()
    {
        var served = ServeAsync("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 419430400\r\n\r\n[");

        Assert.Equal(1, await Program.RunAsync(["runs", "/api/cleanup", "--url", Url], _output, _error));

        await served;
        Assert.Equal($"apiroutes: The answer of {Url} is over 16 MB, more than the dashboard API ever sends: check that --url names the ApiRoutes app.", OneLine());
    }

    [Fact]
    public async Task An_answer_without_a_length_is_read_no_further_than_the_limit()
    {
        var served = ServeAsync("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n", bodyBytes: ServerRequests.MaxAnswerBytes + 1024 * 1024);

        Assert.Equal(1, await Program.RunAsync(["invoke", "/api/report", "--url", Url], _output, _error));

        await served;
        Assert.Equal($"apiroutes: The answer of {Url} is over 16 MB, more than the dashboard API ever sends: check that --url names the ApiRoutes app.", _error.ToString().Trim());
    }

    // HttpClient's own timeout was let through as a cancellation: exit code 1 and nothing said.
    [Fact]
    public async Task A_server_that_never_answers_is_one_line_at_the_clients_timeout()
    {
        var accepted = AcceptAsync();

        Assert.Equal(1, await Program.RunAsync(["invoke", "/api/report", "--url", Url, "--wait", "--timeout", "1"], _output, _error));

        await accepted;
        Assert.Equal($"apiroutes: {Url} did not answer within 6 s: the server is stuck, or --url names something that is not an ApiRoutes app.", OneLine());
    }

    [Fact]
    public async Task The_dashboard_token_from_a_secret_file_is_sent_without_its_newline()
    {
        Environment.SetEnvironmentVariable(RunsCommand.TokenVariable, "the-token\n");
        try
        {
            var served = ServeAsync("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n[]");

            Assert.Equal(0, await Program.RunAsync(["runs", "/api/cleanup", "--url", Url], _output, _error));

            Assert.Contains("\r\nAuthorization: Bearer the-token\r\n", await served, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(RunsCommand.TokenVariable, null);
        }
    }

    public void Dispose()
    {
        foreach (var client in _accepted)
        {
            client.Dispose();
        }

        _listener.Stop();
        _listener.Dispose();
        _output.Dispose();
        _error.Dispose();
    }

    private string OneLine() => Assert.Single(_error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)).TrimEnd('\r');

    // Answers one request with head, then bodyBytes spaces (stopping when the client goes); returns the request's head.
    private async Task<string> ServeAsync(string head, int bodyBytes = 0)
    {
        using var client = await _listener.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var stream = client.GetStream();
        var request = new StringBuilder();
        var buffer = new byte[4096];
        while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            if (read == 0)
            {
                break;
            }

            request.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            var spaces = new byte[64 * 1024];
            Array.Fill(spaces, (byte)' ');
            for (var sent = 0; sent < bodyBytes; sent += spaces.Length)
            {
                await stream.WriteAsync(spaces.AsMemory(0, Math.Min(spaces.Length, bodyBytes - sent)));
            }
        }
        catch (IOException)
        {
            // The client stopped reading: what the test wants of it.
        }

        return request.ToString();
    }

    // Takes the connection and never answers (kept open until the test ends).
    private async Task AcceptAsync() => _accepted.Add(await _listener.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(30)));
}
