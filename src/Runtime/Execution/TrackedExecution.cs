using ApiRoutes.ManifestLoading;

namespace ApiRoutes.Execution;

/// <summary>
/// One execution as this process tracks it: its latest record, where it stands, and what it needs to run (its route
/// and request). Made by <see cref="ExecutionLifecycle"/>, the only code that changes it (through
/// <see cref="ExecutionLog"/>, which lists it); the queue, the workers and the retry timers only pass it along. A
/// record read back from the store that nobody here holds (history, another replica's) is one too, without a route.
/// </summary>
internal sealed class TrackedExecution(ExecutionRecord record, ExecutionState state, LoadedRoute? route = null, RequestSnapshot? request = null)
{
    public string Id => Record.Id;

    /// <summary>The latest record; replaced, never changed, so a reader always sees a whole one.</summary>
    public ExecutionRecord Record { get; private set; } = record;

    public ExecutionState State { get; private set; } = state;

    /// <summary>The route it runs; null for a record held by nobody here.</summary>
    public LoadedRoute? Route { get; } = route;

    /// <summary>What each attempt gets; let go once it is final, so history holds no request bodies.</summary>
    public RequestSnapshot? Request { get; private set; } = request;

    /// <summary>
    /// For a scheduled run: what started it (<c>scheduler</c>, <c>catch_up</c>, <c>external</c>, <c>manual</c>), for its
    /// span; not stored (a scheduled run is not repeated).
    /// </summary>
    public string? Trigger { get; init; }

    // Whether its end's write has not landed (under way, or failed): 0 no; 1 yes; 2 yes, and the finished history has
    // let it pass (review 41d F2, 42a F2).
    private int _unwritten;

    private int _handlerRunning;
    private int _endDecided;
    private long _endDecidedAt;   // UTC ticks on the runner's clock
    private long _lateEndFrom;    // UTC ticks; 0: no end of a returned handler's request is overdue
    private Task _end = Task.CompletedTask;

    /// <summary>Whether this process holds it (it came through the lifecycle, not only from the store's history).</summary>
    public bool IsHeld => Route is not null;

    /// <summary>
    /// Whether a handler of its attempts was started and has not returned (also once its attempt ended without it: an
    /// abandoned handler; counted, as a retry may start while an abandoned one still runs). ApiRoutes.Testing's "at
    /// rest" reads it: a run whose handler has returned is about to be let go, whatever timers its handler left armed
    /// (review 36b F5).
    /// </summary>
    public bool HandlerRunning => Volatile.Read(ref _handlerRunning) > 0;

    /// <summary>
    /// Whether its current attempt's end was decided before its handler's (its time limit, the cut, the fence), and the
    /// attempt may still be recorded as running for a moment: ApiRoutes.Testing waits for the record (review 36b F2).
    /// </summary>
    public bool EndDecided => Volatile.Read(ref _endDecided) != 0;

    /// <summary>Whether its end's write has not landed (<see cref="UnwrittenEnds"/>): the log keeps it meanwhile.</summary>
    public bool EndUnwritten => Volatile.Read(ref _unwritten) != 0;

    /// <summary>Marks its end unwritten; false if it was so already.</summary>
    internal bool MarkUnwritten() => Interlocked.CompareExchange(ref _unwritten, 1, 0) == 0;

    /// <summary>
    /// The finished history's bound reached it: true if it may leave the log now; false if its end is unwritten (it
    /// stays, out of the history's order, until <see cref="EndLanded"/>).
    /// </summary>
    internal bool MayLeave() => Interlocked.CompareExchange(ref _unwritten, 2, 1) == 0;

    /// <summary>Marks it out of the history's order (it had left the log before its end was marked).</summary>
    internal void PassedHistory() => Volatile.Write(ref _unwritten, 2);

    /// <summary>Its end landed: true if the finished history had let it pass, so it must join it again.</summary>
    internal bool EndLanded() => Interlocked.Exchange(ref _unwritten, 0) == 2;

    internal void AttemptStarting() => Volatile.Write(ref _endDecided, 0);

    internal void HandlerStarted() => Interlocked.Increment(ref _handlerRunning);

    internal void HandlerReturned() => Interlocked.Decrement(ref _handlerRunning);

    /// <summary>
    /// Since when its handler is abandoned — its attempt's end was decided without it (its time limit, the cut, the
    /// fence) and it has not returned, ignoring its <c>RequestAborted</c> —, or since when the end of a returned
    /// handler's request (its response's callbacks, its scope's disposal) has run past the attempt's time limit (review
    /// 39g F3); or null. Either way it still holds a worker (review 39a F4: health).
    /// </summary>
    public DateTimeOffset? AbandonedSince =>
        EndDecided && (HandlerRunning || !End.IsCompleted) ? new DateTimeOffset(Volatile.Read(ref _endDecidedAt), TimeSpan.Zero)
        : Volatile.Read(ref _lateEndFrom) is var late and not 0 ? new DateTimeOffset(late, TimeSpan.Zero)
        : null;

    /// <summary>
    /// The end of its last attempt once its outcome was recorded: an abandoned handler's return, then its request's end
    /// (its response's callbacks, its scope's disposal: review 39g F3); a retry waits for it, so two attempts of one
    /// execution never overlap here (review 40a F1).
    /// </summary>
    public Task End => Volatile.Read(ref _end);

    /// <summary>Records <paramref name="end"/> as its last attempt's <see cref="End"/>, and returns it.</summary>
    internal Task Ends(Task end)
    {
        Volatile.Write(ref _end, end);
        return end;
    }

    internal void LateEndFrom(DateTimeOffset at) => Volatile.Write(ref _lateEndFrom, at.UtcTicks);

    internal void LateEndOver() => Volatile.Write(ref _lateEndFrom, 0);

    internal void EndDecidedFirst(DateTimeOffset at)
    {
        Volatile.Write(ref _endDecidedAt, at.UtcTicks);
        Volatile.Write(ref _endDecided, 1);
    }

    /// <summary>The one mutator: called by <see cref="ExecutionLog"/> for <see cref="ExecutionLifecycle"/>, under its lock.</summary>
    internal void Set(ExecutionRecord record, ExecutionState state)
    {
        Record = record;
        State = state;
        if (ExecutionTransitions.IsFinal(state))
        {
            Request = null;
        }
    }
}
