using System.Net;
using System.Net.Sockets;
using System.Text;
using ApiRoutes.Cli.Commands;
using Microsoft.Extensions.Time.Testing;
using static ApiRoutes.Cli.Tests.FakeDashboard;

namespace ApiRoutes.Cli.Tests;

/// <summary>
/// <c>apiroutes invoke --wait</c> against a fake dashboard API on 127.0.0.1: the outcome as the exit code, the log lines
/// printed once each as they come, and one clear line for every way the API cannot answer. (The integration tests
/// follow real executions of a real app.)
/// </summary>
[Collection(ProcessEnvironment.Name)]
public sealed class InvokeWaitTests : IDisposable
{
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();

    [Fact]
    public async Task A_run_retried_once_then_succeeding_prints_each_line_once_and_exits_0()
    {
        await using var server = await StartAsync();
        server.Script(
            "e1",
            State("running", lines: ["00:00:00.010 Information Shop: step 1"]),
            State("queued", attempt: 2, lines: ["00:00:00.010 Information Shop: step 1", "00:00:00.020 Error Shop: store away"]),
            State("running", attempt: 2, lines: ["00:00:00.010 Information Shop: step 1", "00:00:00.020 Error Shop: store away"]),
            State("succeeded", attempt: 2, durationMs: 12, lines: ["00:00:00.010 Information Shop: step 1", "00:00:00.020 Error Shop: store away", "00:01:00.030 Information Shop: step 1"]));

        var exitCode = await Run("invoke", "/api/report", "--url", server.Url, "--wait");

        Assert.Equal(0, exitCode);
        Assert.Equal(
            [
                "HTTP 202 Accepted",
                "Execution id: e1",
                "  00:00:00.010 Information Shop: step 1",
                "  00:00:00.020 Error Shop: store away",
                "Attempt 1 failed; attempt 2 is waiting for its retry.",
                "  00:01:00.030 Information Shop: step 1",
                "Execution e1 of /api/report succeeded in 12 ms (attempt 2).",
            ],
            Lines(_output));
        Assert.Empty(_error.ToString());
    }

    // An app under a path base (UsePathBase behind a proxy that forwards only its prefix) was out of reach: a path in
    // --url was refused. It is the path base now, under which the route and the dashboard API are asked.
    [Theory]
    [InlineData("/shop")]
    [InlineData("/shop/")]
    public async Task An_app_under_a_path_base_is_invoked_and_followed_under_it(string pathInUrl)
    {
        await using var server = await StartAsync(pathBase: "/shop");
        server.Script("e1", State("running"), State("succeeded", durationMs: 7));

        var exitCode = await Run("invoke", "/api/report", "--url", server.Url + pathInUrl, "--wait");

        Assert.Equal(0, exitCode);
        Assert.Equal(["HTTP 202 Accepted", "Execution id: e1", "Execution e1 of /api/report succeeded in 7 ms (attempt 1)."], Lines(_output));
        Assert.True(server.Polls >= 2);
        Assert.Empty(_error.ToString());

        // Without the path base, neither the route nor the API is there.
        Assert.Equal(WaitExitCodes.CommandFailed, await Run("invoke", "/api/report", "--url", server.Url, "--wait"));
    }

    [Fact]
    public async Task A_route_not_found_under_the_path_in_the_url_says_that_the_path_is_taken_as_the_path_base()
    {
        await using var server = await StartAsync();

        var exitCode = await Run("invoke", "/api/report", "--url", server.Url + "/api/report");

        Assert.Equal(WaitExitCodes.CommandFailed, exitCode);
        Assert.Equal("HTTP 404 Not Found", Lines(_output)[0]);
        Assert.Equal(
            $"apiroutes: no route /api/report under the path base '/api/report' of --url {server.Url}/api/report/: the path in --url is taken as the app's path base (UsePathBase); "
            + "name the server only when the app has none, and ROUTE as 'apiroutes routes' shows it.",
            _error.ToString().TrimEnd());
    }

    [Fact]
    public async Task A_refused_request_is_a_line_on_standard_error_with_the_likely_causes()
    {
        // Review 28c F19: a 404 (a typo, or a scheduled route outside Development) was "HTTP 404 Not Found" on stdout only.
        await using var server = await StartAsync();
        var secret = Environment.GetEnvironmentVariable(InvokeCommand.TriggerSecretVariable);

        Assert.Equal(WaitExitCodes.CommandFailed, await Run("invoke", "/api/nope", "--url", server.Url));
        var notFound = _error.ToString().TrimEnd();
        _error.GetStringBuilder().Clear();
        Assert.Equal(WaitExitCodes.CommandFailed, await Run("invoke", "/api/orders", "--url", server.Url));
        var notAllowed = _error.ToString().TrimEnd();
        _error.GetStringBuilder().Clear();
        Environment.SetEnvironmentVariable(InvokeCommand.TriggerSecretVariable, new string('s', 40));
        try
        {
            Assert.Equal(WaitExitCodes.CommandFailed, await Run("invoke", "/api/cleanup", "--url", server.Url, "--occurrence", "2026-01-01T03:00:00Z"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(InvokeCommand.TriggerSecretVariable, secret);
        }

        Assert.Equal(
            $"apiroutes: POST /api/nope was answered 404 Not Found by {server.Url}/: no route there ('apiroutes routes' lists the app's), or a scheduled route "
            + "outside Development, which runs only on its schedule (send one occurrence as a signed trigger with --occurrence and $APIROUTES_TRIGGER_SECRET).",
            notFound);
        Assert.Equal(
            $"apiroutes: POST /api/orders was answered 405 Method Not Allowed by {server.Url}/: the route does not take POST (it allows GET); invoke triggers "
            + "background and scheduled routes, and a standard route is asked with curl or a browser.",
            notAllowed);
        Assert.Equal(
            $"apiroutes: the signed trigger for /api/cleanup was answered 404 Not Found by {server.Url}/: the server takes no signed schedule triggers "
            + "(POST /_apiroutes/scheduled-runs) unless it runs with ApiRoutes:Scheduling:ExternalTriggerSecret set.",
            _error.ToString().TrimEnd());
    }

    [Fact]
    public async Task A_signed_trigger_the_server_answers_with_its_own_404_is_not_blamed_on_a_missing_secret()
    {
        // Review 29a F7: a server with the secret, answering "not a scheduled route of this app", was said to have none.
        await using var server = await StartAsync(triggers: true);
        var secret = Environment.GetEnvironmentVariable(InvokeCommand.TriggerSecretVariable);
        Environment.SetEnvironmentVariable(InvokeCommand.TriggerSecretVariable, new string('s', 40));
        try
        {
            Assert.Equal(WaitExitCodes.CommandFailed, await Run("invoke", "/api/hellp", "--url", server.Url, "--occurrence", "2026-01-01T03:00:00Z"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(InvokeCommand.TriggerSecretVariable, secret);
        }

        Assert.Equal(["HTTP 404 Not Found", "'/api/hellp' is not a scheduled route of this app."], Lines(_output));
        Assert.Equal($"apiroutes: the signed trigger for /api/hellp was answered 404 Not Found by {server.Url}/; the answer above says why.", _error.ToString().TrimEnd());
    }

    [Theory]
    // the last attempt threw
    [InlineData("failed", "System.InvalidOperationException: The report store is away\n   at Shop.Api.Report.HandleAsync()", 2, "Execution e1 of /api/report failed (attempt 1): System.InvalidOperationException: The report store is away")]
    // the time limit
    [InlineData("timed_out", "Timed out after 00:05:00: RequestAborted was cancelled.", 3, "Execution e1 of /api/report timed out: Timed out after 00:05:00: RequestAborted was cancelled.")]
    public async Task The_exit_code_is_the_executions_outcome(string status, string error, int exitCode, string last)
    {
        await using var server = await StartAsync();
        server.Script("e1", State(status, error: error));

        Assert.Equal(exitCode, await Run("invoke", "/api/report", "--url", server.Url, "--wait"));
        Assert.Equal(last, Lines(_output)[^1]);
    }

    [Fact]
    public async Task A_run_still_going_at_the_timeout_exits_4_having_polled_every_250_ms_of_it()
    {
        // On the clock of the command: a real second under load once held a single poll (CI), so time is stepped here.
        await using var server = await StartAsync();
        server.Script("e1", State("running"));
        var clock = new WaitClock();

        var run = Run(clock, "invoke", "/api/report", "--url", server.Url, "--wait", "--timeout", "1s");
        await StepEachWaitAsync(clock, run);

        Assert.Equal(4, await run);
        Assert.Equal("Execution e1 of /api/report is still running after 00:00:01 (--timeout); it goes on in the app.", Lines(_output)[^1]);
        Assert.Equal(5, server.Polls);   // at 0, 250, 500, 750 and 1000 ms: not in a tight loop, and once more at the limit
        Assert.Equal(Enumerable.Repeat(TimeSpan.FromMilliseconds(250), 4), clock.Waits);
    }

    [Fact]
    public async Task A_run_that_ends_while_being_followed_is_polled_until_its_end_and_no_longer()
    {
        await using var server = await StartAsync();
        server.Script("e1", State("running"), State("running"), State("succeeded", durationMs: 480));
        var clock = new WaitClock();

        var run = Run(clock, "invoke", "/api/report", "--url", server.Url, "--wait", "--timeout", "1s");
        await StepEachWaitAsync(clock, run);

        Assert.Equal(0, await run);
        Assert.Equal("Execution e1 of /api/report succeeded in 480 ms (attempt 1).", Lines(_output)[^1]);
        Assert.Equal(3, server.Polls);
        Assert.Equal(2, clock.Waits.Count);
    }

    [Fact]
    public async Task Escape_sequences_in_what_the_server_sends_are_printed_escaped_not_run_by_the_terminal()
    {
        // The review's case: a handler logging request data that moves the cursor up and forges an earlier line.
        await using var server = await StartAsync();
        server.Script(
            "e1",
            State("failed", lines: ["00:00:00.010 Information Shop: order \u001b[1A\u001b[2KExecution e1 succeeded \u001b]52;c;cm0gLXJm\u0007"], error: "boom \u001b[31mred\u202Eevil"));

        Assert.Equal(2, await Run("invoke", "/api/report", "--url", server.Url, "--wait"));

        var printed = _output.ToString();
        Assert.DoesNotContain('\u001b', printed);
        Assert.DoesNotContain('\u0007', printed);
        Assert.DoesNotContain('\u202E', printed);
        Assert.Contains("  00:00:00.010 Information Shop: order \\u001B[1A\\u001B[2KExecution e1 succeeded", printed, StringComparison.Ordinal);
        Assert.Contains("failed (attempt 1): boom \\u001B[31mred\\u202Eevil", printed, StringComparison.Ordinal);
    }

    // Review 24b F3: the id came from the server's X-ApiRoutes-Execution-Id header and reached the terminal raw (Kestrel
    // will not send control characters in a header: the server here writes its answers byte by byte).
    [Fact]
    public async Task Escape_sequences_in_the_execution_id_the_server_sends_are_printed_escaped()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var serving = ServeRawAsync(listener, "e1\u001b]0;pwned\u0007\u001b[2J", State("succeeded", durationMs: 3), stop.Token);

        var code = await Run("invoke", "/api/report", "--url", $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}", "--wait");
        await stop.CancelAsync();
        await serving;

        var printed = _output.ToString();
        Assert.Equal((0, ""), (code, _error.ToString()));
        Assert.DoesNotContain('\u001b', printed);
        Assert.DoesNotContain('\u0007', printed);
        Assert.Equal("Execution e1\\u001B]0;pwned\\u0007\\u001B[2J of /api/report succeeded in 3 ms (attempt 1).", Lines(_output)[^1]);
    }

    // Answers each request on its own connection: the route with the id in its header, the dashboard API with the state.
    private static async Task ServeRawAsync(TcpListener listener, string id, string state, CancellationToken cancellationToken)
    {
        for (var served = 0; served < 10; served++)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            using (client)
            {
                var stream = client.GetStream();
                var request = new StringBuilder();
                var buffer = new byte[4096];
                while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal) && request.Length < 65536)
                {
                    var read = await stream.ReadAsync(buffer, cancellationToken);
                    if (read == 0)
                    {
                        break;
                    }

                    request.Append(Encoding.Latin1.GetString(buffer, 0, read));
                }

                var answer = request.ToString().StartsWith("POST /api/report ", StringComparison.Ordinal)
                    ? $"HTTP/1.1 202 Accepted\r\nX-ApiRoutes-Execution-Id: {id}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    : $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(state)}\r\nConnection: close\r\n\r\n{state}";
                await stream.WriteAsync(Encoding.Latin1.GetBytes(answer), cancellationToken);
            }
        }
    }

    [Fact]
    public async Task The_dashboard_token_is_sent_as_a_bearer_token()
    {
        await using var server = await StartAsync(token: "t0k3n-t0k3n-t0k3n-t0k3n-t0k3n-t0k3n");
        server.Script("e1", State("succeeded"));

        Assert.Equal(1, await Run("invoke", "/api/report", "--url", server.Url, "--wait"));
        Assert.Equal(
            $"apiroutes: The dashboard API at {server.Url}/ refused to show execution e1 (401): set APIROUTES_DASHBOARD_TOKEN to the app's ApiRoutes:Dashboard:Token.",
            Assert.Single(Lines(_error)));

        Environment.SetEnvironmentVariable(RunsCommand.TokenVariable, "t0k3n-t0k3n-t0k3n-t0k3n-t0k3n-t0k3n");
        try
        {
            Assert.Equal(0, await Run("invoke", "/api/report", "--url", server.Url, "--wait"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(RunsCommand.TokenVariable, null);
        }

        Assert.DoesNotContain("t0k3n", _output.ToString() + _error.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, await Run("invoke", "/api/report", "--url", server.Url, "--wait", "--token", "t0k3n"));   // never on the command line
        Assert.Contains("--token is not accepted", _error.ToString(), StringComparison.Ordinal);
        Assert.Contains("APIROUTES_DASHBOARD_TOKEN", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_dashboard_token_goes_only_to_a_server_that_asks_for_it_by_name()
    {
        const string token = "t0k3n-t0k3n-t0k3n-t0k3n-t0k3n-t0k3n";
        await using var server = await StartAsync(token: token);
        server.Script("e1", State("succeeded", durationMs: 3));
        Environment.SetEnvironmentVariable(RunsCommand.TokenVariable, token);
        try
        {
            // A scheduled route on a development server with ApiRoutes:Dashboard:Token: asked for, sent once more with it.
            Assert.Equal(0, await Run("invoke", "/api/cleanup", "--url", server.Url, "--wait"));
            Assert.Equal(["", $"Bearer {token}"], server.RouteAuthorizations.ToArray());

            // A background route never gets it: it would keep it with the request.
            server.RouteAuthorizations.Clear();
            Assert.Equal(0, await Run("invoke", "/api/report", "--url", server.Url));
            Assert.Equal([""], server.RouteAuthorizations.ToArray());
        }
        finally
        {
            Environment.SetEnvironmentVariable(RunsCommand.TokenVariable, null);
        }

        // Without the variable the 401 is the answer, and the command says so.
        server.RouteAuthorizations.Clear();
        Assert.Equal(1, await Run("invoke", "/api/cleanup", "--url", server.Url));
        Assert.Equal([""], server.RouteAuthorizations.ToArray());
        Assert.Contains("HTTP 401", _output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(token, _output.ToString() + _error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    // no dashboard API (Production without ApiRoutes:Dashboard:Enabled): an empty 404
    [InlineData(false, "/api/report", "apiroutes: The dashboard API is not served at {url}/ (404 for /_apiroutes/api), so execution e1 cannot be followed: it is served in Development, and elsewhere when ApiRoutes:Dashboard:Enabled=true and ApiRoutes:Dashboard:Token are set.")]
    // an execution the app does not know (gone from its store): the API's own 404
    [InlineData(true, "/api/report", "apiroutes: The server at {url}/ does not know execution e1: No execution 'e1' is known.")]
    // a standard route starts no execution
    [InlineData(true, "/api/hello", "apiroutes: --wait follows a background or scheduled run, but /api/hello answered without an X-ApiRoutes-Execution-Id header: it is a standard route, or a scheduled route outside Development (run it there with --occurrence and APIROUTES_TRIGGER_SECRET).")]
    public async Task What_cannot_be_followed_is_one_clear_line_and_exit_code_1(bool dashboard, string route, string message)
    {
        await using var server = await StartAsync(dashboard);

        Assert.Equal(1, await Run("invoke", route, "--url", server.Url, "--wait"));
        Assert.Equal(message.Replace("{url}", server.Url, StringComparison.Ordinal), Assert.Single(Lines(_error)));
    }

    public void Dispose()
    {
        _output.Dispose();
        _error.Dispose();
    }

    private static string[] Lines(StringWriter writer) => writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);

    private Task<int> Run(params string[] args) => Run(TimeProvider.System, args);

    private Task<int> Run(TimeProvider time, params string[] args)
    {
        _output.GetStringBuilder().Clear();
        _error.GetStringBuilder().Clear();
        return Program.RunAsync(args, _output, _error, time: time);
    }

    // Moves the clock on by each wait the command starts on it, once the wait is armed, until the command ends.
    private static async Task StepEachWaitAsync(WaitClock clock, Task<int> run)
    {
        for (var step = 0; step < 100; step++)
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            var armed = clock.Armed.WaitAsync(stop.Token);
            if (await Task.WhenAny(armed, run) == run)
            {
                return;
            }

            await armed;
            clock.Advance(clock.Waits[^1]);
        }

        Assert.Fail("The command was still waiting after 100 steps of its clock.");
    }

    /// <summary>A clock that moves only when told to, and tells when a wait (a timer) is armed on it, and for how long.</summary>
    private sealed class WaitClock : FakeTimeProvider
    {
        private readonly List<TimeSpan> _waits = [];

        public SemaphoreSlim Armed { get; } = new(0);

        public IReadOnlyList<TimeSpan> Waits
        {
            get
            {
                lock (_waits)
                {
                    return [.. _waits];
                }
            }
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            lock (_waits)
            {
                _waits.Add(dueTime);
            }

            Armed.Release();
            return timer;
        }
    }
}
