using ApiRoutes;
using Microsoft.AspNetCore.Http;

namespace Shop.Api;

/// <summary>
/// A background route, <c>/api/record-visit</c>, whose work takes no time: the caller gets 202 once the execution is
/// stored, and a worker runs it at once. The load benchmark (bench/load) uses it for its steady state, where every
/// accepted execution also starts and finishes (two more store writes) while requests keep coming.
/// </summary>
[BackgroundRoute]
public sealed class RecordVisit : IApiHandler
{
    public Task HandleAsync(HttpContext context) => Task.CompletedTask;
}
