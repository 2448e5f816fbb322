using System.Runtime.InteropServices;
using ApiRoutes.Development;

namespace ApiRoutes.Runtime.Tests.Development;

/// <summary>
/// The development loop's compiler server: one pipe name per project (a restarted app finds the server its predecessor
/// left), the one the package's build logic computes with MSBuild's StableStringHash(…, 'Sha256'); another project never
/// shares it; stopping before any analysis ran starts nothing; only a stop with SIGTERM (dotnet watch restarting the
/// app) leaves it running. The real server is started, reused and stopped by the dotnet watch integration test.
/// </summary>
public sealed class CompilerServerTests
{
    [Fact]
    public void Each_project_has_a_pipe_name_of_its_own_the_same_for_every_run_of_the_app()
    {
        var shop = new CompilerServer(Project("/src/Shop/Shop.csproj"), "/src/Shop/obj/apiroutes-watch");
        var again = new CompilerServer(Project("/src/Shop/Shop.csproj"), "/src/Shop/obj/apiroutes-watch");
        var other = new CompilerServer(Project("/src/Billing/Billing.csproj"), "/src/Billing/obj/apiroutes-watch");

        Assert.Matches("^apiroutes-[0-9a-f]{20}$", shop.PipeName);
        Assert.Equal(shop.PipeName, again.PipeName);
        Assert.NotEqual(shop.PipeName, other.PipeName);
        Assert.Equal(["-p:UseSharedCompilation=true", $"-p:SharedCompilationId={shop.PipeName}"], shop.BuildArguments);

        // sha256("/src/Shop/Shop.csproj") as UTF-8, lower-case hex, as $([MSBuild]::StableStringHash(…, 'Sha256')) gives.
        Assert.Equal("apiroutes-d9dd54bbeca76fd9efd2", shop.PipeName);
    }

    [Fact]
    public void Only_a_stop_that_began_with_SIGTERM_leaves_the_server_running_for_a_restart_where_builds_can_find_it()
    {
        Assert.False(RouteWatchService.LeavesCompilerServerRunning(null));                    // the app stopped itself
        Assert.False(RouteWatchService.LeavesCompilerServerRunning(PosixSignal.SIGINT));      // Ctrl+C: the session ends
        Assert.False(RouteWatchService.LeavesCompilerServerRunning(PosixSignal.SIGQUIT));
        Assert.Equal(!OperatingSystem.IsWindows(), RouteWatchService.LeavesCompilerServerRunning(PosixSignal.SIGTERM));
    }

    [Fact]
    public async Task Stopping_before_any_analysis_ran_does_nothing()
    {
        var folder = Directory.CreateTempSubdirectory("apiroutes-compiler-").FullName;
        try
        {
            // No path file: no analysis ran, so no server was started; the host must not even be looked for.
            var server = new CompilerServer(Project(Path.Combine(folder, "Shop.csproj")) with { DotNet = "/nonexistent/dotnet" }, folder);
            await server.StopAsync();

            File.WriteAllText(server.PathFile, Path.Combine(folder, "missing", "VBCSCompiler.dll"));
            await server.StopAsync();   // a path that no longer exists (the SDK was removed) is no error either
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static ProjectLocation Project(string file) => new(file, "Debug", "net10.0", "dotnet");
}
