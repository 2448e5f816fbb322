using ApiRoutes.Execution;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace ApiRoutes.Runtime.Tests.Infrastructure;

/// <summary>A background request with something in every part, to check that a store gives all of it back.</summary>
internal static class SampleRequests
{
    public static RequestSnapshot Full() => new()
    {
        Method = "PUT",
        Scheme = "http",
        PathBase = PathString.Empty,
        Path = "/api/reports/daily",
        QueryString = new QueryString("?format=pdf"),
        Headers = [new("X-Tenant", "acme"), new("Accept", new StringValues(["a", "b"]))],
        RouteValues = [new("kind", "daily")],
        Body = "{\"to\":\"ada\"}"u8.ToArray(),
    };

    /// <summary>Asserts that <paramref name="copy"/> is <see cref="Full"/>, as read back from a store.</summary>
    public static void AssertIsFull(RequestSnapshot? copy)
    {
        Assert.NotNull(copy);
        Assert.Equal(("PUT", "/api/reports/daily", "?format=pdf"), (copy.Method, copy.Path.Value, copy.QueryString.Value));
        Assert.Equal("acme", copy.Headers.Single(h => h.Key == "X-Tenant").Value.ToString());
        Assert.Equal("a,b", copy.Headers.Single(h => h.Key == "Accept").Value.ToString());
        Assert.Equal("daily", copy.RouteValues.Single().Value);
        Assert.Equal(Full().Body.ToArray(), copy.Body.ToArray());
    }
}
