using ApiRoutes.Runtime.Tests.Handlers;

namespace ApiRoutes.Runtime.Tests.Infrastructure;

/// <summary>The shutdown steps shared by the tests of what a handler's return after the cut leaves.</summary>
internal static class ShutdownCut
{
    /// <summary>
    /// Runs <paramref name="route"/> (a <see cref="StopsEarlyOnCancellation"/> handler) and stops the server: at the cut
    /// (after the 30 s drain period on its fake clock) the handler cleans up and returns normally, its work not done,
    /// within the grace. Returns the execution's id once the stop is done.
    /// </summary>
    public static async Task<string> StopWhileItStopsEarlyAsync(TestServer server, string route)
    {
        var id = (await server.Client.PostAsync(route, null)).Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        await server.Probe.NextAsync();

        var stopping = server.StopAsync();
        await server.WaitForLogAsync("ApiRoutes[2008]");
        server.FakeTime.Advance(TimeSpan.FromSeconds(30));
        await server.WaitForLogAsync($"ApiRoutes[2007] Error: Execution {id} of {route} was cut by shutdown");
        Assert.False(stopping.IsCompleted);   // the grace: the drain waits for the handler still cleaning up

        server.Probe.Open("cleanup");         // it returns normally before the grace is over, its work NOT done
        await server.Probe.WaitForSignalAsync("stopped-early");
        await stopping.WaitAsync(Probe.Patience);
        return id;
    }
}
