using System.Collections.Concurrent;
using ApiRoutes.Manifest;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace ApiRoutes.Runtime.Tests.Infrastructure;

/// <summary>
/// The real runtime on Kestrel, bound to 127.0.0.1 on an ephemeral port, over a manifest file written for the
/// test's handlers. Time is a <see cref="FakeTimeProvider"/> unless the test asks for the system clock.
/// </summary>
internal sealed class TestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private TestServer(WebApplication app, FakeTimeProvider? time, HttpClient client, ConcurrentQueue<string> logs)
    {
        _app = app;
        Time = time;
        Client = client;
        Logs = logs;
    }

    public FakeTimeProvider? Time { get; }

    public FakeTimeProvider FakeTime => Time ?? throw new InvalidOperationException("This server runs on the system clock.");

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public Probe Probe => _app.Services.GetRequiredService<Probe>();

    public ExecutionLog Executions => _app.Services.GetRequiredService<ExecutionLog>();

    /// <summary>Every log line as "Category[EventId] Level: message".</summary>
    public ConcurrentQueue<string> Logs { get; }

    public static async Task<TestServer> StartAsync(
        RouteManifest manifest,
        string environment = "Production",
        Action<ApiRoutesOptions>? options = null,
        DateTimeOffset? now = null,
        bool systemClock = false,
        Action<IServiceCollection>? services = null,
        Action<WebApplication>? middleware = null,
        Action<WebApplication>? map = null,
        bool mapRoutes = true)
    {
        var manifestPath = TestManifest.Write(manifest);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var logs = new ConcurrentQueue<string>();
        builder.Logging.ClearProviders().AddProvider(new ListLoggerProvider(logs)).SetMinimumLevel(LogLevel.Debug);

        var time = systemClock ? null : new FakeTimeProvider(now ?? new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        if (time is not null)
        {
            builder.Services.AddSingleton<TimeProvider>(time);
        }

        builder.Services.AddSingleton<Probe>().AddScoped<ScopedCounter>().AddSingleton<TickOptions>();
        builder.Services.AddApiRoutes(o =>
        {
            o.ManifestPath = manifestPath;
            o.Store.Provider = StoreProvider.InMemory;
            options?.Invoke(o);
        });
        services?.Invoke(builder.Services);

        var app = builder.Build();
        middleware?.Invoke(app);
        if (mapRoutes)
        {
            app.MapApiRoutes();
        }

        map?.Invoke(app);
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        var client = new HttpClient { BaseAddress = new Uri(address), Timeout = Probe.Patience };
        return new TestServer(app, time, client, logs);
    }

    /// <summary>A Production server with the dashboard enabled under <paramref name="token"/>, serving one hourly schedule /api/tick.</summary>
    public static Task<TestServer> StartWithDashboardAsync(string token, string? pathBase = null) => StartAsync(
        TestManifest.Create(TestManifest.ScheduledRoute("/api/tick", typeof(Tick), "@hourly")),
        options: o =>
        {
            o.Dashboard.Enabled = true;
            o.Dashboard.Token = token;
        },
        middleware: pathBase is null ? null : app => UnderPathBase(app, pathBase));

    /// <summary>The app under a path base (<c>UsePathBase</c>, then routing), as behind a proxy that forwards only that prefix.</summary>
    public static void UnderPathBase(WebApplication app, string pathBase)
    {
        app.UsePathBase(pathBase);
        app.UseRouting();
    }

    /// <summary>
    /// Sends a request written by hand (what HttpClient would not send: two lines of one header, broken framing) on a
    /// connection of its own, and reads the whole answer (the request should say <c>Connection: close</c>).
    /// </summary>
    public async Task<string> SendRawAsync(string request)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(Client.BaseAddress!.Host, Client.BaseAddress.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync().WaitAsync(Probe.Patience);
    }

    /// <summary>Waits until the execution log satisfies <paramref name="condition"/> (bounded by the probe's patience).</summary>
    public async Task<ExecutionRecord> WaitForExecutionAsync(Func<ExecutionRecord, bool> condition)
    {
        var deadline = DateTime.UtcNow + Probe.Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (Executions.Snapshot().FirstOrDefault(condition) is { } record)
            {
                return record;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException("No execution matched; the log has:\n" + string.Join("\n", Executions.Snapshot())
            + "\nand the server logged:\n" + string.Join("\n", Logs.Where(line => !line.Contains("[3006]", StringComparison.Ordinal)).TakeLast(30)));
    }

    /// <summary>Waits until a log line starts with <paramref name="prefix"/> (bounded by the probe's patience).</summary>
    /// <summary>
    /// With replicas, in a loop that moves the clock until something happens: moves the fake clock on by
    /// <paramref name="by"/>, unless that would pass this replica's bound on its lease before a renewal (sent on this
    /// clock, written in real time) has landed: the fence would trip and cut the running handlers, which would run
    /// again (review 38f, 44a F2). The clock then stays, for the renewal to land. Whether it moved.
    /// </summary>
    public bool AdvanceWithinLease(TimeSpan by)
    {
        if (Services.GetRequiredService<LeaseFence>().HeldFor <= by)
        {
            return false;
        }

        FakeTime.Advance(by);
        return true;
    }

    /// <summary>
    /// With replicas: moves the fake clock on by <paramref name="by"/>, to this replica's next lease renewal, and waits
    /// until the renewal has landed (moved on past three quarters of the lease before that, the replica would fence itself).
    /// </summary>
    public async Task AdvanceToRenewalAsync(TimeSpan by)
    {
        FakeTime.Advance(by);
        var fence = Services.GetRequiredService<LeaseFence>();
        var lease = Services.GetRequiredService<IReplicaCoordination>().LeaseDuration;
        await Poll.UntilAsync(() => fence.HeldFor == lease - lease / 4);
    }

    public async Task WaitForLogAsync(string prefix)
    {
        var deadline = DateTime.UtcNow + Probe.Patience;
        while (!Logs.Any(line => line.StartsWith(prefix, StringComparison.Ordinal)))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No log line starts with '{prefix}':\n{string.Join("\n", Logs)}");
            }

            await Task.Delay(10);
        }
    }

    public Task StopAsync()
    {
        _stopped = true;
        return _app.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Probe.Open("slow");
        Probe.Open("stuck");
        Probe.Open("tick");
        if (!_stopped)
        {
            using var timeout = new CancellationTokenSource(Probe.Patience);
            await _app.StopAsync(timeout.Token);
        }

        await _app.DisposeAsync();
    }
}
