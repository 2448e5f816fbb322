namespace ApiRoutes.Testing;

/// <summary>A timer of the <see cref="TestClock"/>: the fake one, plus when it is due and who armed it.</summary>
internal sealed class TrackedTimer(TestClock clock, string? executionId) : ITimer
{
    private readonly Lock _gate = new();
    private TimeSpan _period = Timeout.InfiniteTimeSpan;
    private bool _disposed;

    /// <summary>The execution whose handler armed it; null for the runtime's own timers (schedules, retries, limits).</summary>
    public string? ExecutionId { get; } = executionId;

    public DateTimeOffset Due { get; private set; }

    public bool IsDisposed
    {
        get
        {
            lock (_gate)
            {
                return _disposed;
            }
        }
    }

    public ITimer? Inner { get; set; }

    public void Arm(TimeSpan dueTime, TimeSpan period)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _period = period;
            var armed = dueTime != Timeout.InfiniteTimeSpan;
            if (armed)
            {
                Due = clock.GetUtcNow() + WholeMilliseconds(dueTime);
            }

            clock.Set(this, armed);
        }
    }

    /// <summary>Called as it fires: a one-shot timer waits no more; a periodic one is due a period later.</summary>
    public void Fired()
    {
        lock (_gate)
        {
            if (_period == Timeout.InfiniteTimeSpan || _period == TimeSpan.Zero)
            {
                clock.Set(this, armed: false);
            }
            else if (!_disposed)
            {
                Due += WholeMilliseconds(_period);
            }
        }
    }

    public bool Change(TimeSpan dueTime, TimeSpan period) => clock.Change(this, dueTime, period);

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            clock.Set(this, armed: false);
        }

        Inner?.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    // FakeTimeProvider counts a timer's time in whole milliseconds, as System.Threading.Timer does.
    private static TimeSpan WholeMilliseconds(TimeSpan time) => TimeSpan.FromMilliseconds((long)time.TotalMilliseconds);
}
