using System.Net;
using System.Reflection;
using ApiRoutes.Execution;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Execution;

/// <summary>
/// A change of state whose write the store completed at once (the in-memory store) costs nothing beyond the store's own
/// allocations: review 42c F1 found the closures for a write under way made at every change (48 bytes each).
/// </summary>
public sealed class WriteAllocationTests
{
    [Fact]
    public async Task A_change_written_at_once_allocates_nothing_more_than_the_store_does()
    {
        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/hello", typeof(Hello))));
        string id;
        using (var accepted = await server.Client.PostAsync("/api/hello", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            id = accepted.Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        }

        await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Succeeded);
        var lifecycle = server.Services.GetRequiredService<ExecutionLifecycle>();
        var store = server.Services.GetRequiredService<IExecutionStore>();
        var execution = server.Executions.Held(id)!;
        var write = typeof(ExecutionLifecycle).GetMethod("Write", BindingFlags.NonPublic | BindingFlags.Instance)!
            .CreateDelegate<Func<TrackedExecution, ExecutionRecord, Task>>(lifecycle);
        var record = execution.Record;
        const int Writes = 10_000;
        for (var i = 0; i < 100; i++)
        {
            Assert.True(write(execution, record).IsCompletedSuccessfully);
            _ = store.UpdateAsync(record, default);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Writes; i++)
        {
            _ = store.UpdateAsync(record, default);
        }

        var direct = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Writes; i++)
        {
            _ = write(execution, record);
        }

        var through = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(through - direct < Writes * 8, $"a change written at once: the store {direct / (double)Writes:F1} B, through the lifecycle {through / (double)Writes:F1} B");
    }
}
