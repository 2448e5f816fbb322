using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>
/// The generated entry point warms SQLite up on another thread while it builds the app (<c>SqliteWarmUp</c>); the store
/// is still opened before the app listens, and a store that cannot be opened still stops start-up in one line.
/// </summary>
public class SqliteStartupTests
{
    [Fact]
    public async Task A_store_that_cannot_be_opened_stops_the_application_with_exit_code_1_before_it_listens()
    {
        // A folder cannot be made under a file: the store's path is unusable.
        var file = Path.GetTempFileName();
        var path = Path.Combine(file, "executions.db");
        var manifest = TestManifest.Write(Create(StandardRoute("/api/hello", typeof(Hello))));
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        int code;
        try
        {
            code = await ApiRoutesApplication.RunAsync(["--urls=http://127.0.0.1:0", $"--ApiRoutes:ManifestPath={manifest}", $"--ApiRoutes:Store:Path={path}"]);
        }
        finally
        {
            Console.SetError(previous);
            File.Delete(file);
        }

        Assert.Equal(1, code);
        Assert.StartsWith($"ApiRoutes: The execution store '{path}' cannot be opened: ", error.ToString(), StringComparison.Ordinal);
        Assert.EndsWith("Set ApiRoutes:Store:Path to a writable file, or ApiRoutes:Store:Provider to InMemory.", error.ToString().TrimEnd(), StringComparison.Ordinal);
    }
}
