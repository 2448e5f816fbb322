using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Runtime.Tests.Tracing;

/// <summary>
/// A logger provider that reads scopes as the console and JSON loggers do (<see cref="ISupportExternalScope"/>): per
/// line of the category <typeparamref name="T"/>, the scope values, such as the <c>TraceId</c> that
/// <c>ActivityTrackingOptions</c> adds.
/// </summary>
internal sealed class ScopeCapture<T> : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public ConcurrentQueue<IReadOnlyDictionary<string, object?>> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName == typeof(T).FullName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(ScopeCapture<T> owner, bool captured) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => captured;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!captured)
            {
                return;
            }

            var values = new Dictionary<string, object?>(StringComparer.Ordinal);
            owner._scopes.ForEachScope(
                (scope, into) =>
                {
                    if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
                    {
                        foreach (var (key, value) in pairs)
                        {
                            into[key] = value;
                        }
                    }
                },
                values);
            owner.Lines.Enqueue(values);
        }
    }
}
