using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Runtime.Tests.Infrastructure;

/// <summary>Collects log lines as "Category[EventId] Level: message" so tests can assert on event ids.</summary>
internal sealed class ListLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new ListLogger(categoryName, lines);

    public void Dispose()
    {
    }

    private sealed class ListLogger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{category}[{eventId.Id}] {logLevel}: {formatter(state, exception)}");
    }
}
