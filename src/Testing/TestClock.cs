using ApiRoutes.Execution;
using Microsoft.Extensions.Time.Testing;

namespace ApiRoutes.Testing;

/// <summary>
/// The app's clock in a test: a <see cref="FakeTimeProvider"/> that also knows every timer armed on it — when each is
/// due, and which execution's handler armed it. That is what lets <see cref="ApiRoutesTestApp"/> move time on only
/// once the app has done all it can at the current instant, and then exactly to the next instant something waits for.
/// </summary>
public sealed class TestClock : FakeTimeProvider
{
    private readonly Lock _gate = new();
    private readonly HashSet<TrackedTimer> _armed = [];

    /// <summary>A clock that starts at <paramref name="start"/> and moves only when told to.</summary>
    public TestClock(DateTimeOffset start)
        : base(start)
    {
    }

    /// <summary>The earliest instant a timer armed on this clock is due, or null when nothing waits on it.</summary>
    public DateTimeOffset? NextDue
    {
        get
        {
            lock (_gate)
            {
                return _armed.Count == 0 ? null : _armed.Min(timer => timer.Due);
            }
        }
    }

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);

        // Armed before the fake timer exists: one due at once fires inside base.CreateTimer, and must be seen to fire.
        var timer = new TrackedTimer(this, ExecutionLogCapture.CurrentExecutionId);
        timer.Arm(dueTime, period);
        timer.Inner = base.CreateTimer(
            callbackState =>
            {
                timer.Fired();
                callback(callbackState);
            },
            state,
            dueTime,
            period);
        return timer;
    }

    /// <summary>Whether the handler of that execution waits on this clock (a delay, a timeout of its own).</summary>
    internal bool IsWaitedOnBy(string executionId)
    {
        lock (_gate)
        {
            return _armed.Any(timer => string.Equals(timer.ExecutionId, executionId, StringComparison.Ordinal));
        }
    }

    internal void Set(TrackedTimer timer, bool armed)
    {
        lock (_gate)
        {
            if (armed)
            {
                _armed.Add(timer);
            }
            else
            {
                _armed.Remove(timer);
            }
        }
    }
}
