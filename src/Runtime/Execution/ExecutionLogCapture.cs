using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Execution;

/// <summary>
/// Keeps the log lines written while an execution runs — the handler's own and the runtime's — so that "what did
/// this run log" can be answered after the fact (the development dashboard shows them). A line belongs to an
/// execution when it is written while that execution runs (an async-local <see cref="HandlerRun"/>, which flows with the
/// handler's async calls; a line written elsewhere costs one null check). Bounded in count and in bytes: the most recent
/// executions; of each, the first lines up to a total size, each line cut at a length, with the cut marked.
/// </summary>
/// <remarks>
/// Scopes are not captured. The provider still says it takes the factory's scopes (<see cref="ISupportExternalScope"/>),
/// so that the logging factory gives it no scope logger of its own: else every <c>BeginScope</c> (ASP.NET Core opens one
/// per request) would also call this provider's, to get nothing.
/// The async local also flows into what the handler starts and leaves running (a <c>Task.Run</c>, a timer, a singleton's
/// loop made on its first use inside the run): a line written there after the run ended is not kept, only counted
/// (review 38b F4: a mail singleton made in one customer's run filed every later customer's reset link under it). The
/// run is one attempt, not the execution id: a late line of attempt 1 written while attempt 2 runs is not attempt 2's.
/// </remarks>
internal sealed class ExecutionLogCapture(TimeProvider time) : ILoggerProvider, ISupportExternalScope
{
    private static readonly AsyncLocal<HandlerRun?> Current = new();

    public const int MaxExecutions = 1000;
    public const int MaxLinesPerExecution = 200;
    public const int MaxLineCharacters = 8 * 1024;
    public const int MaxCharactersPerExecution = 32 * 1024;

    private readonly ConcurrentDictionary<string, CapturedLines> _lines = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();

    public IReadOnlyList<string> LinesOf(string executionId) =>
        _lines.TryGetValue(executionId, out var lines) ? lines.Snapshot() : [];

    /// <summary>Marks the current async flow (a handler about to run) as belonging to a new run of an execution.</summary>
    public static HandlerRun Enter(string executionId)
    {
        var run = new HandlerRun(executionId);
        run.Enter();
        return run;
    }

    /// <summary>
    /// The execution whose handler runs in the current async flow, or ran in the flow that started it, if any
    /// (ApiRoutes.Testing: whose timer is this).
    /// </summary>
    public static string? CurrentExecutionId => Current.Value?.ExecutionId;

    public ILogger CreateLogger(string categoryName) => new CaptureLogger(this, categoryName);

    public void Dispose()
    {
    }

    public void SetScopeProvider(IExternalScopeProvider scopeProvider)
    {
    }

    private void Write(HandlerRun run, string category, LogLevel level, string message, Exception? exception)
    {
        var lines = _lines.GetOrAdd(run.ExecutionId, id =>
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

    // Counted on the execution's lines when it has any: one whose lines were evicted is not made again for them.
    private void WrittenAfter(HandlerRun run)
    {
        if (_lines.TryGetValue(run.ExecutionId, out var lines))
        {
            lines.WrittenAfterTheRun();
        }
    }

    /// <summary>
    /// One run of an execution's handler (an attempt, or a scheduled route's run by hand): what its async flow logs is
    /// the execution's until it ends, when the handler returned or the attempt's outcome was decided without it (its
    /// time limit, the fence, the cut).
    /// </summary>
    internal sealed class HandlerRun(string executionId)
    {
        private volatile bool _ended;

        public string ExecutionId { get; } = executionId;

        public bool Ended => _ended;

        /// <summary>Marks the current async flow (the handler's, about to run) as this run's.</summary>
        public void Enter() => Current.Value = this;

        /// <summary>What the flows this run started write from now on is not kept.</summary>
        public void End() => _ended = true;
    }

    // One execution's lines: the first ones up to the limits; what is left out is counted and said in a last line, as
    // are the lines written after a run of it ended.
    private sealed class CapturedLines
    {
        private readonly Lock _gate = new();
        private readonly List<string> _kept = [];
        private int _characters;
        private int _dropped;
        private int _late;

        public void WrittenAfterTheRun()
        {
            lock (_gate)
            {
                _late++;
            }
        }

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
                if (_dropped == 0 && _late == 0)
                {
                    return [.. _kept];
                }

                var lines = new List<string>(_kept.Count + 2);
                lines.AddRange(_kept);
                if (_dropped > 0)
                {
                    lines.Add($"… [{_dropped} more line(s) not kept: at most {MaxLinesPerExecution} lines and {MaxCharactersPerExecution} characters an execution]");
                }

                if (_late > 0)
                {
                    lines.Add($"… [{_late} line(s) written after the run ended, by work it started, not kept]");
                }

                return lines;
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
            if (logLevel == LogLevel.None || Current.Value is not { } run)
            {
                return;
            }

            // Not formatted: only counted.
            if (run.Ended)
            {
                owner.WrittenAfter(run);
                return;
            }

            owner.Write(run, category, logLevel, formatter(state, exception), exception);
        }
    }
}
