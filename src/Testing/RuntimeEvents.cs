using Microsoft.Extensions.Logging;

namespace ApiRoutes.Testing;

/// <summary>
/// What the runtime reports through its documented log events (README, "Logs and metrics"), kept with the test clock's
/// time: a schedule waiting for its next occurrence (3006), an occurrence fired (3001) or skipped (3002 overlap, 3009
/// paused, 3010 claimed elsewhere, 3011 not claimed), a schedule ended (3005) or not run (3004), an attempt started
/// (2002), a retry scheduled (2006). Registered as a logger provider with its own Debug filter, so the app's logging
/// configuration cannot hide them.
/// </summary>
internal sealed class RuntimeEvents(TimeProvider clock) : ILoggerProvider
{
    public const string Category = "ApiRoutes";

    private readonly Lock _gate = new();
    private readonly List<RuntimeEvent> _events = [];
    private readonly Dictionary<string, DateTimeOffset?> _waiting = new(StringComparer.Ordinal);
    private bool _schedulerOff;

    /// <summary>Whether the app said its scheduler is off (event 3004).</summary>
    public bool SchedulerOff
    {
        get
        {
            lock (_gate)
            {
                return _schedulerOff;
            }
        }
    }

    /// <summary>
    /// The occurrence a schedule said it waits for last (null once it has ended); false before it said anything. One
    /// that is not after the clock's time means the schedule is at work on that occurrence.
    /// </summary>
    public bool TryGetWaiting(string route, out DateTimeOffset? due)
    {
        lock (_gate)
        {
            return _waiting.TryGetValue(route, out due);
        }
    }

    /// <summary>The events recorded so far, from index <paramref name="from"/> on.</summary>
    public IReadOnlyList<RuntimeEvent> Since(int from)
    {
        lock (_gate)
        {
            return _events.Count <= from ? [] : _events[from..];
        }
    }

    /// <summary>How many events are recorded: a mark to read <see cref="Since"/> from.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _events.Count;
            }
        }
    }

    public ILogger CreateLogger(string categoryName) =>
        string.Equals(categoryName, Category, StringComparison.Ordinal) ? new Recorder(this) : NullLogger.Instance;

    public void Dispose()
    {
    }

    private void Record(int eventId, IReadOnlyList<KeyValuePair<string, object?>> values)
    {
        var recorded = new RuntimeEvent(eventId, clock.GetUtcNow(), values.ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal));
        lock (_gate)
        {
            switch (eventId)
            {
                case 3006:
                    _waiting[recorded.Text("Route")] = recorded.Instant("NextRun");
                    break;
                case 3005:
                    _waiting[recorded.Text("Route")] = null;
                    break;
                case 3004:
                    _schedulerOff = true;
                    break;
            }

            _events.Add(recorded);
        }
    }

    private sealed class Recorder(RuntimeEvents owner) : ILogger
    {
        private static readonly HashSet<int> Kept = [2002, 2006, 3001, 3002, 3004, 3005, 3006, 3009, 3010, 3011];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (Kept.Contains(eventId.Id) && state is IReadOnlyList<KeyValuePair<string, object?>> values)
            {
                owner.Record(eventId.Id, values);
            }
        }
    }

    private sealed class NullLogger : ILogger
    {
        public static readonly NullLogger Instance = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => false;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
        }
    }
}

/// <summary>One recorded runtime event: its id, the test clock's time, and its named values.</summary>
internal sealed record RuntimeEvent(int Id, DateTimeOffset At, IReadOnlyDictionary<string, object?> Values)
{
    public string Text(string name) => Values.GetValueOrDefault(name)?.ToString() ?? string.Empty;

    public DateTimeOffset? Instant(string name) => Values.GetValueOrDefault(name) as DateTimeOffset?;

    public int Number(string name) => Values.GetValueOrDefault(name) is int value ? value : 0;

    public TimeSpan? Span(string name) => Values.GetValueOrDefault(name) as TimeSpan?;
}
