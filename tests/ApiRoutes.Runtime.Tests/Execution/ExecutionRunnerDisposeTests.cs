using ApiRoutes.Execution;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Execution;

/// <summary>
/// The runner's Dispose cuts what runs (the container may be disposed before the host stops: RecoveryDuringAdmissionTests),
/// which runs the callbacks handlers registered on RequestAborted: a throwing one must not escape the disposal.
/// </summary>
public sealed class ExecutionRunnerDisposeTests
{
    // Review 6, R6-5: the callback's AggregateException escaped Dispose, i.e. the container's disposal.
    [Fact]
    public async Task Disposing_the_runner_does_not_throw_a_handler_s_cancellation_callback()
    {
        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/wait", typeof(ThrowsWhenAborted))));
        using var response = await server.Client.PostAsync("/api/wait", null);
        await server.WaitForExecutionAsync(r => r.Status == ExecutionStatus.Running);
        await server.Probe.WaitForSignalAsync("registered");

        var disposing = Record.Exception(() => server.Services.GetRequiredService<ExecutionRunner>().Dispose());

        Assert.Null(disposing);
        await server.Probe.WaitForSignalAsync("cancelled");   // the cut still reached the handler

        // Logged on the pool thread that ran the handler's callbacks (review 9), once they all ran: maybe after the signal.
        await server.WaitForLogAsync("ApiRoutes[2025] Error: A callback a handler registered on its RequestAborted token threw when it was cancelled");
    }
}
