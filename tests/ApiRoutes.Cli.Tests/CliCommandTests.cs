using ApiRoutes.Cli;
using ApiRoutes.Cli.Commands;
using ApiRoutes.Manifest;

namespace ApiRoutes.Cli.Tests;

/// <summary>The commands' own logic, without building or serving anything (the integration tests do that).</summary>
public sealed class CliCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("apiroutes-cli-").FullName;
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();

    [Fact]
    public void The_route_table_aligns_columns_and_lists_the_next_runs_in_utc()
    {
        var manifest = new RouteManifest
        {
            Generator = "test",
            Assembly = new ManifestAssembly("Shop", "Shop.dll", Guid.Empty),
            Routes =
            [
                new ManifestRoute
                {
                    Route = "/api/cleanup",
                    Kind = RouteKind.Scheduled,
                    Handler = new ManifestHandler("Shop.Api.Cleanup", "Shop"),
                    Schedule = new ManifestSchedule("*/30 * * * *", "0,30 * * * *"),
                    Source = new ManifestSource("Api/Cleanup.cs", 8),
                },
                new ManifestRoute { Route = "/api/hello", Kind = RouteKind.Standard, Handler = new ManifestHandler("Shop.Api.Hello", "Shop") },
                new ManifestRoute
                {
                    Route = "/api/report",
                    Kind = RouteKind.Scheduled,
                    Handler = new ManifestHandler("Shop.Api.Report", "Shop"),
                    Schedule = new ManifestSchedule("0 7 * * *", "0 7 * * *", "Asia/Tokyo"),
                },
            ],
        };

        var table = RouteTable.Format(manifest, new DateTime(2026, 12, 31, 23, 10, 0, DateTimeKind.Utc), 3);

        Assert.Equal(
            """
            ROUTE         KIND       SCHEDULE                NEXT RUNS (UTC)                                       HANDLER           SOURCE
            /api/cleanup  scheduled  */30 * * * *            2026-12-31 23:30, 2027-01-01 00:00, 2027-01-01 00:30  Shop.Api.Cleanup  Api/Cleanup.cs:8
            /api/hello    standard                                                                                 Shop.Api.Hello
            /api/report   scheduled  0 7 * * * (Asia/Tokyo)  2027-01-01 22:00, 2027-01-02 22:00, 2027-01-03 22:00  Shop.Api.Report

            """.ReplaceLineEndings(),
            table);
    }

    [Theory]
    // Review 29a F4: '--' ends the options; a word with a blank is no option: both are schedules, refused as such.
    [InlineData(new[] { "schedule", "--", "--json" }, "'--json' is not a valid crontab schedule")]
    [InlineData(new[] { "schedule", "- * * * *" }, "'- * * * *' is not a valid crontab schedule")]
    public async Task Words_after_a_double_dash_or_with_blanks_are_arguments_not_options(string[] args, string message)
    {
        Assert.Equal(1, await Run(args));
        Assert.Contains(message, _output.ToString() + _error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("unknown option", _error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "invoke", "/api/x", "--url", "ftp://example" }, "'ftp://example' is not an http(s) URL.")]
    [InlineData(new[] { "invoke", "/api/x", "--url", "http://127.0.0.1:1", "--occurrence", "2026-01-01T03:00:00Z" }, "--occurrence sends a signed trigger: set APIROUTES_TRIGGER_SECRET")]
    [InlineData(new[] { "invoke", "/api/x", "--url", "http://127.0.0.1:1" }, "No server answered at http://127.0.0.1:1/")]
    // --wait's options without --wait, and a timeout that is not a duration
    [InlineData(new[] { "invoke", "/api/x", "--url", "http://127.0.0.1:1", "--timeout", "10s" }, "apiroutes: --timeout applies only with --wait.")]
    [InlineData(new[] { "invoke", "/api/x", "--url", "http://127.0.0.1:1", "--wait", "--timeout", "ten" }, "apiroutes: --timeout 'ten' is not a duration: write whole seconds (90) or units h, m, s (90s, 10m, 1h30m), more than 0.")]
    [InlineData(new[] { "invoke", "/api/x", "--url", "http://127.0.0.1:1", "--wait", "--timeout", "0s" }, "is not a duration")]
    // Over HttpClient's ceiling of about 24.8 days (once an ArgumentOutOfRangeException), and over the 24 hours allowed.
    [InlineData(new[] { "invoke", "/api/x", "--url", "http://127.0.0.1:1", "--wait", "--timeout", "2147483647" }, "apiroutes: --timeout '2147483647' is over 24 hours, the longest --wait follows a run:")]
    [InlineData(new[] { "invoke", "/api/x", "--url", "http://127.0.0.1:1", "--wait", "--timeout", "24h1s" }, "apiroutes: --timeout '24h1s' is over 24 hours")]
    // 24 hours is allowed: the command gets as far as the server.
    [InlineData(new[] { "invoke", "/api/x", "--url", "http://127.0.0.1:1", "--wait", "--timeout", "24h" }, "No server answered at http://127.0.0.1:1/")]
    // ROUTE is a path on --url's server: a network-path reference, its backslash form or a full URL would send the
    // request (and after a 401 the dashboard token) to another host.
    [InlineData(new[] { "invoke", "//127.0.0.1:2/x", "--url", "http://127.0.0.1:1" }, "apiroutes: ROUTE '//127.0.0.1:2/x' is not a path on the server: write it as the route table shows it, starting with a single '/' (for example /api/cleanup); the server goes in --url.")]
    [InlineData(new[] { "invoke", "/\\127.0.0.1:2/x", "--url", "http://127.0.0.1:1" }, "apiroutes: ROUTE '/\\127.0.0.1:2/x' is not a path on the server")]
    [InlineData(new[] { "invoke", "http://127.0.0.1:2/x", "--url", "http://127.0.0.1:1" }, "apiroutes: ROUTE 'http://127.0.0.1:2/x' is not a path on the server")]
    [InlineData(new[] { "invoke", "api/x", "--url", "http://127.0.0.1:1" }, "apiroutes: ROUTE 'api/x' is not a path on the server")]
    [InlineData(new[] { "invoke", "//127.0.0.1:2/x", "--url", "http://127.0.0.1:1", "--occurrence", "2026-01-01T03:00:00Z" }, "apiroutes: ROUTE '//127.0.0.1:2/x' is not a path on the server")]
    [InlineData(new[] { "serve", "/nowhere/App.bundle.zip" }, "'/nowhere/App.bundle.zip' does not exist.")]
    // Review 28c F12: a body that is not JSON was sent as application/json without a word, also with a signed trigger.
    [InlineData(new[] { "invoke", "/api/x", "--url", "http://127.0.0.1:1", "--body", "{a:1}" }, "apiroutes: --body '{a:1}' is not JSON (")]
    [InlineData(new[] { "invoke", "/api/x", "--url", "http://127.0.0.1:1", "--body", "not json" }, "quote it for the shell as a whole: --body '{\"name\":\"weekly\"}'.")]
    [InlineData(new[] { "invoke", "/api/x", "--url", "http://127.0.0.1:1", "--body", "{}", "--occurrence", "2026-01-01T03:00:00Z" }, "apiroutes: --body is not sent with --occurrence: a signed schedule trigger has no body")]
    [InlineData(new[] { "invoke", "/api/x", "--url", "http://127.0.0.1:1", "--body", "{\"a\":1}" }, "No server answered at http://127.0.0.1:1/")]
    [InlineData(new[] { "runs", "/api/x", "--url", "http://127.0.0.1:1/shop?x=1" }, "apiroutes: --url 'http://127.0.0.1:1/shop?x=1' has a query or fragment, which the command would not use: name the server, and the app's path base if it has one ('http://127.0.0.1:1/shop'); ROUTE is the path on it.")]
    [InlineData(new[] { "invoke", "/api/x", "--url", "http://127.0.0.1:1/#top" }, "apiroutes: --url 'http://127.0.0.1:1/#top' has a query or fragment")]
    // A path is the app's path base: the requests go under it.
    [InlineData(new[] { "runs", "/api/x", "--url", "http://127.0.0.1:1/shop" }, "No server answered at http://127.0.0.1:1/shop/")]
    // Review 26a F21: read as the invariant culture reads it, 05/06/2027 was 6 May.
    [InlineData(new[] { "schedule", "@daily", "--after", "05/06/2027" }, "apiroutes: --after '05/06/2027' is not an ISO 8601 instant, such as 2026-01-01T00:00:00Z.")]
    // Review 26a F12: a folder was "does not exist", and a FIFO hung the command for good.
    [InlineData(new[] { "serve", "/tmp" }, "apiroutes: '/tmp' is a folder: pass the .zip that 'dotnet publish' wrote (it prints its path).")]
    [InlineData(new[] { "serve", "/dev/null" }, "apiroutes: '/dev/null' is not a regular file: pass the .zip that 'dotnet publish' wrote.")]
    // Review 26a F13: credentials in --url were dropped without a word, then printed in every error line.
    [InlineData(new[] { "runs", "/api/x", "--url", "http://admin:s3cr3t@127.0.0.1:1" }, "apiroutes: --url 'http://127.0.0.1:1/' holds a user name or password (user:password@), which is neither sent nor needed")]
    [InlineData(new[] { "invoke", "/api/x", "--url", "http://admin:s3cr3t@127.0.0.1:1" }, "holds a user name or password")]
    [InlineData(new[] { "runs", "/api/x", "--url", "htps://admin:s3cr3t@127.0.0.1:1/x" }, "apiroutes: 'htps://127.0.0.1:1/x' is not an http(s) URL.")]
    [InlineData(new[] { "runs", "/api/x", "--url", "admin:s3cr3t@host:5000" }, "apiroutes: 'host:5000' is not an http(s) URL.")]
    [InlineData(new[] { "runs", "/api/x", "--url", "/x@y" }, "apiroutes: '/x@y' is not an http(s) URL.")]
    // A command line that does not parse: one line, not System.CommandLine's errors and the whole help text.
    [InlineData(new string[0], "apiroutes: name a command: the commands are routes, validate, schedule, invoke, runs, serve. See 'apiroutes --help'.")]
    // Review 28c F10: an unknown command came after "Required command was not provided"; an unknown option was taken for
    // the PROJECT path, or a typo's value was the word named.
    [InlineData(new[] { "bogus" }, "apiroutes: 'bogus' is not a command; the commands are routes, validate, schedule, invoke, runs, serve. See 'apiroutes --help'.")]
    [InlineData(new[] { "rotues" }, "apiroutes: 'rotues' is not a command (did you mean 'routes'?); the commands are")]
    [InlineData(new[] { "--verbose" }, "apiroutes: unknown option '--verbose'; the commands are")]
    [InlineData(new[] { "routes", "--verbose" }, "apiroutes: unknown option '--verbose' for 'apiroutes routes'; it takes no options but --help. See 'apiroutes routes --help'.")]
    [InlineData(new[] { "validate", "--reprot", "x.sarif" }, "apiroutes: unknown option '--reprot' for 'apiroutes validate' (did you mean '--report'?); its options are --report. See 'apiroutes validate --help'.")]
    [InlineData(new[] { "runs", "/api/x", "--tokn=s3cr3t" }, "apiroutes: unknown option '--tokn' for 'apiroutes runs'")]
    [InlineData(new[] { "routes", "a", "b" }, "apiroutes: Unrecognized command or argument 'b'. See 'apiroutes routes --help'.")]
    [InlineData(new[] { "invoke" }, "apiroutes: Required argument missing for command: 'invoke'. See 'apiroutes invoke --help'.")]
    [InlineData(new[] { "serve", "x.zip", "--max-size", "abc" }, "apiroutes: Cannot parse argument 'abc' for option '--max-size' as expected type 'System.Int64'. See 'apiroutes serve --help'.")]
    [InlineData(new[] { "validate", "--report" }, "apiroutes: Required argument missing for option: '--report'. See 'apiroutes validate --help'.")]
    // The options that once took secrets on the command line say where the secret goes now, without echoing it.
    [InlineData(new[] { "invoke", "/api/x", "--secret", "s3cr3t" }, "apiroutes: --secret is not accepted: a secret on the command line is visible to every user of the machine (ps) and is kept in shell histories and CI logs. Set the environment variable APIROUTES_TRIGGER_SECRET instead. See 'apiroutes invoke --help'.")]
    [InlineData(new[] { "invoke", "/api/x", "--token", "s3cr3t" }, "Set the environment variable APIROUTES_DASHBOARD_TOKEN instead. See 'apiroutes invoke --help'.")]
    [InlineData(new[] { "runs", "/api/x", "--token=s3cr3t" }, "apiroutes: --token is not accepted: a secret on the command line is visible")]
    public async Task Bad_input_is_one_clear_line_and_exit_code_1(string[] args, string message)
    {
        Assert.Equal(1, await Run(args));
        var line = Assert.Single(_error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(message, line, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", line, StringComparison.Ordinal);
        Assert.Empty(_output.ToString());
    }

    [Fact]
    public void An_unexpected_exception_is_one_line_with_its_type()
    {
        var error = new StringWriter();

        var exitCode = CommandRunner.Run(error, () => throw new InvalidDataException("line one\r\n  line two\n"));

        Assert.Equal(1, exitCode);
        Assert.Equal("apiroutes: InvalidDataException: line one line two" + Environment.NewLine, error.ToString());
    }

    [Fact]
    public async Task Every_command_has_help()
    {
        foreach (var command in new[] { "routes", "validate", "schedule", "invoke", "runs", "serve" })
        {
            Assert.Equal(0, await Run(command, "--help"));
        }

        Assert.Contains("--occurrence", _output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("--secret", _output.ToString(), StringComparison.Ordinal);   // refused, so not offered
        Assert.DoesNotContain("--token", _output.ToString(), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _output.Dispose();
        _error.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private Task<int> Run(params string[] args)
    {
        return Program.RunAsync(args, _output, _error);
    }
}
