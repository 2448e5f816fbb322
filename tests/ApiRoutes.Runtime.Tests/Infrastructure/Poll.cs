using ApiRoutes.Runtime.Tests.Handlers;

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
}
