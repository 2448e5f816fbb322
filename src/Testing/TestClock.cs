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
    // Callbacks of the timers that fired while this thread armed or moved a clock, to run once it is done; and the list
    // this thread is running callbacks from, to which a timer armed or moved in one of them adds its own.
    [ThreadStatic]
    private static List<Fire>? t_fired;

    [ThreadStatic]
    private static List<Fire>? t_draining;

    private readonly Lock _gate = new();
    private readonly Lock _moving = new();
    private readonly HashSet<TrackedTimer> _armed = [];
    // The runtime's callbacks held back at an instant where runs' timers fired too (AdvanceRunsFirst), until ReleaseHeld.
    private readonly List<Fire> _held = [];
    private long _firings;
    private volatile TrackedTimer? _callbackRunning;
    private bool _holding;   // changed only under _moving, by a move of AdvanceRunsFirst

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
    public new void Advance(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        MoveTo(now => now + delta, runsFirst: false);
    }

    /// <summary>
    /// Moves as <see cref="Advance(TimeSpan)"/> does, except at the instant it reaches when timers of runs' handlers and
    /// of the runtime are due there together: only the handlers' callbacks run, and the runtime's (a schedule's next
    /// occurrence, a retry, a time limit) are held until <see cref="ReleaseHeld"/>, so that a run ending at that instant
    /// can be seen to end before the runtime acts on it (note 36's leftover, review 36b F4).
    /// </summary>
    internal void AdvanceRunsFirst(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        MoveTo(now => now + delta, runsFirst: true);
    }

    /// <summary>Whether callbacks of the runtime's timers are held (<see cref="AdvanceRunsFirst"/>).</summary>
    internal bool HoldsCallbacks
    {
        get
        {
            lock (_gate)
            {
                return _held.Count > 0;
            }
        }
    }

    /// <summary>Runs the callbacks held by <see cref="AdvanceRunsFirst"/>, in the order their timers fired.</summary>
    internal void ReleaseHeld() => Exclusively(() =>
    {
        lock (_gate)
        {
            t_fired!.AddRange(_held);
            _held.Clear();
        }
    });

    /// <summary>Moves the clock on to <paramref name="value"/>, firing each timer due on the way at its instant.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is before the clock's time.</exception>
    public new void SetUtcNow(DateTimeOffset value) => MoveTo(
        now =>
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, now);
            return value;
        },
        runsFirst: false);

    // The target is taken from the clock as the first step finds it (review 36c R4: read before, another thread's move
    // in between was lost, or made this one go back). Each step moves to the earliest instant a timer is due and fires
    // it, or reaches the target: bounded by the timers due on the way, as FakeTimeProvider's own loop is. A step that
    // finds the clock already past the target (moved meanwhile by another thread) stops there. Callbacks held at an
    // instant before (a drive that ended there) run first: that instant is over. With runsFirst, the runtime's callbacks
    // are held at the target instant when runs' timers are due there too.
    private void MoveTo(Func<DateTimeOffset, DateTimeOffset> target, bool runsFirst)
    {
        if (HoldsCallbacks)
        {
            ReleaseHeld();
        }

        DateTimeOffset? value = null;
        for (var reached = false; !reached;)
        {
            Exclusively(() =>
            {
                var now = GetUtcNow();
                var to = value ??= target(now);
                if (NextDue is not { } next || next > to)
                {
                    if (to > now)
                    {
                        base.SetUtcNow(to);
                    }

                    reached = true;
                    return;
                }

                var firings = Interlocked.Read(ref _firings);
                _holding = runsFirst && next == to && RunsAndRuntimeDueAt(next);
                try
                {
                    base.SetUtcNow(next > now ? next : now);
                }
                finally
                {
                    _holding = false;
                }

                if (Interlocked.Read(ref _firings) == firings)
                {
                    throw new InvalidOperationException(
                        $"A timer of the test clock was due at {next:O} and did not fire when the clock was moved there: it was changed "
                        + "other than through the TestClock.");
                }
            });
        }
    }

    // Whether timers of runs' handlers and of the runtime are both due at the instant.
    private bool RunsAndRuntimeDueAt(DateTimeOffset instant)
    {
        lock (_gate)
        {
            var due = _armed.Where(timer => timer.Due <= instant).ToList();
            return due.Any(timer => timer.ExecutionId is not null) && due.Any(timer => timer.ExecutionId is null);
        }
    }

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        TrackedTimer.Validate(dueTime, period);

        var timer = new TrackedTimer(this, ExecutionLogCapture.CurrentExecutionId);

        // Review 36c R6: as System.Threading.Timer does, the callback runs in the execution context the timer was made in
        // (FakeTimeProvider runs it in the mover's): a timer a handler's timer callback arms is that handler's wait, and
        // what it logs is the run's.
        var context = ExecutionContext.Capture();
        Exclusively(() =>
        {
            // Armed before the fake timer exists: one due at once fires inside base.CreateTimer, and must be seen to fire.
            timer.Arm(dueTime, period);
            timer.Inner = base.CreateTimer(_ => Fired(new Fire(timer, callback, state, context)), state, dueTime, period);
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
    // thread — the callbacks of the timers it fired, in the order they fired, each unless disposed since. Work done in
    // one of those callbacks adds the callbacks it fires to the same list, run after it (review 36c R2: each ran inside
    // the one before, and a timer re-armed at once from its own callback 100,000 times overflowed the stack).
    private void Exclusively(Action work)
    {
        if (_moving.IsHeldByCurrentThread)
        {
            work();
            return;
        }

        var outer = t_fired;
        var draining = t_draining;
        var fired = t_fired = draining ?? [];
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

        if (draining is not null)
        {
            return;
        }

        ExceptionDispatchInfo? first = null;
        t_draining = fired;
        try
        {
            for (var i = 0; i < fired.Count; i++)
            {
                var fire = fired[i];
                try
                {
                    if (!fire.Timer.IsDisposed)
                    {
                        _callbackRunning = fire.Timer;
                        fire.Run();
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
        }
        finally
        {
            t_draining = null;
        }

        first?.Throw();
    }

    private void Fired(Fire fire)
    {
        fire.Timer.Fired();
        Interlocked.Increment(ref _firings);
        if (_holding && _moving.IsHeldByCurrentThread && fire.Timer.ExecutionId is null)
        {
            lock (_gate)
            {
                _held.Add(fire);
            }
        }
        else if (_moving.IsHeldByCurrentThread && t_fired is { } fired)
        {
            fired.Add(fire);
        }
        else
        {
            fire.Run();
        }
    }

    // A fired timer's callback, with what it needs to run as it was armed.
    private sealed record Fire(TrackedTimer Timer, TimerCallback Callback, object? State, ExecutionContext? Context)
    {
        public void Run()
        {
            if (Context is null)
            {
                Callback(State);
            }
            else
            {
                ExecutionContext.Run(Context, static fire => ((Fire)fire!).Callback(((Fire)fire!).State), this);
            }
        }
    }
}
