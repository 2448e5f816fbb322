using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;

namespace ApiRoutes.Routing;

/// <summary>
/// The endpoints of the manifest's routes. Fixed for the life of a published app; under <c>dotnet watch</c> the
/// development loop replaces them, and routing rebuilds its matcher when the change token fires (as MVC does for
/// its action endpoints).
/// </summary>
internal sealed class RouteEndpointSource(IReadOnlyList<Endpoint> endpoints) : EndpointDataSource
{
    private readonly Lock _gate = new();
    private volatile IReadOnlyList<Endpoint> _endpoints = endpoints;
    private CancellationTokenSource _changed = new();

    public override IReadOnlyList<Endpoint> Endpoints => _endpoints;

    public override IChangeToken GetChangeToken()
    {
        lock (_gate)
        {
            return new CancellationChangeToken(_changed.Token);
        }
    }

    public void Replace(IReadOnlyList<Endpoint> endpoints)
    {
        CancellationTokenSource changed;
        lock (_gate)
        {
            _endpoints = endpoints;
            (changed, _changed) = (_changed, new CancellationTokenSource());
        }

        changed.Cancel();
        changed.Dispose();
    }
}
