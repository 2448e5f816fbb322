using ApiRoutes.Execution;
using ApiRoutes.ManifestLoading;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Execution;

/// <summary>
/// Review 46g F5: with a durable store, a scheduled run cut by a stop while it ran was logged "it runs again at the next
/// start", and the next start recorded it failed (scheduled runs are never repeated). A queued one does run then.
/// </summary>
public sealed class ShutdownCutScheduledTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Occurrence = new(2026, 1, 1, 1, 0, 0, TimeSpan.Zero);
    private readonly string _folder = Directory.CreateTempSubdirectory("apiroutes-cut-").FullName;
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(
        Create(ScheduledRoute("/api/tick", typeof(Tick), "@hourly")),
        options: o =>
        {
            o.Scheduling.Enabled = false;
            o.Store.Provider = StoreProvider.Sqlite;
            o.Store.Path = Path.Combine(_folder, "store.db");
        });

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private ExecutionLifecycle Lifecycle => _server.Services.GetRequiredService<ExecutionLifecycle>();

    private LoadedRoute Route => _server.Services.GetRequiredService<RouteTable>().Routes.Single();

    [Fact]
    public async Task A_scheduled_run_cut_while_it_ran_is_not_said_to_run_again_and_a_queued_one_is()
    {
        var running = Lifecycle.AcceptScheduled(Route, Lifecycle.ScheduledRecord(Route, "s1", Occurrence, TraceContext.None), missed: false, "scheduler");
        Assert.True(await Lifecycle.TryStartAsync(running));
        var queued = Lifecycle.AcceptScheduled(Route, Lifecycle.ScheduledRecord(Route, "s2", Occurrence.AddHours(1), TraceContext.None), missed: false, "scheduler");

        Lifecycle.Cut(running, "still running when the drain period ended");
        Lifecycle.Cut(queued, "queued when the drain period ended; it never ran");

        Assert.Contains(
            "ApiRoutes[2007] Error: Execution s1 of /api/tick was cut by shutdown: still running when the drain period ended; as a scheduled run that started, it is not run again: the next start records it failed",
            _server.Logs);
        Assert.Contains(
            "ApiRoutes[2007] Error: Execution s2 of /api/tick was cut by shutdown: queued when the drain period ended; it never ran; it runs again at the next start, or on another replica",
            _server.Logs);
    }

    // Review 46g F5's second half: the shutdown's count (2011) put the scheduled run cut while it ran among the executions
    // that "stay in the store and run at the next start". It is counted apart (2053); one whose handler returned, its work
    // done, within the grace is recorded succeeded and in neither count.
    [Theory]
    [InlineData(false, 1, "ApiRoutes[2053] Warning: Shutting down: 1 scheduled run(s) cut while they ran stay in the store but are not run again (a scheduled run never repeats): the next start, or another replica, records them failed, and their schedules go on at their next occurrences")]
    [InlineData(true, 1, null)]
    public async Task The_shutdowns_count_of_what_runs_again_leaves_out_a_scheduled_run_cut_while_it_ran(bool returnedInGrace, int runAgain, string? notRunAgain)
    {
        var running = Lifecycle.AcceptScheduled(Route, Lifecycle.ScheduledRecord(Route, "s1", Occurrence, TraceContext.None), missed: false, "scheduler");
        Assert.True(await Lifecycle.TryStartAsync(running));
        var queued = Lifecycle.AcceptScheduled(Route, Lifecycle.ScheduledRecord(Route, "s2", Occurrence.AddHours(1), TraceContext.None), missed: false, "scheduler");
        Lifecycle.Cut(running, "still running when the drain period ended");
        Lifecycle.Cut(queued, "queued when the drain period ended; it never ran");
        if (returnedInGrace)
        {
            Lifecycle.ReturnedAfterCut(running, succeeded: true);
        }

        Lifecycle.CutUnfinished();

        Assert.Contains(
            $"ApiRoutes[2011] Information: Shutting down: {runAgain} unfinished execution(s) stay in the store and run at the next start, or on another replica",
            _server.Logs);
        string[] expected = notRunAgain is null ? [] : [notRunAgain];
        Assert.Equal(expected, _server.Logs.Where(line => line.StartsWith("ApiRoutes[2053]", StringComparison.Ordinal)));
    }
}
