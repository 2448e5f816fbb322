using ApiRoutes.Runtime.Tests.Handlers;
using Microsoft.Extensions.Time.Testing;

namespace ApiRoutes.Runtime.Tests.Infrastructure;

/// <summary>
/// Waits for an outcome that comes on its own time (a group commit, another process's write), bounded by the probe's
/// patience: polling for a result, never a sleep that correctness depends on.
/// </summary>
internal static class Poll
{
    public static Task UntilAsync(Func<bool> condition, Func<string>? state = null) => UntilAsync(() => Task.FromResult(condition()), state);

    public static async Task UntilAsync(Func<Task<bool>> condition, Func<string>? state = null)
    {
        for (var deadline = DateTime.UtcNow + Probe.Patience; !await condition(); await Task.Delay(20))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The condition did not hold within the probe's patience.\n" + state?.Invoke());
            }
        }
    }

    /// <summary>
    /// Moves <paramref name="clock"/> on by <paramref name="step"/> until <paramref name="condition"/> holds, at most
    /// <paramref name="maxSteps"/> times, giving what each step wakes (a replica's tick over the database) up to
    /// <paramref name="settle"/> of real time to show before the next: steps paced by a fixed real delay ran ahead of a
    /// busy machine's ticks and ran out before the outcome came. Returns the steps taken; the caller asserts the outcome.
    /// </summary>
    public static Task<int> SteppingAsync(FakeTimeProvider clock, TimeSpan step, int maxSteps, Func<bool> condition, TimeSpan? settle = null) =>
        SteppingAsync(() => clock.Advance(step), maxSteps, condition, settle);

    /// <summary>As above, each step <paramref name="step"/> (a replica's <see cref="TestServer.AdvanceWithinLease"/>).</summary>
    public static async Task<int> SteppingAsync(Action step, int maxSteps, Func<bool> condition, TimeSpan? settle = null)
    {
        var steps = 0;
        for (; steps < maxSteps && !condition(); steps++)
        {
            step();
            for (var until = DateTime.UtcNow + (settle ?? TimeSpan.FromSeconds(2)); !condition() && DateTime.UtcNow < until;)
            {
                await Task.Delay(20);
            }
        }

        return steps;
    }
}
