namespace ApiRoutes.Cli.Commands;

/// <summary>The exit codes of <c>apiroutes invoke --wait</c> (README, "The apiroutes tool").</summary>
internal static class WaitExitCodes
{
    /// <summary>The execution succeeded.</summary>
    public const int Succeeded = 0;

    /// <summary>The command itself failed: bad input, no server, the request refused, no dashboard API, an unknown execution.</summary>
    public const int CommandFailed = 1;

    /// <summary>The execution failed (its last attempt threw, or it was cut).</summary>
    public const int Failed = 2;

    /// <summary>The execution reached its time limit.</summary>
    public const int TimedOut = 3;

    /// <summary>The execution had not ended when <c>--timeout</c> ran out.</summary>
    public const int StillRunning = 4;
}
