using ApiRoutes.Diagnostics;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Storage;

/// <summary>
/// Self-fencing, with replicas sharing a store (PostgreSQL): this replica's own bound on its lease, in elapsed time —
/// when its last successful renewal (at first: its registration, as the store opened) was sent, plus the lease, less a
/// quarter lease — past which another replica may be about to take its work over. Elapsed time only
/// (<see cref="TimeProvider.GetTimestamp"/>), as the database measures the lease: a wall clock stepped back or forward
/// neither delays the trip nor fences a replica whose lease holds. At that bound, or at once when a renewal finds the
/// lease lapsed, the fence trips: <see cref="Token"/> is cancelled, so every running handler's <c>RequestAborted</c>
/// fires and its attempt ends, and nothing starts (<see cref="WhenHeldAsync"/>) until a renewal succeeds. Without
/// coordination it never trips.
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
    private long _sentAt;   // when the last renewal that succeeded was sent (a timestamp of the clock)
    private long? _unbrokenSince;   // since when every renewal has succeeded (a timestamp), or null after a failure or a trip
    private bool _fenced;

    public LeaseFence(TimeProvider time, ILoggerFactory loggerFactory, IReplicaCoordination? coordination = null)
    {
        (_time, _coordination, _logger) = (time, coordination, loggerFactory.CreateLogger(Log.Category));
        if (coordination is null)
        {
            return;
        }

        // Counted from the registration as the store opened (in MapApiRoutes, maybe long before the host started), so
        // app code that ran in between cannot leave the first bound later than the lease in the database.
        _sentAt = coordination.RegisteredAt ?? time.GetTimestamp();
        _unbrokenSince = _sentAt;
        _timer = time.CreateTimer(_ => Check(), null, Clamp(Left()), Timeout.InfiniteTimeSpan);
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
    /// A renewal sent at <paramref name="sentAt"/> (a timestamp of this clock, <see cref="TimeProvider.GetTimestamp"/>)
    /// succeeded: renewed, or, <paramref name="lapsed"/>, registered anew after the lease had lapsed, in which case what
    /// ran until now is cancelled first.
    /// </summary>
    public void Renewed(long sentAt, bool lapsed)
    {
        if (lapsed)
        {
            Trip("its lease had lapsed, and other replicas may have taken its work over");
        }

        lock (_gate)
        {
            if (sentAt > _sentAt)
            {
                _sentAt = sentAt;
            }

            var left = Left();
            if (left <= TimeSpan.Zero)
            {
                return;   // an answer so late that the lease it renewed may be over already
            }

            _unbrokenSince ??= sentAt;
            _timer?.Change(left, Timeout.InfiniteTimeSpan);
            if (!_fenced)
            {
                return;
            }

            _fenced = false;
            _held = new CancellationTokenSource();
            _lifted.TrySetResult();
        }

        _logger.ReplicaFenceLifted(_coordination!.Replica);
    }

    /// <summary>A renewal failed (the store could not be reached): the renewals are broken until one succeeds.</summary>
    public void NotRenewed()
    {
        lock (_gate)
        {
            _unbrokenSince = null;
        }
    }

    /// <summary>
    /// How long every renewal of this replica has succeeded, without a failure, a lapse or a trip: since its registration,
    /// or since the first renewal that succeeded after one (zero while none has). A replica whose renewals held for a
    /// whole lease had the store all that time, so another live replica with the store had it too, and renewed its lease
    /// (every third of one): a replica whose lease has lapsed then is not merely one whose renewal, after an outage of
    /// them all, has not landed yet (review 38g F3). Without coordination, <see cref="TimeSpan.MaxValue"/>.
    /// </summary>
    public TimeSpan RenewedUnbrokenFor
    {
        get
        {
            lock (_gate)
            {
                return _coordination is null ? TimeSpan.MaxValue
                    : _unbrokenSince is { } since ? _time.GetElapsedTime(since)
                    : TimeSpan.Zero;
            }
        }
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

    /// <summary>How long this replica's bound on its lease still holds (tests move a fake clock no further).</summary>
    internal TimeSpan HeldFor
    {
        get
        {
            lock (_gate)
            {
                return _coordination is null ? TimeSpan.MaxValue : Left();
            }
        }
    }

    // How long the lease is still held by this replica's bound: negative once it is past.
    private TimeSpan Left() => Held(_coordination!.LeaseDuration) - _time.GetElapsedTime(_sentAt);

    private static TimeSpan Clamp(TimeSpan due) => due > TimeSpan.Zero ? due : TimeSpan.Zero;

    private void Check()
    {
        lock (_gate)
        {
            var left = Left();
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
            _unbrokenSince = null;
            _lifted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            held = _held;
        }

        _logger.ReplicaFenced(_coordination!.Replica, reason);
        held.Cancel();   // outside the lock: the handlers' callbacks run here
    }
}
