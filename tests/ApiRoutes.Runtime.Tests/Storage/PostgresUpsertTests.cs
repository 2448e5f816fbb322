using ApiRoutes.Storage;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>How the PostgreSQL store cuts a batch into statements: as few as can be, none writing one row twice.</summary>
public sealed class PostgresUpsertTests
{
    [Theory]
    [InlineData("", "")]                          // nothing to write
    [InlineData("a b c", "0+3")]                  // distinct executions: one statement
    [InlineData("a b a c", "0+2 2+2")]            // a changed again: the second change in a statement of its own, after
    [InlineData("a a a", "0+1 1+1 2+1")]          // one execution three times: three statements, in order
    [InlineData("a b c b a", "0+3 3+2")]          // a run ends at the first repeat only
    public void A_batch_is_cut_where_an_execution_comes_again(string ids, string runs)
    {
        var batch = ids.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(id => new PostgresWriter.Write(new ExecutionRecord { Id = id, Route = "/api/job", Kind = "background", Status = ExecutionStatus.Queued, AcceptedAt = DateTimeOffset.UnixEpoch }, null, null))
            .ToList();

        Assert.Equal(runs, string.Join(' ', PostgresUpsert.Runs(batch).Select(run => $"{run.Start}+{run.Count}")));
    }
}
