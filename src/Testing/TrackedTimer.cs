namespace ApiRoutes.Testing;

/// <summary>A timer of the <see cref="TestClock"/>: the fake one, plus when it is due and who armed it.</summary>
internal sealed class TrackedTimer(TestClock clock, string? executionId) : ITimer
{
    // The longest time System.Threading.Timer and FakeTimeProvider take (0xfffffffe ms).
    private const long MaxMilliseconds = 0xfffffffe;

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

    /// <summary>
    /// Refuses the times <see cref="Timer"/> refuses, before the timer is known to be due: the fake timer would throw
    /// only once this one was armed, and an armed timer that never fires would stop the clock.
    /// </summary>
    public static void Validate(TimeSpan dueTime, TimeSpan period)
    {
        ValidateOne(dueTime, nameof(dueTime));
        ValidateOne(period, nameof(period));
    }

    private static void ValidateOne(TimeSpan time, string name)
    {
        var milliseconds = (long)time.TotalMilliseconds;
        if (milliseconds is < -1 or > MaxMilliseconds)
        {
            throw new ArgumentOutOfRangeException(name, time, $"A timer's time is Timeout.InfiniteTimeSpan or from zero to {MaxMilliseconds} ms.");
        }
    }

    // FakeTimeProvider counts a timer's time in whole milliseconds, as System.Threading.Timer does.
    private static TimeSpan WholeMilliseconds(TimeSpan time) => TimeSpan.FromMilliseconds((long)time.TotalMilliseconds);
}
