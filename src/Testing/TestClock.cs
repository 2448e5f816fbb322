using System.Runtime.ExceptionServices;
using ApiRoutes.Execution;
using Microsoft.Extensions.Time.Testing;

namespace ApiRoutes.Testing;

/// <summary>
/// The app's clock in a test: a <see cref="FakeTimeProvider"/> that also knows every timer armed on it — when each is
/// due, and which execution's handler armed it. That is what lets <see cref="ApiRoutesTestApp"/> move time on only
/// once the app has done all it can at the current instant, and then exactly to the next instant something waits for.
/// </summary>
/// <remarks>
/// Arming a timer and moving the clock happen one at a time, so a timer is known to be due at the instant its fake
/// timer counts from, whichever threads arm and move: <see cref="FakeTimeProvider"/> alone reads the clock a second
/// time as it makes the timer, and a clock moved in between made the timer due later than it was known to be. Timer
/// callbacks run after the clock has moved to their instant, outside that exclusion, on the thread that moved it and
/// before <see cref="Advance(TimeSpan)"/> returns, as a <see cref="FakeTimeProvider"/>'s do. Move it through this
/// type's <see cref="Advance(TimeSpan)"/> and <see cref="SetUtcNow"/>: through a <see cref="FakeTimeProvider"/>
/// reference the base class's methods are called, which do not take part.
/// </remarks>
public sealed class TestClock : FakeTimeProvider
{
    // Callbacks of the timers that fired while this thread armed or moved a clock, to run once it is done.
    [ThreadStatic]
    private static List<(TrackedTimer Timer, TimerCallback Callback, object? State)>? t_fired;

    private readonly Lock _gate = new();
    private readonly Lock _moving = new();
    private readonly HashSet<TrackedTimer> _armed = [];
    private long _firings;
    private volatile TrackedTimer? _callbackRunning;

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

    /// <summary>
    /// Moves the clock on by <paramref name="delta"/>, instant by instant: each timer due on the way fires at its
    /// instant, and one it arms that falls on the way fires too.
    /// </summary>
    public new void Advance(TimeSpan delta) => SetUtcNow(GetUtcNow() + delta);

    /// <summary>Moves the clock on to <paramref name="value"/>, firing each timer due on the way at its instant.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is before the clock's time.</exception>
    public new void SetUtcNow(DateTimeOffset value)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, GetUtcNow());

        // Each step moves to the earliest instant a timer is due and fires it, or reaches value: bounded by the timers
        // due on the way, as FakeTimeProvider's own loop is.
        for (var reached = false; !reached;)
        {
            Exclusively(() =>
            {
                var now = GetUtcNow();
                if (NextDue is not { } next || next > value)
                {
                    base.SetUtcNow(value);
                    reached = true;
                    return;
                }

                var firings = Interlocked.Read(ref _firings);
                base.SetUtcNow(next > now ? next : now);
                if (Interlocked.Read(ref _firings) == firings)
                {
                    throw new InvalidOperationException(
                        $"A timer of the test clock was due at {next:O} and did not fire when the clock was moved there: it was changed "
                        + "other than through the TestClock.");
                }
            });
        }
    }

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        TrackedTimer.Validate(dueTime, period);

        var timer = new TrackedTimer(this, ExecutionLogCapture.CurrentExecutionId);
        Exclusively(() =>
        {
            // Armed before the fake timer exists: one due at once fires inside base.CreateTimer, and must be seen to fire.
            timer.Arm(dueTime, period);
            timer.Inner = base.CreateTimer(_ => Fired(timer, callback, state), state, dueTime, period);
        });
        return timer;
    }

    /// <summary>The execution whose timer's callback runs now (on the thread moving the clock), if any is running and known.</summary>
    internal string? CallbackRunningFor => _callbackRunning?.ExecutionId;

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

    /// <summary>Changes a timer's time the way it is made: not while the clock moves.</summary>
    internal bool Change(TrackedTimer timer, TimeSpan dueTime, TimeSpan period)
    {
        TrackedTimer.Validate(dueTime, period);
        var changed = false;
        Exclusively(() =>
        {
            timer.Arm(dueTime, period);
            changed = timer.Inner?.Change(dueTime, period) ?? false;
        });
        return changed;
    }

    // Runs work that arms a timer or moves the clock while no other thread does, then — the outermost call of this
    // thread — the callbacks of the timers it fired, in the order they fired, each unless disposed since.
    private void Exclusively(Action work)
    {
        if (_moving.IsHeldByCurrentThread)
        {
            work();
            return;
        }

        var outer = t_fired;
        var fired = t_fired = [];
        try
        {
            lock (_moving)
            {
                work();
            }
        }
        finally
        {
            t_fired = outer;
        }

        ExceptionDispatchInfo? first = null;
        foreach (var (timer, callback, state) in fired)
        {
            try
            {
                if (!timer.IsDisposed)
                {
                    _callbackRunning = timer;
                    callback(state);
                }
            }
            catch (Exception exception)
            {
                first ??= ExceptionDispatchInfo.Capture(exception);
            }
            finally
            {
                _callbackRunning = null;
            }
        }

        first?.Throw();
    }

    private void Fired(TrackedTimer timer, TimerCallback callback, object? state)
    {
        timer.Fired();
        Interlocked.Increment(ref _firings);
        if (_moving.IsHeldByCurrentThread && t_fired is { } fired)
        {
            fired.Add((timer, callback, state));
        }
        else
        {
            callback(state);
        }
    }
}
