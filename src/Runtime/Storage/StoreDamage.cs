using ApiRoutes.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Storage;

/// <summary>
/// The execution store's file found damaged while the app runs (<see cref="SqliteDamage"/>): at start-up recovery, in a
/// periodic loop, in a read or in a write. Logged once as critical (2046), and the app stops: what it accepts now could
/// not be kept, and what it accepted before could be neither run nor recorded as failed, while it would go on answering
/// as if nothing were wrong. <see cref="ApiRoutesApplication.RunAsync"/> then exits with 1.
/// </summary>
internal sealed class StoreDamage(IHostApplicationLifetime? lifetime, ILoggerFactory loggerFactory)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger(Log.Category);
    private int _found;

    /// <summary>Whether the store was found damaged (the app stopped for it).</summary>
    public bool Found => Volatile.Read(ref _found) != 0;

    /// <summary>Says once what is damaged and how to mend it, and stops the app.</summary>
    public void Report(string description)
    {
        if (Interlocked.Exchange(ref _found, 1) != 0)
        {
            return;
        }

        _logger.StoreDamaged(description);

        // Not on the caller's thread (the store's group commit, a request): the stop's callbacks run where it is asked for.
        if (lifetime is not null)
        {
            _ = Task.Run(lifetime.StopApplication);
        }
    }
}
