using System.Net;
using System.Net.Sockets;
using System.Text;
using ApiRoutes.Cli.Commands;

namespace ApiRoutes.Cli.Tests;

/// <summary>
/// <c>apiroutes runs</c> against a small HTTP server on 127.0.0.1 that answers as the dashboard's API does (the runtime's
/// own tests check that API's answers).
/// </summary>
[Collection(ProcessEnvironment.Name)]
public sealed class RunsCommandTests : IDisposable
{
    private const string Occurrences = """
        [{"route":"/api/cleanup","occurrence":"2026-01-01T04:00:00.000Z","outcome":"ran","executionId":"0199a","executionStatus":"succeeded","detail":null},
         {"route":"/api/cleanup","occurrence":"2026-01-01T03:00:00.000Z","outcome":"missed","executionId":null,"executionStatus":null,"detail":null},
         {"route":"/api/cleanup","occurrence":"2026-01-01T02:00:00.000Z","outcome":"paused","executionId":null,"executionStatus":null,"detail":"Paused until 2026-01-01T02:30:00.0000000+00:00."}]
        """;

    private readonly HttpListener _listener;
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();
    private readonly string _url;

    // HttpListener cannot listen on port 0: a port found free is taken, and another found if someone took it between
    // (helper 37a's suspect: any connection's local end can take a freed port of the ephemeral range meanwhile).
    public RunsCommandTests()
    {
        for (var attempt = 1; ; attempt++)
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var url = $"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}/";
            probe.Stop();
            var listener = new HttpListener();
            listener.Prefixes.Add(url);
            try
            {
                listener.Start();
                (_listener, _url) = (listener, url);
                return;
            }
            catch (HttpListenerException) when (attempt < 20)
            {
                listener.Close();
            }
        }
    }

    [Fact]
    public async Task Each_occurrence_is_listed_with_its_outcome_and_why_and_the_token_comes_from_the_environment()
    {
        Environment.SetEnvironmentVariable(RunsCommand.TokenVariable, "the-token");
        try
        {
            var (exitCode, request) = await RunAgainstAsync(200, Occurrences, "runs", "/api/cleanup", "--url", _url, "--since", "2026-01-01T00:00:00Z", "--limit", "3");

            Assert.Equal(0, exitCode);
            Assert.Equal("/_apiroutes/api/occurrences?route=%2Fapi%2Fcleanup&limit=3&since=2026-01-01T00%3A00%3A00Z", request.Url!.PathAndQuery);
            Assert.Equal("Bearer the-token", request.Headers["Authorization"]);
            var lines = _output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(4, lines.Length);
            Assert.StartsWith("OCCURRENCE (UTC)          OUTCOME", lines[0], StringComparison.Ordinal);
            Assert.Matches(@"^2026-01-01T04:00:00\.000Z\s+ran\s+0199a \(succeeded\)\s+it ran$", lines[1]);
            Assert.Matches(@"^2026-01-01T03:00:00\.000Z\s+missed\s+no instance of the app was up$", lines[2]);
            Assert.EndsWith("Paused until 2026-01-01T02:30:00.0000000+00:00.", lines[3], StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(RunsCommand.TokenVariable, null);
        }
    }

    [Theory]
    [InlineData(401, "{}", "wants the dashboard's token: set APIROUTES_DASHBOARD_TOKEN")]
    [InlineData(404, "", "serves no dashboard API")]
    [InlineData(400, """{"error":"Bad query: since 'x' is not a time."}""", "answered 400: Bad query: since 'x' is not a time.")]
    public async Task A_refusal_is_one_line_that_says_what_to_do(int status, string body, string message)
    {
        var (exitCode, _) = await RunAgainstAsync(status, body, "runs", "/api/cleanup", "--url", _url);

        Assert.Equal(1, exitCode);
        Assert.Contains(message, Assert.Single(_error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }

    // An app under a path base (UsePathBase behind a proxy that forwards a prefix): the path in --url was refused.
    [Fact]
    public async Task The_path_in_the_url_is_the_apps_path_base_under_which_the_api_is_asked()
    {
        var (exitCode, request) = await RunAgainstAsync(200, Occurrences, "runs", "/api/cleanup", "--url", _url + "shop%20a", "--limit", "3");

        Assert.Equal(0, exitCode);
        Assert.Equal("/shop%20a/_apiroutes/api/occurrences?route=%2Fapi%2Fcleanup&limit=3", request.Url!.PathAndQuery);

        var (notThere, _) = await RunAgainstAsync(404, "", "runs", "/api/cleanup", "--url", _url + "shop");
        Assert.Equal(1, notThere);
        Assert.Equal(
            $"apiroutes: {_url}shop/ serves no dashboard API: it runs outside Development without ApiRoutes:Dashboard:Enabled, or is not an ApiRoutes app under the path base '/shop' (the path in --url).",
            _error.ToString().TrimEnd());
    }

    [Fact]
    public async Task No_occurrences_says_why_there_may_be_none()
    {
        var (exitCode, _) = await RunAgainstAsync(200, "[]", "runs", "/api/cleanup", "--url", _url);

        Assert.Equal(0, exitCode);
        Assert.StartsWith("No occurrences of /api/cleanup are recorded", _output.ToString(), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _listener.Close();
        _output.Dispose();
        _error.Dispose();
    }

    // Runs the command while the server answers its one request with status and body; returns the request it saw.
    private async Task<(int ExitCode, HttpListenerRequest Request)> RunAgainstAsync(int status, string body, params string[] args)
    {
        var served = Task.Run(async () =>
        {
            var context = await _listener.GetContextAsync().WaitAsync(TimeSpan.FromSeconds(15));
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            var bytes = Encoding.UTF8.GetBytes(body);
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
            return context.Request;
        });
        var exitCode = await Program.RunAsync(args, _output, _error);
        return (exitCode, await served);
    }
}
