using ApiRoutes.Diagnostics;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Storage;

/// <summary>
/// Self-fencing, with replicas sharing a store (PostgreSQL): this replica's own bound on its lease, by its own clock —
/// when its last successful renewal was sent, plus the lease, less a quarter lease — past which another replica may be
/// about to take its work over. At that bound, or at once when a renewal finds the lease lapsed, the fence trips:
/// <see cref="Token"/> is cancelled, so every running handler's <c>RequestAborted</c> fires and its attempt ends, and
/// nothing starts (<see cref="WhenHeldAsync"/>) until a renewal succeeds. Without coordination it never trips.
/// A handler that ignores its token runs on, and may then overlap a run elsewhere.
/// </summary>
internal sealed class LeaseFence : IDisposable
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IReplicaCoordination? _coordination;
    private readonly ITimer? _timer;
    private CancellationTokenSource _held = new();
    private TaskCompletionSource _lifted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DateTimeOffset _heldUntil;
    private bool _fenced;

    public LeaseFence(TimeProvider time, ILoggerFactory loggerFactory, IReplicaCoordination? coordination = null)
    {
        (_time, _coordination, _logger) = (time, coordination, loggerFactory.CreateLogger(Log.Category));
        if (coordination is null)
        {
            return;
        }

        // Registered as the store opened, just before this: counted from now, the quarter lease covers the difference.
        _heldUntil = time.GetUtcNow() + Held(coordination.LeaseDuration);
        _timer = time.CreateTimer(_ => Check(), null, _heldUntil - time.GetUtcNow(), Timeout.InfiniteTimeSpan);
    }

    /// <summary>Cancelled when the fence trips; the token of the attempts that start while the lease is held.</summary>
    public CancellationToken Token
    {
        get
        {
            lock (_gate)
            {
                return _held.Token;
            }
        }
    }

    /// <summary>Completes once this replica holds its lease (at once, unless the fence tripped).</summary>
    public Task WhenHeldAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _fenced ? _lifted.Task.WaitAsync(cancellationToken) : Task.CompletedTask;
        }
    }

    /// <summary>
    /// A renewal sent at <paramref name="sentAt"/> (by this clock) succeeded: renewed, or, <paramref name="lapsed"/>,
    /// registered anew after the lease had lapsed, in which case what ran until now is cancelled first.
    /// </summary>
    public void Renewed(DateTimeOffset sentAt, bool lapsed)
    {
        if (lapsed)
        {
            Trip("its lease had lapsed, and other replicas may have taken its work over");
        }

        lock (_gate)
        {
            var until = sentAt + Held(_coordination!.LeaseDuration);
            if (until > _heldUntil)
            {
                _heldUntil = until;
            }

            var left = _heldUntil - _time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                return;   // an answer so late that the lease it renewed may be over already
            }

            _timer?.Change(left, Timeout.InfiniteTimeSpan);
            if (!_fenced)
            {
                return;
            }

            _fenced = false;
            _held = new CancellationTokenSource();
            _lifted.TrySetResult();
        }

        _logger.ReplicaFenceLifted(_coordination.Replica);
    }

    public void Dispose()
    {
        _timer?.Dispose();
        lock (_gate)
        {
            _held.Dispose();
        }
    }

    // A quarter lease before the lease can have lapsed: time to cancel before another replica can take the work over
    // (it looks every half lease), and one renewal (every third of a lease) may fail without cancelling anything.
    private static TimeSpan Held(TimeSpan lease) => lease - lease / 4;

    private void Check()
    {
        lock (_gate)
        {
            var left = _heldUntil - _time.GetUtcNow();
            if (left > TimeSpan.Zero)
            {
                _timer?.Change(left, Timeout.InfiniteTimeSpan);
                return;
            }
        }

        Trip($"no renewal of its lease ({_coordination!.LeaseDuration}) has succeeded for three quarters of it");
    }

    private void Trip(string reason)
    {
        CancellationTokenSource held;
        lock (_gate)
        {
            if (_fenced)
            {
                return;
            }

            _fenced = true;
            _lifted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            held = _held;
        }

        _logger.ReplicaFenced(_coordination!.Replica, reason);
        held.Cancel();   // outside the lock: the handlers' callbacks run here
    }
}
