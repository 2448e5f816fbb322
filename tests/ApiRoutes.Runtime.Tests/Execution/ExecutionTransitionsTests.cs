using ApiRoutes.Execution;

namespace ApiRoutes.Runtime.Tests.Execution;

/// <summary>The transition table of an execution's life: what may follow what.</summary>
public sealed class ExecutionTransitionsTests
{
    [Theory]
    // final states are final
    [InlineData("Succeeded", "Running", false)]
    [InlineData("Failed", "Queued", false)]
    [InlineData("TimedOut", "RetryWaiting", false)]
    [InlineData("Cut", "Queued", false)]
    [InlineData("Released", "Running", false)]
    // a run ends only after it started; a retry runs only after it is queued again
    [InlineData("Queued", "Succeeded", false)]
    [InlineData("RetryWaiting", "Running", false)]
    [InlineData("Running", "Queued", false)]
    // the steps of a life
    [InlineData("Accepted", "Queued", true)]
    [InlineData("Queued", "Running", true)]
    [InlineData("Running", "RetryWaiting", true)]
    [InlineData("RetryWaiting", "Queued", true)]
    [InlineData("Running", "Cut", true)]
    [InlineData("Queued", "Released", true)]
    public void The_table_lists_the_steps_of_an_executions_life_and_no_other(string from, string to, bool allowed) =>
        Assert.Equal(allowed, ExecutionTransitions.Allows(Enum.Parse<ExecutionState>(from), Enum.Parse<ExecutionState>(to)));

    [Fact]
    public void Only_the_states_that_end_a_life_in_this_process_are_final()
    {
        Assert.Equal(
            [ExecutionState.Succeeded, ExecutionState.Failed, ExecutionState.TimedOut, ExecutionState.Cut, ExecutionState.Released],
            Enum.GetValues<ExecutionState>().Where(ExecutionTransitions.IsFinal));
    }
}
