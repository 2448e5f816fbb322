using System.Globalization;

namespace ApiRoutes.Storage;

/// <summary>
/// Whether a store's writes are failing, as its group commit last saw them: a batch that failed for the store's sake
/// (not for one write's data) marks the writes failing until a later batch lands, or until <see cref="Window"/> has
/// passed without another failure, when readiness lets the store be tried again (a replica taken out of rotation
/// writes little, so it must not stay out for good because nothing came to prove the store well again).
/// Batches are numbered in commit order, and the outcome of the latest batch wins: a sync that lands an earlier batch
/// after a later one failed does not clear the failure.
/// </summary>
internal sealed class WriteHealth(TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(30);

    private readonly Lock _lock = new();
    private long _latest = -1;
    private (DateTimeOffset At, string Cause)? _failure;

    /// <summary>Batch <paramref name="batch"/> failed for the store's sake.</summary>
    public void Failed(long batch, Exception cause)
    {
        lock (_lock)
        {
            if (batch >= _latest)
            {
                (_latest, _failure) = (batch, (time.GetUtcNow(), cause.Message));
            }
        }
    }

    /// <summary>Batch <paramref name="batch"/> was written (and made durable).</summary>
    public void Succeeded(long batch)
    {
        lock (_lock)
        {
            if (batch >= _latest)
            {
                (_latest, _failure) = (batch, null);
            }
        }
    }

    /// <summary>Why writes are failing now (when the last failed batch was, and its error); null when they are not.</summary>
    public string? Failing()
    {
        lock (_lock)
        {
            if (_failure is not { } failure)
            {
                return null;
            }

            var ago = time.GetUtcNow() - failure.At;
            return ago > Window ? null : string.Create(
                CultureInfo.InvariantCulture,
                $"its last write failed {Math.Max(0, ago.TotalSeconds):0} s ago ({failure.Cause}), and none has succeeded since; new background requests are answered 503 until one does.");
        }
    }
}
