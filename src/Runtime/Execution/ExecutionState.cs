namespace ApiRoutes.Execution;

/// <summary>
/// Where an execution stands in its life in this process: finer than <see cref="ExecutionStatus"/>, which is what is
/// recorded (accepted, queued and retry-waiting are all <c>Queued</c> there; a cut run is <c>Failed</c>, or stays
/// unfinished in a durable store).
/// </summary>
internal enum ExecutionState
{
    /// <summary>Stored (a background request) or claimed (a schedule occurrence), not yet queued.</summary>
    Accepted,

    /// <summary>Waiting for a worker (or, for a scheduled run, about to start).</summary>
    Queued,

    /// <summary>An attempt runs.</summary>
    Running,

    /// <summary>An attempt failed; the next waits out its delay.</summary>
    RetryWaiting,

    /// <summary>The handler returned.</summary>
    Succeeded,

    /// <summary>
    /// The last attempt threw, or it could not run (a poison row, a route gone, shut down as accepted, a scheduled run
    /// whose start could not be recorded, or whose replica could not renew its lease while it ran).
    /// </summary>
    Failed,

    /// <summary>The time limit was reached.</summary>
    TimedOut,

    /// <summary>Shutdown ended it before it finished: with a durable store it runs again at the next start.</summary>
    Cut,

    /// <summary>Another replica took it over: it is no longer this process's.</summary>
    Released,
}

/// <summary>
/// The steps of an execution's life, and nothing else: <see cref="ExecutionLifecycle"/> checks every change against
/// this table, and a change it does not list is a bug that is logged and ignored, so a recorded state stays true.
/// </summary>
internal static class ExecutionTransitions
{
    //  from            to
    //  Accepted     -> Queued (background, scheduled), Running (on demand), Failed (not run: shut down as accepted
    //                  without a durable store, a poison row, its route gone, its last attempt interrupted), RetryWaiting
    //                  (a retry read back from the store whose delay is not over), Cut (stored as shutdown closed the
    //                  queue: left in a durable store for the next start)
    //  Queued       -> Running, Cut, Released (taken over by another replica before it started), Failed (a scheduled
    //                  run whose start could not be recorded with replicas: not run, and not repeated; or an internal
    //                  error before it started: a worker's own failure, a bug)
    //  Running      -> Succeeded, Failed, TimedOut, RetryWaiting, Cut
    //  RetryWaiting -> Queued, Cut
    //  Cut          -> Succeeded (a running handler that ignored the cut returned, its work done, before the process ended)
    //  Succeeded, Failed, TimedOut, Released: final in this process; Cut is final too, but for that one late return.
    private static readonly ExecutionState[][] Allowed =
    [
        /* Accepted */ [ExecutionState.Queued, ExecutionState.Running, ExecutionState.Failed, ExecutionState.RetryWaiting, ExecutionState.Cut],
        /* Queued */ [ExecutionState.Running, ExecutionState.Cut, ExecutionState.Released, ExecutionState.Failed],
        /* Running */ [ExecutionState.Succeeded, ExecutionState.Failed, ExecutionState.TimedOut, ExecutionState.RetryWaiting, ExecutionState.Cut],
        /* RetryWaiting */ [ExecutionState.Queued, ExecutionState.Cut],
        /* Succeeded */ [],
        /* Failed */ [],
        /* TimedOut */ [],
        /* Cut */ [ExecutionState.Succeeded],
        /* Released */ [],
    ];

    public static bool Allows(ExecutionState from, ExecutionState to) => Array.IndexOf(Allowed[(int)from], to) >= 0;

    /// <summary>Whether it never runs again in this process (a cut one may still only be recorded as succeeded).</summary>
    public static bool IsFinal(ExecutionState state) => state == ExecutionState.Cut || Allowed[(int)state].Length == 0;

    /// <summary>
    /// Whether it left this process by shutdown or take-over: a late change after that (a timer that fired as the
    /// server stopped) is expected and dropped quietly, not a bug.
    /// </summary>
    public static bool HasLeft(ExecutionState state) => state is ExecutionState.Cut or ExecutionState.Released;
}
