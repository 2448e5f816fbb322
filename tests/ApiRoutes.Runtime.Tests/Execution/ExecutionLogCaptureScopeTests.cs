using ApiRoutes.Execution;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Runtime.Tests.Execution;

/// <summary>
/// The execution log capture takes the logging factory's scopes (so the factory calls no scope logger of its own for it
/// at each request's scope): scopes still reach the providers that read them, and the capture still keeps an
/// execution's lines written inside a scope.
/// </summary>
public class ExecutionLogCaptureScopeTests
{
    [Fact]
    public async Task Lines_written_inside_a_scope_are_captured_and_other_providers_still_see_the_scope()
    {
        var capture = new ExecutionLogCapture(TimeProvider.System);
        var scopes = new ScopeReadingProvider();
        using var factory = LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Debug).AddProvider(capture).AddProvider(scopes));
        var logger = factory.CreateLogger("Test");
        var id = Guid.NewGuid().ToString("N");

        // In a flow of its own, as a handler runs: the execution id is an async local.
        await Task.Run(() =>
        {
            ExecutionLogCapture.Enter(id);
            using (logger.BeginScope("request {Id}", 42))
            {
                logger.LogInformation("inside");
            }
        });

        var line = Assert.Single(capture.LinesOf(id));
        Assert.EndsWith("Information Test: inside", line, StringComparison.Ordinal);
        Assert.Equal(["inside in request 42"], scopes.Lines);
    }

    // Reads the factory's scopes, as the console logger does.
    private sealed class ScopeReadingProvider : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider? _scopes;

        public List<string> Lines { get; } = [];

        public ILogger CreateLogger(string categoryName) => new ScopeReadingLogger(this);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class ScopeReadingLogger(ScopeReadingProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => owner._scopes?.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var scopes = new List<string>();
                owner._scopes?.ForEachScope((scope, list) => list.Add(scope?.ToString() ?? ""), scopes);
                lock (owner.Lines)
                {
                    owner.Lines.Add($"{formatter(state, exception)} in {string.Join(", ", scopes)}");
                }
            }
        }
    }
}
