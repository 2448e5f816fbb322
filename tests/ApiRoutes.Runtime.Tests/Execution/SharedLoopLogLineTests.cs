using System.Threading.Channels;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Execution;

/// <summary>
/// Review 46e F2: the capture follows .NET's execution context, as Activity.Current does, so a singleton's loop made during
/// run A writes into A's lines, while A runs, what it does for later requests: A's lines held B's reset link. README says
/// so, and that a loop started without the request's context (ExecutionContext.SuppressFlow) is kept with no run.
/// </summary>
public sealed class SharedLoopLogLineTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_shared_loop_made_during_a_run_writes_into_its_lines_unless_started_without_its_context(bool suppressFlow)
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/welcome", typeof(WelcomesAndWaits)), BackgroundRoute("/api/reset", typeof(SendsResetLink))),
            options: o => o.Background.RetryDelays = [],
            services: s => s.AddSingleton(provider => new SharedMailer(provider.GetRequiredService<ILogger<SharedMailer>>(), provider.GetRequiredService<Probe>(), suppressFlow)));

        var a = (await server.Client.PostAsync("/api/welcome", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.Probe.WaitForSignalAsync("mailed:alice");
        var b = (await server.Client.PostAsync("/api/reset", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.WaitForExecutionAsync(r => r.Id == b && r.Status == ExecutionStatus.Succeeded);
        await server.Probe.WaitForSignalAsync("mailed:bob");
        server.Probe.Open("welcome-done");
        await server.WaitForExecutionAsync(r => r.Id == a && r.Status == ExecutionStatus.Succeeded);

        Assert.Equal(!suppressFlow, server.Executions.LogLinesOf(a).Any(line => line.Contains("reset?token=B-SECRET", StringComparison.Ordinal)));
        Assert.DoesNotContain(server.Executions.LogLinesOf(b), line => line.Contains("reset?token=B-SECRET", StringComparison.Ordinal));
        Assert.Contains(server.Executions.LogLinesOf(b), line => line.Contains("Reset asked for bob", StringComparison.Ordinal));
    }
}

/// <summary>A singleton mail sender with a queue, its loop started at the first mail (as many are).</summary>
public sealed class SharedMailer(ILogger<SharedMailer> logger, Probe probe, bool suppressFlow)
{
    private readonly Channel<(string To, string Text)> _queue = Channel.CreateUnbounded<(string, string)>();
    private Task? _loop;

    public void Send(string to, string text)
    {
        lock (_queue)
        {
            if (_loop is null)
            {
                using var suppressed = suppressFlow ? ExecutionContext.SuppressFlow() : default(AsyncFlowControl?);
                _loop = Task.Run(async () =>
                {
                    await foreach (var (who, what) in _queue.Reader.ReadAllAsync())
                    {
                        logger.LogInformation("Sent to {To}: {Text}", who, what);
                        probe.Signal("mailed:" + who);
                    }
                });
            }
        }

        _queue.Writer.TryWrite((to, text));
    }
}

public sealed class WelcomesAndWaits(Probe probe, SharedMailer mailer, ILogger<WelcomesAndWaits> logger) : IApiHandler
{
    public async Task HandleAsync(HttpContext context)
    {
        logger.LogInformation("Welcoming alice");
        mailer.Send("alice", "welcome");
        await probe.Gate("welcome-done").WaitAsync(Probe.Patience);
    }
}

public sealed class SendsResetLink(SharedMailer mailer, ILogger<SendsResetLink> logger) : IApiHandler
{
    public Task HandleAsync(HttpContext context)
    {
        logger.LogInformation("Reset asked for bob");
        mailer.Send("bob", "https://shop.example/reset?token=B-SECRET");
        return Task.CompletedTask;
    }
}
