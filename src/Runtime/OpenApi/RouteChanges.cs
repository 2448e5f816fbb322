using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;

namespace ApiRoutes.OpenApi;

/// <summary>
/// Tells ApiExplorer that the routes changed when the endpoints do (the development loop swaps them): it keeps its
/// descriptions until the action descriptors' version changes, which only such a provider's token moves, so the OpenAPI
/// document kept the routes of the app's start (review 24c F4).
/// </summary>
internal sealed class RouteChanges(EndpointDataSource endpoints) : IActionDescriptorChangeProvider
{
    public IChangeToken GetChangeToken() => endpoints.GetChangeToken();
}
