using ApiRoutes.Execution;

namespace ApiRoutes.Runtime.Tests.Execution;

/// <summary>An execution record keeps a canonical traceparent packed, and gives back exactly the text it was given.</summary>
public sealed class PackedTraceParentTests
{
    private const string Canonical = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    [Theory]
    [InlineData(Canonical)]
    [InlineData("00-00000000000000000000000000000001-0000000000000001-00")]
    [InlineData("00-ffffffffffffffffffffffffffffffff-ffffffffffffffff-ff")]
    public void A_canonical_traceparent_is_packed_and_comes_back_as_it_was_given(string traceParent)
    {
        var (text, packed) = PackedTraceParent.Of(traceParent);

        Assert.Null(text);
        Assert.Equal(traceParent, packed.Text());
        Assert.Equal(traceParent, Record(traceParent).TraceParent);
    }

    [Theory]
    [InlineData("00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01")]   // upper case: kept as given
    [InlineData("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]   // another version
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319g-b7ad6b7169203331-01")]   // not hex
    [InlineData("00_0af7651916cd43dd8448eb211c80319c_b7ad6b7169203331_01")]
    [InlineData("")]
    public void Anything_else_is_kept_as_the_string_it_was(string traceParent)
    {
        var (text, packed) = PackedTraceParent.Of(traceParent);

        Assert.Same(traceParent, text);
        Assert.Null(packed.Text());
        Assert.Same(traceParent, Record(traceParent).TraceParent);
    }

    [Fact]
    public void None_stays_none_and_records_compare_and_copy_by_the_traceparent_they_carry()
    {
        Assert.Null(Record(null).TraceParent);
        Assert.Equal(Record(Canonical), Record(new string(Canonical.AsSpan())));
        Assert.NotEqual(Record(Canonical), Record(Canonical.Replace("-01", "-00", StringComparison.Ordinal)));
        Assert.NotEqual(Record(Canonical), Record(null));

        var running = Record(Canonical) with { Status = ExecutionStatus.Running };
        Assert.Equal(Canonical, running.TraceParent);
        Assert.Null((running with { TraceParent = null }).TraceParent);
    }

    private static ExecutionRecord Record(string? traceParent) => new()
    {
        Id = "one", Route = "/api/job", Kind = "background", Status = ExecutionStatus.Queued, AcceptedAt = DateTimeOffset.UnixEpoch, TraceParent = traceParent,
    };
}
