using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

namespace ApiRoutes.Hosting;

/// <summary>
/// When the hosted services' first background work may begin: start-up recovery's reads, retention's first pruning
/// and the scheduler's check for occurrences missed while no instance was up. Until then that work would take the CPU
/// the first request needs on a small machine (bench/load/README.md, "Start-up, seventh pass"). Open once the first
/// request has been answered; or, once the server listens, after <see cref="IdleWindow"/> if no request has come by
/// then; and at the latest <see cref="Bound"/> after it listens — whichever comes first. Nothing that must fail fast
/// waits for it (the manifest, the store's open, the route constraints are checked before the app listens). Never in an
/// app that started without mapping its routes (<see cref="ApiRoutesMapping"/>): it would run schedules and take up work
/// left in the store while it serves none of them (review 46g F4).
/// </summary>
/// <remarks>
/// Its clock is the machine's in the app (<see cref="TimeProvider.System"/>), not the app's <see cref="TimeProvider"/>:
/// the wait is about the process's CPU at a cold start, and an app on a test clock that does not move must still
/// recover and schedule. Requests are seen by <see cref="StartupWorkGateFilter"/>.
/// </remarks>
internal sealed class StartupWorkGate : IDisposable
{
    /// <summary>
    /// Listening this long without a request, the work begins: a platform that starts an instance for a request
    /// connects as soon as the instance listens, so a quiet server is one nobody waits for. Not shorter: a first request
    /// reaches the app's pipeline only once its connection's cold path has been compiled, 50–60 ms after the server
    /// listens on a quiet 2-core machine and several times that on a busy one (bench/load/README.md); with 50 ms, the
    /// work began before the first request had reached the app at load 15. (Kestrel's connection counter would show it
    /// sooner, but a MeterListener creates the runtime's whole System.Runtime meter on the path to the first answer.)
    /// </summary>
    public static readonly TimeSpan IdleWindow = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The latest the work begins after the server listens, even while a first request is still being answered. A first
    /// answer takes 60–400 ms after listening on a 2-core machine, busy or not (bench/load/README.md); a second is the
    /// most a scheduled occurrence due in the meantime runs late, or recovered work waits beyond the restart itself.
    /// </summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(1);

    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TimeProvider _time;
    private readonly ApiRoutesMapping? _mapping;
    private readonly Lock _gate = new();
    private readonly CancellationTokenRegistration _started;
    private ITimer? _idle;
    private ITimer? _bound;
    private volatile bool _requestSeen;

    /// <param name="time">The clock of the idle window and the bound.</param>
    /// <param name="lifetime">The host, which says when the server listens; without one the gate is open (once the routes are mapped).</param>
    /// <param name="mapping">Whether the routes are mapped: the gate never opens before; without one, not asked.</param>
    public StartupWorkGate(TimeProvider time, IHostApplicationLifetime? lifetime, ApiRoutesMapping? mapping = null)
    {
        _time = time;
        _mapping = mapping;
        if (lifetime is null)
        {
            // No host to say when it listens: nothing to wait for but the mapping (ApiRoutes.Testing's gate).
            if (mapping is null)
            {
                Open();
            }
            else
            {
                _ = mapping.WhenMapped.ContinueWith(static (_, gate) => ((StartupWorkGate)gate!).Open(), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            return;
        }

        _started = lifetime.ApplicationStarted.Register(static gate => ((StartupWorkGate)gate!).Listening(), this);
    }

    /// <summary>Whether the work may begin.</summary>
    public bool IsOpen => _open.Task.IsCompleted;

    /// <summary>Completes when the work may begin, or throws when <paramref name="cancellationToken"/> (the service stopping) is cancelled first.</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => _open.Task.WaitAsync(cancellationToken);

    /// <summary>A request came while the gate is closed: its answer opens it.</summary>
    public void RequestStarted(HttpContext context)
    {
        _requestSeen = true;
        context.Response.OnCompleted(static gate =>
        {
            ((StartupWorkGate)gate).Open();
            return Task.CompletedTask;
        }, this);
    }

    /// <summary>The server listens (the host's <c>ApplicationStarted</c>): the idle window and the bound start now.</summary>
    public void Listening()
    {
        lock (_gate)
        {
            // Listening without the routes mapped: the app serves none of them, and runs none (ApiRoutesMapping logs why).
            if (IsOpen || _bound is not null || _mapping is { Mapped: false })
            {
                return;
            }

            _bound = _time.CreateTimer(static gate => ((StartupWorkGate)gate!).Open(), this, Bound, Timeout.InfiniteTimeSpan);
            _idle = _time.CreateTimer(static gate => ((StartupWorkGate)gate!).IdleElapsed(), this, IdleWindow, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose()
    {
        _started.Dispose();
        DisposeTimers();
    }

    // A request under way when the window ends is waited for (its answer opens the gate), up to the bound.
    private void IdleElapsed()
    {
        if (!_requestSeen)
        {
            Open();
        }
    }

    private void Open()
    {
        // An answer of the app's own endpoints (a health check) opens it no more than the timers, until the routes are mapped.
        if (_mapping is { Mapped: false })
        {
            return;
        }

        if (_open.TrySetResult())
        {
            DisposeTimers();
        }
    }

    private void DisposeTimers()
    {
        lock (_gate)
        {
            _idle?.Dispose();
            _bound?.Dispose();
        }
    }
}
