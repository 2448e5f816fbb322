using ApiRoutes.Tasks.UnitTests.Text;

namespace ApiRoutes.Tasks.UnitTests;

/// <summary>
/// The test host never calls this entry point: tests run this assembly as a child process (dotnet exec) to check what
/// depends on how a process starts, such as invariant globalization (review 33f F4).
/// </summary>
internal static class Program
{
    public static int Main(string[] args) =>
        args is [RouteLiteralCaseTests.ChildArgument] ? RouteLiteralCaseTests.RunAsChild() : 2;
}
