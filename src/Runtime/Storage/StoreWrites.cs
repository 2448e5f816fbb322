using ApiRoutes.Diagnostics;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Storage;

/// <summary>Store writes nobody waits for: a failure is logged (and observed), a success costs nothing more.</summary>
internal static class StoreWrites
{
    public static void LogIfFails(this Task write, ILogger? logger, string executionId)
    {
        // The in-memory store, and most group commits by the time anyone looks, are already done.
        if (write.IsCompletedSuccessfully)
        {
            return;
        }

        write.ContinueWith(
            task => logger?.StoreWriteFailed(executionId, task.Exception!.InnerException!),
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted,
            TaskScheduler.Default);
    }
}
