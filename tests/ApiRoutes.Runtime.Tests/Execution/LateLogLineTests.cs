using ApiRoutes.Execution;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Execution;

/// <summary>
/// Review 38b F4: the execution's async local flows into the work a handler starts and leaves running (a Task.Run, a
/// singleton's loop made in the run), and every line that work wrote, long after the run ended, was kept with it and
/// shown to whoever viewed that run. A line written after the run ended is counted, not kept.
/// </summary>
public sealed class LateLogLineTests
{
    private const string Late = "… [1 line(s) written after the run ended, by work it started, not kept]";

    [Fact]
    public async Task A_line_written_by_work_the_handler_left_running_after_it_returned_is_not_kept_with_its_execution()
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/leaves", typeof(LeavesWorkBehind))),
            options: o => o.Background.RetryDelays = []);

        var id = (await server.Client.PostAsync("/api/leaves", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Succeeded);
        server.Probe.Open("late");
        await server.Probe.WaitForSignalAsync("late-written");

        var lines = server.Executions.LogLinesOf(id);
        Assert.Equal(2, lines.Count);
        Assert.EndsWith("Information ApiRoutes.Runtime.Tests.Handlers.LeavesWorkBehind: Own line of attempt 1", lines[0], StringComparison.Ordinal);
        Assert.Equal(Late, lines[1]);
    }

    // A retry runs under the same id: attempt 1's late line, written while attempt 2 runs, is not attempt 2's either.
    [Fact]
    public async Task A_line_of_attempt_1s_leftover_work_written_while_attempt_2_runs_is_not_kept_and_attempt_2s_are()
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/leaves", typeof(LeavesWorkBehind))),
            options: o => o.Background.RetryDelays = [TimeSpan.FromSeconds(1)]);

        var id = (await server.Client.PostAsync("/api/leaves?fail=1", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.WaitForExecutionAsync(r => r.Id == id && r is { Status: ExecutionStatus.Queued, Attempt: 2 });
        server.FakeTime.Advance(TimeSpan.FromSeconds(1));
        await server.Probe.NextAsync();   // attempt 1
        await server.Probe.NextAsync();   // attempt 2, waiting for the gate "second"
        server.Probe.Open("late");
        await server.Probe.WaitForSignalAsync("late-written");
        server.Probe.Open("second");
        await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Succeeded);

        var lines = server.Executions.LogLinesOf(id);
        Assert.DoesNotContain(lines, line => line.EndsWith(": late", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.EndsWith(": Own line of attempt 1", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.EndsWith(": Own line of attempt 2", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.EndsWith(": Attempt 2 goes on", StringComparison.Ordinal));
        Assert.Equal(Late, lines[^1]);
    }

    // Review 38g F5: the run ended when its time limit was decided, before the handler learnt of it (its token is
    // cancelled on a pool thread), so the line it writes in answer, the one a developer opens a timed-out run for,
    // was counted as late. It is the run's while the handler answers, within TimeSpan.FromSeconds(5).
    [Fact]
    public async Task The_line_a_handler_writes_in_answer_to_its_time_limit_is_kept_with_its_execution()
    {
        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/stops", typeof(LogsWhereItStopped), timeLimitSeconds: 60)));

        var id = (await server.Client.PostAsync("/api/stops", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.Probe.NextAsync();
        server.FakeTime.Advance(TimeSpan.FromSeconds(60));
        await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.TimedOut);
        server.Probe.Open("answer");
        await server.Probe.WaitForSignalAsync("answered");

        var lines = server.Executions.LogLinesOf(id);
        Assert.Contains(lines, line => line.EndsWith("Warning ApiRoutes.Runtime.Tests.Handlers.LogsWhereItStopped: Stopped at step 3 of 5", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.StartsWith("… [", StringComparison.Ordinal));
    }

    // An abandoned handler is the run's only for that grace: what it writes later (it ignored its token and went on)
    // is counted, as review 38b F4's leftover work is.
    [Fact]
    public async Task A_line_an_abandoned_handler_writes_after_the_grace_past_its_time_limit_is_not_kept()
    {
        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/stops", typeof(LogsWhereItStopped), timeLimitSeconds: 60)));

        var id = (await server.Client.PostAsync("/api/stops", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.Probe.NextAsync();
        server.FakeTime.Advance(TimeSpan.FromSeconds(60));
        await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.TimedOut);
        server.FakeTime.Advance(ExecutionRunner.AnswerGrace);
        server.Probe.Open("answer");
        await server.Probe.WaitForSignalAsync("answered");

        var lines = server.Executions.LogLinesOf(id);
        Assert.DoesNotContain(lines, line => line.Contains("Stopped at step 3", StringComparison.Ordinal));
        Assert.Equal(Late, lines[^1]);
    }
}
