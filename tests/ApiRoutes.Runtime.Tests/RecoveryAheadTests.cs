using System.Net;
using ApiRoutes.Execution;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// Work accepted before a restart goes ahead of new work for the queue's room: while start-up recovery has rows that
/// could run and waits for room, a place a worker frees is its, and new requests are the ones told 503 (review 39a F5:
/// recovery looked for room once a second, a new request took a freed place at once, and under sustained load the work
/// of a deploy waited behind everything newer).
/// </summary>
public sealed class RecoveryAheadTests : IDisposable
{
    private readonly string _database = Path.Combine(Directory.CreateTempSubdirectory("apiroutes-recovery-ahead-").FullName, "executions.db");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_database)!, recursive: true);

    [Fact]
    public async Task A_place_freed_while_recovered_work_waits_for_room_goes_to_it_not_to_a_new_request()
    {
        await using (var store = SqliteExecutionStore.Open(_database))
        {
            var request = RequestSnapshot.Synthetic("/api/gated", "{}"u8.ToArray());
            for (var i = 0; i < 4; i++)
            {
                await store.AddAsync(new ExecutionRecord { Id = $"e{i}", Route = "/api/gated", Kind = "background", Status = ExecutionStatus.Queued, AcceptedAt = DateTimeOffset.UnixEpoch.AddSeconds(i) }, request, default);
            }
        }

        // The clock stands still: recovery's page wait never ends, so only a freed place can wake it.
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/gated", typeof(GatedByExecution))),
            options: o =>
            {
                o.Store.Provider = StoreProvider.Sqlite;
                o.Store.Path = _database;
                o.Background.MaxQueueLength = 2;
                o.Background.MaxConcurrency = 1;
            });
        await server.WaitForExecutionAsync(r => r is { Id: "e0", Status: ExecutionStatus.Running });
        await server.WaitForExecutionAsync(r => r is { Id: "e2", Status: ExecutionStatus.Queued });

        // e0 ends; the worker takes e1, and the place it frees is e3's, however soon a new request comes for it: before
        // recovery takes it up, the request is refused as recovery waits for room ("taken up first"); after, as the
        // queue is full again.
        server.Probe.Open("e0");
        await server.WaitForExecutionAsync(r => r is { Id: "e1", Status: ExecutionStatus.Running });
        using (var refused = await server.Client.PostAsync("/api/gated?new=1", null))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        }

        await server.WaitForExecutionAsync(r => r is { Id: "e3", Status: ExecutionStatus.Queued });

        // Once every row is taken up, new requests get the room again.
        foreach (var id in new[] { "e1", "e2", "e3" })
        {
            server.Probe.Open(id);
        }

        await server.WaitForExecutionAsync(r => r is { Id: "e3", Status: ExecutionStatus.Succeeded });
        using var accepted = await server.Client.PostAsync("/api/gated?new=2", null);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        server.Probe.Open("new");
        Assert.Equal(["e0", "e1", "e2", "e3"], server.Probe.All.Select(invocation => invocation.Execution!.ExecutionId).Take(4));
    }

    // Review 39g F2: rows that are retries waiting out their delay need no room to run now; a store holding more of them
    // than the retries' room kept recovery "ahead" for good (a page read whole), and every new request was refused with
    // the workers idle.
    [Fact]
    public async Task Stored_retries_waiting_out_their_delay_do_not_hold_new_requests_back()
    {
        var now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await using (var store = SqliteExecutionStore.Open(_database))
        {
            var request = RequestSnapshot.Synthetic("/api/gated", "{}"u8.ToArray());
            for (var i = 0; i < 8; i++)
            {
                await store.AddAsync(
                    new ExecutionRecord
                    {
                        Id = $"r{i}", Route = "/api/gated", Kind = "background", Status = ExecutionStatus.Queued, Attempt = 2,
                        AcceptedAt = now.AddMinutes(-10).AddSeconds(i), RetryAt = now.AddMinutes(30),
                    },
                    request,
                    default);
            }
        }

        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/gated", typeof(GatedByExecution))),
            now: now,
            options: o =>
            {
                o.Store.Provider = StoreProvider.Sqlite;
                o.Store.Path = _database;
                o.Background.MaxQueueLength = 2;
                o.Background.MaxConcurrency = 1;
                o.Background.RetryDelays = [TimeSpan.FromHours(1), TimeSpan.FromHours(1)];
            });
        var queue = server.Services.GetRequiredService<Background.BackgroundQueue>();
        for (var polls = 0; queue.RetryWaiting < 2 && polls < 1500; polls++)
        {
            await Task.Delay(10);
        }

        using var accepted = await server.Client.PostAsync("/api/gated?new=1", null);
        server.Probe.Open("new");

        Assert.Equal(2, queue.RetryWaiting);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
    }

    /// <summary>Waits for the gate named by its execution's id (e0 to e3; a new request's: "new"), so a test ends each on its own.</summary>
    public sealed class GatedByExecution(Probe probe) : RecordingHandler(probe)
    {
        protected override async Task HandleCoreAsync(HttpContext context)
        {
            var id = context.GetApiRoutesExecution()!.ExecutionId;
            await Probe.Gate(id.Length == 2 ? id : "new").WaitAsync(Probe.Patience);
        }
    }
}
