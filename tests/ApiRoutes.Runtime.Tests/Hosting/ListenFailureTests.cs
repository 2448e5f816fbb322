using System.Net;
using System.Net.Sockets;
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

    private static async Task<(int Code, string Error)> RunAsync(string urls)
    {
        var manifest = TestManifest.Write(Create(StandardRoute("/api/hello", typeof(Hello))));
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        try
        {
            var run = ApiRoutesApplication.RunAsync([urls, $"--ApiRoutes:ManifestPath={manifest}", "--ApiRoutes:Store:Provider=InMemory"]);
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
