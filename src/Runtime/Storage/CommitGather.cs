namespace ApiRoutes.Storage;

/// <summary>
/// Holds the group commit's next batch back for a moment after a commit, so that the requests its 202s just answered can
/// be in it. Under a closed loop of clients (each sends its next request once answered), committing at once whatever
/// was there when a batch was released (the last batch's start and finish writes, a few stragglers) lets the clients
/// just answered arrive during that commit and wait out a whole extra one (bench/load/README.md, "Durable 202, fifth
/// pass"). So after a commit that answered N requests, the next batch waits until it holds as many requests (N arrived
/// since the last batch was taken: during its commit, or after; those clients came back, or as many others), or
/// until <see cref="WindowFraction"/> of that commit's time passed since its release, at most <see cref="MaxWindow"/>;
/// whichever comes first. It never waits once that window has passed (a request after a quiet spell is committed at
/// once), nor after a commit that answered none; a write that arrives after the window ends the wait. Only the clock is
/// a backstop that may end a wait up to a millisecond late (timers count whole milliseconds); a request arriving after
/// the window never waits for it.
/// </summary>
internal sealed class CommitGather : IDisposable
{
    /// <summary>The longest a batch is held back after the last one's release.</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromMilliseconds(1);

    /// <summary>The share of the last commit's time a batch is held back at most.</summary>
    public const double WindowFraction = 0.5;

    private readonly TimeProvider _time;
    private readonly ITimer _backstop;
    private long _arrivals;                  // requests that arrived, ever (any thread)
    private long _target = long.MaxValue;   // the arrivals that end the current wait (MaxValue: none)
    private long _deadline = long.MaxValue; // the timestamp that ends the current wait
    private TaskCompletionSource? _gathered;

    // The commit loop's alone: what the last release expects.
    private long _commitStarted;
    private long _taken;   // the requests taken into batches, ever
    private long _expected;
    private long _releasedAt;
    private long _window;   // timestamp ticks

    public CommitGather(TimeProvider time)
    {
        _time = time;
        _backstop = time.CreateTimer(static state => ((CommitGather)state!).EndWait(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>A write arrived (any thread); <paramref name="answersRequest"/>: a request waits for it to be answered.</summary>
    public void Arrived(bool answersRequest)
    {
        var arrivals = answersRequest ? Interlocked.Increment(ref _arrivals) : Interlocked.Read(ref _arrivals);
        if (Volatile.Read(ref _gathered) is { } gathered
            && (arrivals >= Interlocked.Read(ref _target) || _time.GetTimestamp() >= Interlocked.Read(ref _deadline)))
        {
            gathered.TrySetResult();
        }
    }

    /// <summary>A batch was taken (the commit loop).</summary>
    /// <param name="answering">How many of its writes answer a request.</param>
    public void Taken(int answering) => _taken += answering;

    /// <summary>A commit starts (the commit loop).</summary>
    public void Committing() => _commitStarted = _time.GetTimestamp();

    /// <summary>The batch was committed; its waiters are told next (the commit loop).</summary>
    /// <param name="answered">How many of its writes answer a request.</param>
    public void Released(int answered)
    {
        var now = _time.GetTimestamp();
        _releasedAt = now;
        _window = Math.Min((long)((now - _commitStarted) * WindowFraction), (long)(MaxWindow.TotalSeconds * _time.TimestampFrequency));
        _expected = answered == 0 ? 0 : _taken + answered;
    }

    /// <summary>Completes when the next batch may be taken (the commit loop, once a write is there).</summary>
    public async ValueTask WaitAsync()
    {
        var expected = _expected;
        _expected = 0;   // one wait per release
        var deadline = _releasedAt + _window;
        if (expected == 0 || _time.GetTimestamp() >= deadline)
        {
            return;
        }

        var gathered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _gathered, gathered);
        Interlocked.Exchange(ref _deadline, deadline);
        Interlocked.Exchange(ref _target, expected);   // a full fence: an arrival either sees the target, or is counted below
        var now = _time.GetTimestamp();
        if (Interlocked.Read(ref _arrivals) < expected && now < deadline)
        {
            var remaining = (deadline - now) * 1000.0 / _time.TimestampFrequency;
            _backstop.Change(TimeSpan.FromMilliseconds(Math.Ceiling(remaining)), Timeout.InfiniteTimeSpan);
            await gathered.Task;
            _backstop.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        Interlocked.Exchange(ref _target, long.MaxValue);
        Interlocked.Exchange(ref _deadline, long.MaxValue);
        Volatile.Write(ref _gathered, null);
    }

    /// <summary>Ends the current wait, if any (the writer closes).</summary>
    public void EndWait() => Volatile.Read(ref _gathered)?.TrySetResult();

    public void Dispose() => _backstop.Dispose();
}
