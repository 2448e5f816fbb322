namespace ApiRoutes.Execution;

/// <summary>One attempt's <see cref="IApiRoutesExecutionFeature"/>, from its record as it started.</summary>
internal sealed class ExecutionFeature(ExecutionRecord started, int maxAttempts) : IApiRoutesExecutionFeature
{
    public string ExecutionId => started.Id;

    public string Route => started.Route;

    public int Attempt => started.Attempt;

    public int MaxAttempts => maxAttempts;

    public DateTimeOffset AcceptedAt => started.AcceptedAt;

    public DateTimeOffset? Occurrence => started.Occurrence;
}
