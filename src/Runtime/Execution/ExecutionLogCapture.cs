using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Execution;

/// <summary>
/// Keeps the log lines written while an execution runs — the handler's own and the runtime's — so that "what did
/// this run log" can be answered after the fact (the development dashboard shows them). A line belongs to an
/// execution when it is written while that execution runs (an async-local id, which flows with the handler's async
/// calls; a line written elsewhere costs one null check). Bounded in count and in bytes: the most recent executions;
/// of each, the first lines up to a total size, each line cut at a length, with the cut marked.
/// </summary>
/// <remarks>
/// Scopes are not captured. The provider still says it takes the factory's scopes (<see cref="ISupportExternalScope"/>),
/// so that the logging factory gives it no scope logger of its own: else every <c>BeginScope</c> (ASP.NET Core opens one
/// per request) would also call this provider's, to get nothing.
/// </remarks>
internal sealed class ExecutionLogCapture(TimeProvider time) : ILoggerProvider, ISupportExternalScope
{
    private static readonly AsyncLocal<string?> Current = new();

    public const int MaxExecutions = 1000;
    public const int MaxLinesPerExecution = 200;
    public const int MaxLineCharacters = 8 * 1024;
    public const int MaxCharactersPerExecution = 32 * 1024;

    private readonly ConcurrentDictionary<string, CapturedLines> _lines = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();

    public IReadOnlyList<string> LinesOf(string executionId) =>
        _lines.TryGetValue(executionId, out var lines) ? lines.Snapshot() : [];

    /// <summary>Marks the current async flow (a handler about to run) as belonging to an execution.</summary>
    public static void Enter(string executionId) => Current.Value = executionId;

    /// <summary>The execution whose handler runs in the current async flow, if any (ApiRoutes.Testing: whose timer is this).</summary>
    public static string? CurrentExecutionId => Current.Value;

    public ILogger CreateLogger(string categoryName) => new CaptureLogger(this, categoryName);

    public void Dispose()
    {
    }

    public void SetScopeProvider(IExternalScopeProvider scopeProvider)
    {
    }

    private void Write(string category, LogLevel level, string message, Exception? exception)
    {
        if (Current.Value is not { } executionId)
        {
            return;
        }

        var lines = _lines.GetOrAdd(executionId, id =>
        {
            _order.Enqueue(id);
            while (_order.Count > MaxExecutions && _order.TryDequeue(out var oldest))
            {
                _lines.TryRemove(oldest, out _);
            }

            return new CapturedLines();
        });
        var at = time.GetUtcNow().UtcDateTime.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
        lines.Add(exception is null ? $"{at} {level} {category}: {message}" : $"{at} {level} {category}: {message}\n{exception}");
    }

    // One execution's lines: the first ones up to the limits; what is left out is counted and said in a last line.
    private sealed class CapturedLines
    {
        private readonly Lock _gate = new();
        private readonly List<string> _kept = [];
        private int _characters;
        private int _dropped;

        public void Add(string line)
        {
            if (line.Length > MaxLineCharacters)
            {
                line = string.Concat(line.AsSpan(0, MaxLineCharacters), $"… [cut: {line.Length - MaxLineCharacters} more characters]");
            }

            lock (_gate)
            {
                if (_kept.Count >= MaxLinesPerExecution || _characters + line.Length > MaxCharactersPerExecution)
                {
                    _dropped++;
                    return;
                }

                _kept.Add(line);
                _characters += line.Length;
            }
        }

        public IReadOnlyList<string> Snapshot()
        {
            lock (_gate)
            {
                return _dropped == 0 ? [.. _kept] : [.. _kept, $"… [{_dropped} more line(s) not kept: at most {MaxLinesPerExecution} lines and {MaxCharactersPerExecution} characters an execution]"];
            }
        }
    }

    private sealed class CaptureLogger(ExecutionLogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && Current.Value is not null;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Write(category, logLevel, formatter(state, exception), exception);
            }
        }
    }
}
