using ApiRoutes.Execution;
using ApiRoutes.ManifestLoading;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Execution;

/// <summary>
/// The log's bounded history (1,000 finished executions): what the store's history, read at start-up, may take of it
/// (review 10: it pushed out this process's own newest ones, which recovery then took up as orphaned).
/// </summary>
public sealed class ExecutionLogHistoryTests
{
    [Fact]
    public async Task The_store_s_history_fills_only_the_room_left_and_leaves_first_oldest_first()
    {
        await using var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/tick", typeof(Tick), "@hourly")),
            options: o => o.Scheduling.Enabled = false);
        var lifecycle = server.Services.GetRequiredService<ExecutionLifecycle>();
        var route = server.Services.GetRequiredService<RouteTable>().Routes.Single();
        var first = Finished(lifecycle, route);

        lifecycle.Remember(EarlierHistory.Of("/api/tick", "scheduled", 1000));   // newest first, as the store reads it

        Assert.NotNull(server.Executions.Find(first));
        Assert.NotNull(server.Executions.Find("old-0000"));    // the newest of the store's
        Assert.NotNull(server.Executions.Find("old-0998"));
        Assert.Null(server.Executions.Find("old-0999"));       // no room for it beside this process's one

        var second = Finished(lifecycle, route);

        Assert.NotNull(server.Executions.Find(second));
        Assert.NotNull(server.Executions.Find(first));
        Assert.Null(server.Executions.Find("old-0998"));       // the oldest of the store's left for it
        Assert.NotNull(server.Executions.Find("old-0997"));
    }

    private static string Finished(ExecutionLifecycle lifecycle, LoadedRoute route)
    {
        var execution = lifecycle.StartOnDemand(route);
        lifecycle.EndOnDemand(execution, ExecutionStatus.Succeeded, null);
        return execution.Id;
    }
}
