using Microsoft.AspNetCore.Mvc.Infrastructure;
using ApiRoutes.Development;
using Microsoft.Extensions.Primitives;

namespace ApiRoutes.OpenApi;

/// <summary>
/// Tells ApiExplorer that the routes changed when the endpoints do (the development loop swaps them): it keeps its
/// descriptions until the action descriptors' version changes, which only such a provider's token moves, so the OpenAPI
/// document kept the routes of the app's start (review 24c F4). Only ApiRoutes' own swaps: the app's endpoint source is
/// the composite of all, MVC's controllers and Razor Pages among them, whose change it would answer with a new one —
/// an app with controllers ended in a stack overflow at start-up (review 39b F2).
/// </summary>
internal sealed class RouteChanges(RouteTableSwap swap) : IActionDescriptorChangeProvider
{
    public IChangeToken GetChangeToken() => swap.GetChangeToken();
}
