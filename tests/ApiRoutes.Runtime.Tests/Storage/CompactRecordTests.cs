using System.Reflection;
using ApiRoutes.Storage;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>
/// The in-memory store's compact form of a finished record: made into a record again, it is the record it was made
/// from (every property, the <c>traceparent</c> packed or kept as given), and a query selects it exactly as it
/// selects the record.
/// </summary>
public sealed class CompactRecordTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly ExecutionQuery[] Queries =
    [
        new ExecutionQuery(),                                                                      // everything
        new ExecutionQuery { Route = "/api/job" },                                                 // its route
        new ExecutionQuery { Route = "/api/other" },                                               // another route
        new ExecutionQuery { Status = ExecutionStatus.Succeeded },                                 // its status
        new ExecutionQuery { Status = ExecutionStatus.Failed },                                    // another status
        new ExecutionQuery { Since = Start, Until = Start.AddSeconds(1) },                         // accepted within
        new ExecutionQuery { Since = Start.AddSeconds(1) },                                        // accepted before
        new ExecutionQuery { Until = Start },                                                      // accepted at the end: excluded
        new ExecutionQuery { ReplayOf = "0196c0de0000700080000000000000aa" },                      // its replayed one
        new ExecutionQuery { ReplayOf = "another" },                                               // another replayed one
        new ExecutionQuery { After = new ExecutionCursor(Start, "0196c0de0000700080000000000000a0") },   // same time, id after
        new ExecutionQuery { After = new ExecutionCursor(Start, "0196c0de0000700080000000000000ff") },   // same time, id before
        new ExecutionQuery { After = new ExecutionCursor(Start.AddTicks(1), "a") },                // accepted earlier
    ];

    [Theory]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]   // canonical: packed
    [InlineData("00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01")]   // upper case: kept as given
    [InlineData("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]   // another version: kept as given
    [InlineData(null)]                                                        // no trace: none again
    public void A_record_made_again_is_the_record_it_was_made_from(string? traceParent)
    {
        var record = EveryPropertySet() with { TraceParent = traceParent };

        Assert.Equal(record, new CompactRecord(record).ToRecord());
    }

    [Fact]
    public void A_record_as_a_run_at_load_has_it_comes_back_too()
    {
        // No error, replayed id, trace state nor occurrence, and a canonical trace parent: nothing but the struct.
        var record = EveryPropertySet() with { Error = null, ReplayOf = null, TraceState = null, Occurrence = null, Attempt = 1 };

        Assert.Equal(record, new CompactRecord(record).ToRecord());
    }

    [Fact]
    public void The_test_record_sets_every_property_so_a_new_one_left_out_of_the_compact_form_fails_the_round_trip()
    {
        var record = EveryPropertySet();
        var unset = typeof(ExecutionRecord).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(property => property.GetValue(record) is null || Equals(property.GetValue(record), DefaultOf(property.PropertyType)))
            .Select(property => property.Name);

        Assert.Empty(unset);
    }

    [Fact]
    public void A_query_selects_the_compact_form_exactly_as_it_selects_the_record()
    {
        var record = EveryPropertySet();
        var compact = new CompactRecord(record);

        Assert.All(Queries, query => Assert.Equal(query.Matches(record), compact.Matches(query)));
        Assert.Contains(Queries, query => !query.Matches(record));
        Assert.Contains(Queries, query => query.Matches(record));
    }

    private static ExecutionRecord EveryPropertySet() => new()
    {
        Id = "0196c0de0000700080000000000000b1", Route = "/api/job", Kind = "background", Status = ExecutionStatus.Succeeded, Attempt = 2,
        AcceptedAt = Start, StartedAt = Start.AddSeconds(1), FinishedAt = Start.AddSeconds(2), Occurrence = Start.AddMinutes(-1),
        Error = "the first attempt failed", ReplayOf = "0196c0de0000700080000000000000aa",
        TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", TraceState = "vendor=value",
    };

    private static object? DefaultOf(Type type) => type.IsValueType && Nullable.GetUnderlyingType(type) is null ? Activator.CreateInstance(type) : null;
}
