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
                Due = clock.GetUtcNow() + dueTime;
            }

            clock.Set(this, armed);
        }
    }

    /// <summary>Called as it fires: a one-shot timer waits no more; a periodic one is due a period later.</summary>
    public void Fired()
    {
        lock (_gate)
        {
            // As FakeTimeProvider (10.11) counts them: in ticks, a period under a millisecond too (review 36c R3: counted
            // in whole milliseconds, such a period was taken for none by one side and not the other).
            if (_period == Timeout.InfiniteTimeSpan || _period == TimeSpan.Zero)
            {
                clock.Set(this, armed: false);
            }
            else if (!_disposed)
            {
                Due += _period;
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
        if (time != Timeout.InfiniteTimeSpan && (time < TimeSpan.Zero || (long)time.TotalMilliseconds > MaxMilliseconds))
        {
            throw new ArgumentOutOfRangeException(name, time, $"A timer's time is Timeout.InfiniteTimeSpan or from zero to {MaxMilliseconds} ms.");
        }
    }
}
