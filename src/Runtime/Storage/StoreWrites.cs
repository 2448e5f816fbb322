using System.Runtime.CompilerServices;
using ApiRoutes.Diagnostics;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Storage;

/// <summary>
/// Store writes nobody waits for: a failure is logged (and observed), then handed to <c>failed</c> if given; a success
/// costs nothing more. A write still under way gets one callback where it completes (an object and its delegate), not
/// a continuation task per concern: a durable store's every change of state is such a write, and the two
/// <c>ContinueWith</c> each change had cost ~0.5 KB and two cancelled tasks per write when it succeeded
/// (bench/load/README.md, "Durable 202, seventh pass"). The callback runs where the write's waiters are told (the group
/// commit's release, never its loop) and is short unless the write failed.
/// </summary>
internal static class StoreWrites
{
    /// <summary>
    /// Logs the write's failure and hands it to <paramref name="failed"/>; tells <paramref name="landed"/> if it lands
    /// (also at once, when it has landed already).
    /// </summary>
    public static void LogIfFails(this Task write, ILogger? logger, string executionId, Action<Exception>? failed = null, Action? landed = null)
    {
        // The in-memory store, and most group commits by the time anyone looks, are already done.
        if (write.IsCompletedSuccessfully)
        {
            landed?.Invoke();
            return;
        }

        var watch = new Watch(write, logger, executionId, failed, landed);
        if (write.IsCompleted)
        {
            watch.Completed();
            return;
        }

        ConfiguredTaskAwaitable.ConfiguredTaskAwaiter awaiter = write.ConfigureAwait(false).GetAwaiter();
        awaiter.UnsafeOnCompleted(watch.Completed);
    }

    private sealed class Watch(Task write, ILogger? logger, string executionId, Action<Exception>? failed, Action? landed)
    {
        // A continuation: whatever escaped it would be rethrown on the thread pool and end the process (review 10).
        public void Completed()
        {
            if (write.IsCompletedSuccessfully)
            {
                Hand(landed);
                return;
            }

            // A cancelled write (none is: store writes take no token) is no failure, as with OnlyOnFaulted before.
            if (write.Exception?.InnerException is not { } e)
            {
                return;
            }

            Log(e);
            Hand(failed is null ? null : () => failed(e));
        }

        private void Hand(Action? next)
        {
#pragma warning disable CA1031 // The hand-on (a second write, to a store that may throw at once) must not end the process either.
            try
            {
                next?.Invoke();
            }
            catch (Exception thrown)
            {
                Log(thrown);
            }
#pragma warning restore CA1031
        }

        private void Log(Exception e)
        {
#pragma warning disable CA1031 // A logger that fails (on the full disk that failed the write) leaves nothing else to tell.
            try
            {
                // Not the store's failure but the lease's outcome (a replica paused past its lease, whose handler then
                // finished): a warning that says so, not an error with a stack trace (review of session 28).
                if (e is ExecutionStoreUnavailableException { HeldElsewhere: true })
                {
                    logger?.ChangeHeldElsewhere(executionId, e.Message);
                }
                else
                {
                    logger?.StoreWriteFailed(executionId, e);
                }
            }
            catch (Exception)
            {
            }
#pragma warning restore CA1031
        }
    }
}
