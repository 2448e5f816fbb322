using ApiRoutes.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Hosting;

/// <summary>
/// Whether <c>MapApiRoutes</c> has mapped the app's routes: an app of its own whose Program.cs never calls it answers
/// 404 on every route (AR0105 warns at build), and ApiRoutes.Testing says so rather than "is it a background route of
/// this app?" (review 46g F3).
/// </summary>
/// <remarks>
/// Such an app still registered the hosted services, which ran its schedules and took up the work left in the store by
/// an earlier start, while none of its routes was served (review 46g F4). The background work of start-up
/// (<see cref="StartupWorkGate"/>) and the take-over now wait for the mapping, which never comes: nothing is run, the
/// store's rows stay as they are for a start that maps the routes; and once the host has started unmapped, that is said
/// in one line (event 1007), not left to a 404 on every request. Started, not built: a host only built (a tool that
/// reads its services, <c>dotnet ef</c>) says nothing.
/// </remarks>
internal sealed class ApiRoutesMapping
{
    private readonly TaskCompletionSource _mapped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="lifetime">The host, which says when it has started; without one nothing is logged.</param>
    /// <param name="loggerFactory">Where event 1007 goes.</param>
    public ApiRoutesMapping(IHostApplicationLifetime? lifetime = null, ILoggerFactory? loggerFactory = null)
    {
        if (lifetime is not null && loggerFactory is not null)
        {
            // After every hosted service's start and the server's (which maps the routes of an app with a Startup class).
            lifetime.ApplicationStarted.Register(() =>
            {
                if (!Mapped)
                {
                    loggerFactory.CreateLogger(Log.Category).RoutesNotMapped();
                }
            });
        }
    }

    public bool Mapped => _mapped.Task.IsCompleted;

    /// <summary>Completes when <c>MapApiRoutes</c> has mapped the routes.</summary>
    public Task WhenMapped => _mapped.Task;

    internal void Mark() => _mapped.TrySetResult();
}
