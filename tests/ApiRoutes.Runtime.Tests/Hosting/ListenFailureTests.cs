using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Hosting;

/// <summary>
/// Review 28c F14: an address in use (a second server on :5000, the most common first-day mistake) or one that is not
/// an address crashed the generated entry point with an unhandled exception, ~40 lines of stack trace and SIGABRT
/// (exit code 134). One line that says what to do, and exit code 1.
/// </summary>
[Collection(ConsoleErrorCollection.Name)]
public sealed class ListenFailureTests
{
    [Fact]
    public async Task An_address_in_use_is_one_line_and_exit_code_1()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";

        var (code, error) = await RunAsync($"--urls={url}");

        Assert.Equal(1, code);
        Assert.Equal(
            $"ApiRoutes: Failed to bind to address {url}: address already in use. Another server listens there: stop it, or give this app another address "
            + "(--urls http://localhost:5001, ASPNETCORE_URLS or Kestrel:Endpoints).",
            error.Trim());
    }

    [Fact]
    public async Task An_address_that_is_not_a_url_is_one_line_and_exit_code_1()
    {
        var (code, error) = await RunAsync("--urls=htp:/bad");

        Assert.Equal(1, code);
        Assert.Equal(
            "ApiRoutes: Invalid url: 'htp:/bad': the addresses to listen on (--urls, ASPNETCORE_URLS or Kestrel:Endpoints) are URLs such as http://localhost:5001 or http://+:8080.",
            error.Trim());
    }

    // Review 33b F6: a port that is not a number made Kestrel take "127.0.0.1:4201O" for a host name and listen on every
    // interface at port 80, without a word; a port past 65535 was an unhandled exception (exit code 134).
    [Theory]
    [InlineData("--urls=http://127.0.0.1:4201O", "'http://127.0.0.1:4201O' (--urls, ASPNETCORE_URLS) has the port '4201O'")]
    [InlineData("--urls=http://localhost:notaport;http://127.0.0.1:0", "'http://localhost:notaport' (--urls, ASPNETCORE_URLS) has the port 'notaport'")]
    [InlineData("--urls=http://127.0.0.1:99999", "'http://127.0.0.1:99999' (--urls, ASPNETCORE_URLS) has the port '99999'")]
    [InlineData("--http_ports=abc", "'abc' (ASPNETCORE_HTTP_PORTS) has the port 'abc'")]
    [InlineData("--Kestrel:Endpoints:web:Url=http://[::1]:80x", "'http://[::1]:80x' (Kestrel:Endpoints:web:Url) has the port '80x'")]
    public async Task An_address_whose_port_is_not_a_number_is_refused_not_widened_to_every_interface(string urls, string expected)
    {
        var (code, error) = await RunAsync(urls);

        Assert.Equal(1, code);
        Assert.StartsWith($"ApiRoutes: The address to listen on {expected}, which is not a number from 0 to 65535", error.Trim(), StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }

    // Review 33b F6: an address this machine does not have, or an HTTPS endpoint without a certificate, was an unhandled
    // exception, exit code 134.
    [Theory]
    [InlineData("--urls=http://192.0.2.1:0", "this machine has no such address")]
    [InlineData("--urls=https://127.0.0.1:0", "No server certificate was specified")]
    [InlineData("--Kestrel:Endpoints:web:Url=https://127.0.0.1:0 --Kestrel:Endpoints:web:Certificate:Path=/no/such/certificate.pfx", "The HTTPS certificate cannot be read")]
    public async Task An_address_the_machine_lacks_or_https_without_a_certificate_is_one_line_and_exit_code_1(string urls, string expected)
    {
        var (code, error) = await RunAsync(urls);

        Assert.Equal(1, code);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }

    // Review 33b F9: a content root that is not a folder was an unhandled exception, exit code 134.
    [Fact]
    public async Task A_content_root_that_is_not_a_folder_is_one_line_and_exit_code_1()
    {
        var missing = Path.Combine(Path.GetTempPath(), "apiroutes-no-such-folder-" + Guid.NewGuid().ToString("N"));

        var (code, error) = await RunAsync($"--contentRoot={missing}");

        Assert.Equal(1, code);
        Assert.StartsWith($"ApiRoutes: The content root '{missing}", error.Trim(), StringComparison.Ordinal);
        Assert.Contains("is not a folder (--contentRoot, ASPNETCORE_CONTENTROOT or DOTNET_CONTENTROOT)", error, StringComparison.Ordinal);
    }

    // A relative content root is the app's folder's, as the host resolves it: the line names that folder, not the words
    // given (which read as the working folder's).
    [Fact]
    public async Task A_relative_content_root_that_is_not_a_folder_is_named_as_the_host_resolved_it()
    {
        var missing = "apiroutes-no-such-folder-" + Guid.NewGuid().ToString("N");

        var (code, error) = await RunAsync($"--contentRoot={missing}");

        Assert.Equal(1, code);
        Assert.StartsWith($"ApiRoutes: The content root '{Path.Join(AppContext.BaseDirectory, missing)}' is not a folder", error.Trim(), StringComparison.Ordinal);
    }

    // Review 33b F2: a log level that is not one (Serilog's "Verbose") was an unhandled exception in the app's build.
    [Fact]
    public async Task A_log_level_that_is_not_one_is_one_line_naming_the_setting_and_exit_code_1()
    {
        var (code, error) = await RunAsync("--Logging:LogLevel:Default=Verbose");

        Assert.Equal(1, code);
        Assert.Equal(
            "ApiRoutes: The log level 'Verbose' of Logging:LogLevel:Default is not one: write Trace, Debug, Information, Warning, Error, Critical or None.",
            error.Trim());
    }

    // Review 33b F1: the host's "Hosting failed to start" (event 11) and its stack came before the line, and buried it;
    // a hosted service's failure at start-up is still the host's to log (review 33f F1: a filter that hid both stopped
    // the app without a word).
    [Fact]
    public async Task The_hosts_stack_is_left_out_for_a_listen_failure_and_kept_for_a_hosted_services_failure()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var inUse = new HostLog();

        var (code, _) = await RunAsync($"--urls=http://127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}", builder => builder.Logging.AddProvider(inUse));

        Assert.Equal(1, code);
        Assert.DoesNotContain(inUse.Entries, entry => entry.Level >= LogLevel.Error);

        var failing = new HostLog();
        var started = ApiRoutesApplication.RunAsync(
            ["--urls=http://127.0.0.1:0", $"--ApiRoutes:ManifestPath={TestManifest.Write(Create(StandardRoute("/api/hello", typeof(Hello))))}", "--ApiRoutes:Store:Provider=InMemory"],
            builder =>
            {
                builder.Logging.AddProvider(failing);
                builder.Services.AddHostedService<FailsToStart>();
            });
        await Assert.ThrowsAsync<InvalidOperationException>(() => started.WaitAsync(TimeSpan.FromSeconds(60)));

        // Event 11 with the service's own exception, and no other error: the scheduler, disposed before its ExecuteAsync
        // began, ended cancelled, and the host logged that as events 9 and 10 (Critical "stopping host"; seen once in CI,
        // ci95; ScheduleServiceDisposalTests shows it every time).
        var entry = Assert.Single(failing.Entries, entry => entry.Level >= LogLevel.Error);
        Assert.Equal((11, "failed to start at once"), (entry.EventId, entry.Exception?.Message));
    }

    private sealed class FailsToStart : Microsoft.Extensions.Hosting.IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("failed to start at once");

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    // What the host logs under its own category.
    private sealed class HostLog : ILoggerProvider, ILogger
    {
        public System.Collections.Concurrent.ConcurrentQueue<(LogLevel Level, int EventId, Exception? Exception)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => categoryName == "Microsoft.Extensions.Hosting.Internal.Host" ? this : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue((logLevel, eventId.Id, exception));

        public void Dispose()
        {
        }
    }

    private static async Task<(int Code, string Error)> RunAsync(string urls, Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? configureBuilder = null)
    {
        var manifest = TestManifest.Write(Create(StandardRoute("/api/hello", typeof(Hello))));
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        try
        {
            string[] listen = urls.StartsWith("--urls", StringComparison.Ordinal) || urls.Contains(":Url=", StringComparison.Ordinal) ? urls.Split(' ') : [urls, "--urls=http://127.0.0.1:0"];
            var run = ApiRoutesApplication.RunAsync([.. listen, $"--ApiRoutes:ManifestPath={manifest}", "--ApiRoutes:Store:Provider=InMemory"], configureBuilder);
            return (await run.WaitAsync(TimeSpan.FromSeconds(60)), error.ToString());
        }
        finally
        {
            Console.SetError(previous);
        }
    }
}

/// <summary>The tests that read the process's standard error (Console.SetError) run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class ConsoleErrorCollection
{
    public const string Name = "Console.Error";
}
