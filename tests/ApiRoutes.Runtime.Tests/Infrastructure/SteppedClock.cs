using Microsoft.Extensions.Time.Testing;

namespace ApiRoutes.Runtime.Tests.Infrastructure;

/// <summary>
/// A machine's clock that is set: its wall time is <see cref="Elapsed"/>'s stepped by <see cref="Step"/>, while its
/// timestamps and timers follow <see cref="Elapsed"/>, as elapsed time does when the wall clock is set (NTP, an operator).
/// </summary>
internal sealed class SteppedClock(FakeTimeProvider elapsed) : TimeProvider
{
    public FakeTimeProvider Elapsed => elapsed;

    public TimeSpan Step { get; set; }

    public override DateTimeOffset GetUtcNow() => elapsed.GetUtcNow() + Step;

    public override long GetTimestamp() => elapsed.GetTimestamp();

    public override long TimestampFrequency => elapsed.TimestampFrequency;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        elapsed.CreateTimer(callback, state, dueTime, period);
}
