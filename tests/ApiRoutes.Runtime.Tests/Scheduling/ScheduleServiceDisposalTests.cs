using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Scheduling;

/// <summary>
/// A failed start (another hosted service threw) disposes the scheduler without stopping it. Its base's Dispose cancelled
/// the stopping token before the host's Task.Run had begun ExecuteAsync, the task ended cancelled, and the host logged it
/// as a background service failing and stopping the host (events 9 and 10, Critical) after the real error (ci95).
/// </summary>
public sealed class ScheduleServiceDisposalTests
{
    [Fact]
    public async Task A_scheduler_disposed_as_soon_as_it_started_ends_without_a_fault()
    {
        await using var server = await TestServer.StartAsync(Create(ScheduledRoute("/api/tick", typeof(Hello), "* * * * *")));

        // Each a scheduler of its own over the app's services, disposed right after its start, as a failed start does.
        for (var i = 0; i < 20; i++)
        {
            var scheduler = ActivatorUtilities.CreateInstance<ScheduleService>(server.Services);
            await scheduler.StartAsync(CancellationToken.None);
            scheduler.Dispose();

            var ended = scheduler.ExecuteTask!;
            await Task.WhenAny(ended).WaitAsync(Probe.Patience);
            Assert.Equal(TaskStatus.RanToCompletion, ended.Status);
        }
    }

    // Review 40c R3: the same through the start's token, cancelled while the start goes on (a stop asked for, the start-up
    // timeout): the task ended cancelled before ExecuteAsync began.
    [Fact]
    public async Task A_scheduler_whose_start_is_cancelled_ends_without_a_fault()
    {
        await using var server = await TestServer.StartAsync(Create(ScheduledRoute("/api/tick", typeof(Hello), "* * * * *")));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var scheduler = ActivatorUtilities.CreateInstance<ScheduleService>(server.Services);
        await scheduler.StartAsync(cancelled.Token);
        var cancelledAtStart = scheduler.ExecuteTask!.IsCanceled;
        scheduler.Dispose();   // as the failed start's disposal does
        await Task.WhenAny(scheduler.ExecuteTask).WaitAsync(Probe.Patience);

        Assert.False(cancelledAtStart);
        Assert.Equal(TaskStatus.RanToCompletion, scheduler.ExecuteTask.Status);
    }
}
