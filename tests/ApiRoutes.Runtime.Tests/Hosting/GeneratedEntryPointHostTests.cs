using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Hosting;
using ApiRoutes.Runtime.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

[assembly: HostingStartup(typeof(RecordingHostingStartup))]

namespace ApiRoutes.Runtime.Tests.Hosting;

/// <summary>
/// The app an ApiRoutes project runs without a <c>Program.cs</c> (<see cref="ApiRoutesApplication.RunAsync"/>) is built
/// on the slim web builder, which starts faster (issue 15): what an ApiRoutes app uses of the full builder's extras is
/// still there — the regex route constraint the build accepts, HTTPS endpoints, the console's format and the metrics'
/// rules from configuration — and
/// code from outside the app named as a hosting startup assembly is not loaded.
/// </summary>
public sealed class GeneratedEntryPointHostTests
{
    [Fact]
    public async Task Routes_with_the_regex_and_alpha_constraints_are_served()
    {
        await using var app = await RunningApp.StartAsync("/api/greet/{name:alpha}/{code:regex(^\\d{{3}}$)}", "--urls=http://127.0.0.1:0");

        using var client = new HttpClient { BaseAddress = new Uri(app.Address), Timeout = Probe.Patience };
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/greet/ada/123")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/greet/ada7/123")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/greet/ada/12a")).StatusCode);
        Assert.Equal(0, await app.StopAsync());
    }

    [Fact]
    public async Task An_https_endpoint_from_configuration_serves_requests_with_its_certificate()
    {
        using var certificate = SelfSigned();
        var pfx = Path.Combine(Directory.CreateTempSubdirectory("apiroutes-https-").FullName, "server.pfx");
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "secret"));
        try
        {
            await using var app = await RunningApp.StartAsync(
                "/api/hello",
                "--Kestrel:Endpoints:Https:Url=https://127.0.0.1:0",
                $"--Kestrel:Endpoints:Https:Certificate:Path={pfx}",
                "--Kestrel:Endpoints:Https:Certificate:Password=secret");

            X509Certificate? presented = null;
            using var handler = new SocketsHttpHandler
            {
                SslOptions = new SslClientAuthenticationOptions
                {
                    RemoteCertificateValidationCallback = (_, remote, _, _) =>
                    {
                        presented = remote;
                        return remote is not null && remote.GetCertHashString() == certificate.GetCertHashString();
                    },
                },
            };
            using var client = new HttpClient(handler) { BaseAddress = new Uri(app.Address), Timeout = Probe.Patience };

            Assert.StartsWith("https://127.0.0.1:", app.Address, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/hello")).StatusCode);
            Assert.Equal(certificate.GetCertHashString(), presented?.GetCertHashString());
            Assert.Equal(0, await app.StopAsync());
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(pfx)!, recursive: true);
        }
    }

    [Fact]
    public async Task The_console_format_and_the_metrics_rules_are_read_from_configuration()
    {
        // The slim builder forces the console's simple format (a container's Logging__Console__FormatterName=json was
        // ignored: multi-line text reached a log shipper that parses JSON) and binds no Metrics section (review 12, F1, F3).
        await using var app = await RunningApp.StartAsync(
            "/api/hello", "--urls=http://127.0.0.1:0", "--Logging:Console:FormatterName=json", "--Metrics:EnabledMetrics:Shop.Orders=true");

        Assert.Equal("json", app.Services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName);
        var rule = Assert.Single(app.Services.GetRequiredService<IOptions<MetricsOptions>>().Value.Rules);
        Assert.Equal(("Shop.Orders", true), (rule.MeterName, rule.Enable));
        Assert.Equal(0, await app.StopAsync());
    }

    [Fact]
    public async Task Without_a_configured_format_the_console_keeps_the_simple_one()
    {
        await using var app = await RunningApp.StartAsync("/api/hello", "--urls=http://127.0.0.1:0");

        Assert.Equal(ConsoleFormatterNames.Simple, app.Services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName);
        Assert.Equal(0, await app.StopAsync());
    }

    [Fact]
    public async Task A_hosting_startup_assembly_named_in_the_configuration_is_not_loaded()
    {
        // The full builder loads every assembly named in hostingStartupAssemblies (the command line, or
        // ASPNETCORE_HOSTINGSTARTUPASSEMBLIES) and runs its IHostingStartup: code the app never published.
        await using var app = await RunningApp.StartAsync(
            "/api/hello", "--urls=http://127.0.0.1:0", $"--hostingStartupAssemblies={typeof(RecordingHostingStartup).Assembly.GetName().Name}");

        Assert.Null(app.Services.GetService<RecordingHostingStartup.Marker>());
        Assert.Equal(0, await app.StopAsync());
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }

    /// <summary>ApiRoutesApplication.RunAsync running until <see cref="StopAsync"/>, with its first bound address.</summary>
    private sealed class RunningApp : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly Task<int> _run;

        private RunningApp(WebApplication app, Task<int> run)
        {
            _app = app;
            _run = run;
            Address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        }

        public string Address { get; }

        public IServiceProvider Services => _app.Services;

        /// <summary>Starts the app on the in-memory store, serving one standard route <paramref name="template"/> (Hello).</summary>
        public static async Task<RunningApp> StartAsync(string template, params string[] args)
        {
            var manifest = TestManifest.Write(Create(StandardRoute(template, typeof(Hello))));
            args = [.. args, $"--ApiRoutes:ManifestPath={manifest}", "--ApiRoutes:Store:Provider=InMemory"];
            var started = new TaskCompletionSource<WebApplication>(TaskCreationOptions.RunContinuationsAsynchronously);
            WebApplication? built = null;
            var run = ApiRoutesApplication.RunAsync(
                args,
                configureBuilder: builder => builder.Services.AddSingleton<Probe>().AddScoped<ScopedCounter>(),
                configureApp: app =>
                {
                    built = app;
                    app.Lifetime.ApplicationStarted.Register(() => started.TrySetResult(app));
                });
            try
            {
                if (await Task.WhenAny(started.Task, run).WaitAsync(Probe.Patience) == run)
                {
                    Assert.Fail($"the app stopped before it started, exit code {await run}");
                }
            }
            catch (TimeoutException)
            {
                built?.Lifetime.StopApplication();   // never left running behind a failed test
                throw;
            }

            return new RunningApp(await started.Task, run);
        }

        /// <summary>Stops the app; its exit code.</summary>
        public async Task<int> StopAsync()
        {
            _app.Lifetime.StopApplication();
            return await _run.WaitAsync(Probe.Patience);
        }

        public async ValueTask DisposeAsync()
        {
            if (!_run.IsCompleted)
            {
                await StopAsync();
            }
        }
    }
}

/// <summary>A hosting startup in the tests' assembly: it registers <see cref="Marker"/> wherever it runs.</summary>
public sealed class RecordingHostingStartup : IHostingStartup
{
    public void Configure(IWebHostBuilder builder) => builder.ConfigureServices(services => services.AddSingleton<Marker>());

    public sealed class Marker;
}
