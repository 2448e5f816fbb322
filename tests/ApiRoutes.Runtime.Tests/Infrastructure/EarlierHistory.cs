using ApiRoutes.Execution;

namespace ApiRoutes.Runtime.Tests.Infrastructure;

/// <summary>Finished executions of an earlier process, newest first as the store reads them, older than anything now.</summary>
internal static class EarlierHistory
{
    /// <summary><paramref name="count"/> succeeded executions of <paramref name="route"/>, <c>old-0000</c> the newest.</summary>
    public static IReadOnlyList<ExecutionRecord> Of(string route, string kind, int count) => [.. Enumerable.Range(0, count).Select(i => new ExecutionRecord
    {
        Id = $"old-{i:D4}",
        Route = route,
        Kind = kind,
        Status = ExecutionStatus.Succeeded,
        AcceptedAt = DateTimeOffset.UnixEpoch.AddSeconds(count - i),
        FinishedAt = DateTimeOffset.UnixEpoch.AddSeconds(count - i + 1),
    })];
}
