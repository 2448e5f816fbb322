using System.Net;
using ApiRoutes.Background;
using ApiRoutes.Dashboard;
using ApiRoutes.Hosting;
using ApiRoutes.Manifest;
using ApiRoutes.ManifestLoading;
using ApiRoutes.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ApiRoutes.Testing;

/// <summary>
/// An ApiRoutes app under test, on a <see cref="TestClock"/>: run a background request to its outcome (through its
/// retries), run a scheduled route as of an occurrence, and drive the clock through a day to see which occurrences ran,
/// were skipped or retried — deterministically, without sleeping. Get one from a WebApplicationFactory with
/// <c>factory.WithApiRoutesTesting()</c>, or <see cref="Attach"/> it to an app registered with
/// <c>services.AddApiRoutesTesting()</c>.
/// </summary>
public sealed class ApiRoutesTestApp : IAsyncDisposable
{
    private readonly IAsyncDisposable? _owner;
    private readonly RouteTable _routes;
    private readonly ScheduledRuns _runs;
    private readonly SchedulePauses _pauses;
    private readonly RuntimeEvents _events;
    private readonly ClockDriver _driver;
    private readonly OutcomeReader _outcomes;
    private readonly ApiRoutesTestOptions _options;

    internal ApiRoutesTestApp(IServiceProvider services, HttpClient client, IAsyncDisposable? owner)
    {
        Services = services;
        Client = client;
        _owner = owner;
        Clock = services.GetService<TestClock>()
            ?? throw new ApiRoutesTestException("The app was not registered for testing: call services.AddApiRoutesTesting() (WithApiRoutesTesting() does) before attaching.");
        if (services.GetService<RouteTable>() is null)
        {
            // Review 46g F3: "No service for type 'ApiRoutes.ManifestLoading.RouteTable' has been registered".
            throw new ApiRoutesTestException(
                "The app registers no ApiRoutes services: its Program.cs calls no builder.Services.AddApiRoutes(). Add it, and app.MapApiRoutes() after "
                + "builder.Build() (the entry point the package generates does both).");
        }

        _options = services.GetRequiredService<ApiRoutesTestOptions>();
        _events = services.GetRequiredService<RuntimeEvents>();
        _routes = services.GetRequiredService<RouteTable>();
        _runs = services.GetRequiredService<ScheduledRuns>();
        _pauses = services.GetRequiredService<SchedulePauses>();
        Executions = services.GetRequiredService<ExecutionLog>();
        _outcomes = new OutcomeReader(Executions, _events);
        _driver = new ClockDriver(Clock, _events, Executions, _routes, _runs, services.GetRequiredService<SchedulerSwitch>(), services.GetService<ApiRoutesMapping>(), services.GetRequiredService<RetryService>(),
            services.GetRequiredService<BackgroundQueue>(),
            services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping,
            services.GetRequiredService<IOptions<ApiRoutesOptions>>().Value.Background.MaxConcurrency, _options);
    }

    /// <summary>The app's clock: its <see cref="TimeProvider"/>. Move it with the methods below, which wait for the app.</summary>
    public TestClock Clock { get; }

    /// <summary>A client of the app (in memory, through WebApplicationFactory's test server).</summary>
    public HttpClient Client { get; }

    /// <summary>The app's services.</summary>
    public IServiceProvider Services { get; }

    /// <summary>The app's execution log (read-only).</summary>
    public ExecutionLog Executions { get; }

    /// <summary>An app built in the test with <c>services.AddApiRoutesTesting()</c> and started, reached through <paramref name="client"/>.</summary>
    public static ApiRoutesTestApp Attach(IServiceProvider services, HttpClient client)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(client);
        return new ApiRoutesTestApp(services, client, owner: null);
    }

    /// <summary>
    /// Sends a <c>POST</c> to a background route and waits for the execution's end, moving the clock through its retries
    /// (1 minute, then 2, by default) and its handler's own waits on the clock.
    /// </summary>
    /// <param name="path">The request path and query, such as <c>/api/generate-report?name=weekly</c>.</param>
    /// <param name="content">The body, if any.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public Task<ExecutionOutcome> RunBackgroundAsync(string path, HttpContent? content = null, CancellationToken cancellationToken = default) =>
        RunBackgroundAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = content }, cancellationToken);

    /// <summary>Sends <paramref name="request"/> to a background route and waits for the execution's end (see the other overload).</summary>
    public async Task<ExecutionOutcome> RunBackgroundAsync(HttpRequestMessage request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var target = $"{request.Method} {request.RequestUri}";
        using var response = await Client.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Accepted || !response.Headers.TryGetValues("X-ApiRoutes-Execution-Id", out var ids))
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound && Services.GetService<ApiRoutesMapping>() is { Mapped: false })
            {
                // Review 46g F3: it was asked whether the route is a background route of the app.
                throw new ApiRoutesTestException(
                    $"{target} answered 404 Not Found: the app maps none of its routes, as its Program.cs calls no app.MapApiRoutes(). Call it after "
                    + "builder.Build() (the entry point the package generates does).");
            }

            throw new ApiRoutesTestException(
                $"{target} answered {(int)response.StatusCode} {response.StatusCode}, not 202 Accepted with an execution id: "
                + $"is it a background route of this app? {body}".TrimEnd());
        }

        return await WaitForAsync(ids.First(), cancellationToken);
    }

    /// <summary>Waits for an execution's end (one started by a request, the dashboard or a schedule), moving the clock as it needs.</summary>
    public async Task<ExecutionOutcome> WaitForAsync(string executionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(executionId);
        var route = _outcomes.Record(executionId).Route;
        await _driver.DriveAsync(() => OutcomeReader.IsFinished(_outcomes.Record(executionId).Status), null, $"Execution {executionId} of {route}", cancellationToken);
        return _outcomes.Outcome(executionId);
    }

    /// <summary>
    /// Runs a scheduled route as the scheduler would at <paramref name="occurrence"/> — a <c>POST</c> with
    /// <c>{"next_run": …}</c>, the occurrence after it — now, without moving the clock to it, and waits for its end.
    /// Not claimed, so the same occurrence may be run again; refused while a run of the route still goes.
    /// </summary>
    public async Task<ScheduledRun> RunScheduledAsync(string route, DateTimeOffset occurrence, CancellationToken cancellationToken = default)
    {
        var target = Scheduled(route);
        occurrence = occurrence.ToUniversalTime();
        if (target.NextOccurrence(occurrence.AddTicks(-1)) != occurrence)
        {
            throw new ApiRoutesTestException(
                $"{occurrence:O} is not an occurrence of {route}'s schedule ({target.Entry.Schedule!.Expression}, {target.Schedule!.ZoneName}); "
                + $"the next one after it is {target.NextOccurrence(occurrence):O}.");
        }

        await _driver.SettleAsync(cancellationToken);
        var start = await _runs.TryStartAsync(target, occurrence, manual: true);
        if (start.ExecutionId is not { } id)
        {
            throw new ApiRoutesTestException(start.Refusal ?? $"{route} was not started.");
        }

        await WaitForAsync(id, cancellationToken);
        return _outcomes.Scheduled(id, occurrence, OutcomeReader.ScheduledBody(target, occurrence), target.NextOccurrence(occurrence));
    }

    /// <summary>Moves the clock by <paramref name="duration"/>, letting the app do all it would in that time; returns what happened.</summary>
    public Task<ScheduleTimeline> AdvanceAsync(TimeSpan duration, CancellationToken cancellationToken = default) =>
        AdvanceToAsync(Clock.GetUtcNow() + duration, cancellationToken);

    /// <summary>Moves the clock to <paramref name="until"/>, stopping at each instant something waits for; returns what happened.</summary>
    public async Task<ScheduleTimeline> AdvanceToAsync(DateTimeOffset until, CancellationToken cancellationToken = default)
    {
        var from = Clock.GetUtcNow();
        if (until < from)
        {
            throw new ApiRoutesTestException($"The clock cannot go back: it is at {from:O}, and {until:O} was asked for.");
        }

        var mark = _events.Count;
        await _driver.DriveAsync(null, until, $"Moving the clock to {until:O}", cancellationToken);
        return _outcomes.Timeline(from, Clock.GetUtcNow(), mark, [.. _routes.OfKind(RouteKind.Scheduled).Select(r => r.Template)]);
    }

    /// <summary>Pauses a schedule, as the dashboard's Pause does: its occurrences are skipped (event 3009) until resumed.</summary>
    public Task PauseScheduleAsync(string route) => _pauses.PauseAsync(Scheduled(route).Template);

    /// <summary>Resumes a paused schedule.</summary>
    public Task ResumeScheduleAsync(string route) => _pauses.ResumeAsync(Scheduled(route).Template);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (_owner is not null)
        {
            await _owner.DisposeAsync();
        }
    }

    private LoadedRoute Scheduled(string route) =>
        _routes.OfKind(RouteKind.Scheduled).FirstOrDefault(r => string.Equals(r.Template, route, StringComparison.Ordinal))
        ?? throw new ApiRoutesTestException(
            $"'{route}' is not a scheduled route of this app; its scheduled routes are: "
            + $"{string.Join(", ", _routes.OfKind(RouteKind.Scheduled).Select(r => r.Template).DefaultIfEmpty("none"))}.");
}
