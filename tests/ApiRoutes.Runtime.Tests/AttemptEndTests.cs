using ApiRoutes.Execution;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// An attempt's end is decided, logged and recorded as one step (reviews 9 and 10): the cut at the end of the drain
/// period, which takes every execution still unfinished, cannot come between them. Before, an attempt could be logged
/// succeeded (2003) and then recorded cut (2007) — to run again at the next start, its log saying it had succeeded.
/// </summary>
public sealed class AttemptEndTests
{
    [Fact]
    public async Task A_cut_that_comes_while_a_success_is_logged_waits_and_finds_it_recorded_succeeded()
    {
        TestServer? server = null;
        var cutLanded = false;

        // The cut as the drain makes it (lifecycle.Cut takes the execution's lock), arriving exactly as the success is
        // logged: on another thread, and only if it can take the execution now, so the test never blocks on it.
        var hook = new LogHook(2003, id =>
        {
            var execution = server!.Executions.Held(id)!;
            var lifecycle = server.Services.GetRequiredService<ExecutionLifecycle>();
            // A thread of its own: a task waited for here could run inline, on this thread, which may hold the lock.
            var cut = new Thread(() =>
            {
                if (!Monitor.TryEnter(execution))
                {
                    return;
                }

                try
                {
                    lifecycle.Cut(execution, "running when the drain period ended");
                    cutLanded = true;
                }
                finally
                {
                    Monitor.Exit(execution);
                }
            });
            cut.Start();
            cut.Join();
        });
        server = await TestServer.StartAsync(Create(BackgroundRoute("/api/plain", typeof(Plain))), services: s => s.AddSingleton<ILoggerProvider>(hook));
        await using var _ = server;

        var id = (await server.Client.PostAsync("/api/plain", null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();

        var record = await server.WaitForExecutionAsync(r => r.Id == id && r.Status != ExecutionStatus.Queued && r.Status != ExecutionStatus.Running);
        Assert.True(hook.Fired);
        Assert.False(cutLanded, "The cut took the execution between its success being logged and being recorded.");
        Assert.Equal(ExecutionStatus.Succeeded, record.Status);
        Assert.DoesNotContain(server.Logs, line => line.StartsWith($"ApiRoutes[2007] Error: Execution {id}", StringComparison.Ordinal));
    }

    // Calls back on the thread that logs the event, before the logging call returns.
    private sealed class LogHook(int eventId, Action<string> callback) : ILoggerProvider, ILogger
    {
        public bool Fired { get; private set; }

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId1, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId1.Id == eventId && state is IReadOnlyList<KeyValuePair<string, object?>> values
                && values.FirstOrDefault(pair => pair.Key == "ExecutionId").Value is string id)
            {
                Fired = true;
                callback(id);
            }
        }

        public void Dispose()
        {
        }
    }
}
