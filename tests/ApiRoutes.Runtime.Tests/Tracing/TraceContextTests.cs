using ApiRoutes.Execution;
using Microsoft.AspNetCore.Http;

namespace ApiRoutes.Runtime.Tests.Tracing;

/// <summary>What of a request's trace headers is kept with an execution: only a valid W3C context, bounded.</summary>
public sealed class TraceContextTests
{
    private const string Parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    [Theory]
    // a valid context, with and without state
    [InlineData(Parent, "congo=t61rcWkgMzE", Parent, "congo=t61rcWkgMzE")]
    [InlineData(Parent, null, Parent, null)]
    // not W3C: a legacy Request-Id, a wrong length, an all-zero trace id, a version 'ff', nothing
    [InlineData("|abc.1.", null, null, null)]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b71692033-01", null, null, null)]
    [InlineData("00-00000000000000000000000000000000-b7ad6b7169203331-01", null, null, null)]
    [InlineData("ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", null, null, null)]
    [InlineData(null, "congo=t61rcWkgMzE", null, null)]
    public void Only_a_valid_traceparent_is_kept(string? traceparent, string? tracestate, string? keptParent, string? keptState)
    {
        var context = new DefaultHttpContext();
        if (traceparent is not null)
        {
            context.Request.Headers["traceparent"] = traceparent;
        }

        if (tracestate is not null)
        {
            context.Request.Headers["tracestate"] = tracestate;
        }

        Assert.Equal(new TraceContext(keptParent, keptState), TraceContext.Of(context));
    }

    [Fact]
    public void A_tracestate_over_the_w3c_limit_is_left_out_and_the_parent_kept()
    {
        var context = new DefaultHttpContext();
        context.Request.Headers["traceparent"] = Parent;
        context.Request.Headers["tracestate"] = "a=" + new string('x', 20_000);

        Assert.Equal(new TraceContext(Parent, null), TraceContext.Of(context));
    }
}
