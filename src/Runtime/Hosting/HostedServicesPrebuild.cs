using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ApiRoutes.Hosting;

/// <summary>
/// Builds, on a thread-pool thread once the store is open, the singletons the host constructs on the main thread just
/// before the server listens: ApiRoutes' hosted services and what they take, the health checks' service, and the
/// server itself (Kestrel) with the factories the web host's service takes. The host then finds them built; it still
/// starts and stops the hosted services itself, in their order. Nobody's code but the framework's and ApiRoutes' runs
/// early: the app's own hosted services are still built by the host. A constructor that throws here is tried again by
/// the host, which reports it as it did (bench/load/README.md, "Start-up, sixth pass").
/// </summary>
internal sealed class HostedServicesPrebuild
{
    private const int Waiting = 0, Running = 1, Cancelled = 2;

    private readonly IServiceProvider _services;
    private readonly Task _done;
    private int _state;

    private HostedServicesPrebuild(IServiceProvider services, Task after)
    {
        _services = services;
        _done = after.ContinueWith(_ => Build(), CancellationToken.None,
            TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Starts building once <paramref name="after"/> (the store's open) has succeeded.</summary>
    public static HostedServicesPrebuild Start(IServiceProvider services, Task after) => new(services, after);

    /// <summary>
    /// The start-up failed before the host could start: what has not begun never does, and what has is waited for, so
    /// that the app is not disposed under it.
    /// </summary>
    public void Cancel()
    {
        if (Interlocked.CompareExchange(ref _state, Cancelled, Waiting) == Running)
        {
            _done.Wait();
        }
    }

    /// <summary>The hosted services of ApiRoutes that are registered as themselves too, in their order.</summary>
    internal sealed class ServiceTypes
    {
        public List<Type> Types { get; } = [];
    }

    private void Build()
    {
        if (Interlocked.CompareExchange(ref _state, Running, Waiting) != Waiting)
        {
            return;
        }

        try
        {
            // ApiRoutes' hosted services in the order the host starts them (their dependencies come with them).
            foreach (var type in _services.GetService<ServiceTypes>()?.Types ?? [])
            {
                _services.GetService(type);
            }

            _services.GetService<HealthCheckService>();

            // What the web host's service takes, the server first: it is started last, after the hosted services above.
            _services.GetService<IServer>();
            _services.GetService<IHttpContextFactory>();
            _services.GetService<Microsoft.AspNetCore.Hosting.Builder.IApplicationBuilderFactory>();
        }
#pragma warning disable CA1031 // Whatever fails here fails again where the host builds it, on the main thread, and is reported there.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
