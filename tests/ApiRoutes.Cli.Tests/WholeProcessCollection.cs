namespace ApiRoutes.Cli.Tests;

/// <summary>
/// Tests that measure the whole process (<see cref="GC.GetTotalAllocatedBytes"/>): they run after the parallel ones, with
/// no other test beside them, whose allocations would count as theirs on a busy machine (CI saw 89 MB "allocated" by
/// a read of constant memory while other classes ran).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WholeProcessCollection
{
    public const string Name = "Measures the whole process";
}
