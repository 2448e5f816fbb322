using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using ApiRoutes.Tasks.IntegrationTests.Infrastructure;

namespace ApiRoutes.Tasks.IntegrationTests;

/// <summary>
/// The published app with its embedded SQLite store, killed with SIGKILL mid-work and started again; a second process
/// on the same store is refused meanwhile, and a row corrupted while it was down does not stop the others.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed partial class DurabilityTests(PackageFixture package)
{
    [Fact]
    public async Task After_sigkill_every_accepted_execution_completes_once_at_the_next_start()
    {
        var project = Sources.Shop(package);
        var publish = Path.Combine(project.Directory, "out");
        (await project.RunAsync("publish", "-o", publish)).ShouldSucceed();
        var environment = new Dictionary<string, string>(project.Environment)
        {
            ["ApiRoutes__Store__Path"] = Path.Combine(project.Directory, "store", "executions.db"),
            ["ApiRoutes__Background__MaxConcurrency"] = "2",
        };

        var names = Enumerable.Range(1, 7).Select(i => $"job{i}").ToList();
        var ids = new Dictionary<string, string>();
        await using (var first = await RunningApp.StartAsync(publish, environment, "Shop.dll"))
        {
            foreach (var name in names)
            {
                var response = await first.Client.PostAsync($"/api/generate-report?name={name}&ms=4000", null);
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                ids[name] = response.Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
            }

            await first.WaitForOutputAsync("of /api/generate-report started", TimeSpan.FromSeconds(30));

            // A second process on the same store would recover and run the first one's work too: it does not start.
            await using (var intruder = await RunningApp.RunToExitAsync(publish, environment, "Shop.dll"))
            {
                Assert.Equal(1, intruder.ExitCode);
                Assert.Contains($"ApiRoutes: The execution store '{environment["ApiRoutes__Store__Path"]}' is in use by another process (process ", intruder.Output, StringComparison.Ordinal);
                Assert.DoesNotContain("   at ", intruder.Output, StringComparison.Ordinal);
            }

            first.Kill();   // SIGKILL: no drain, no shutdown code runs
            Assert.DoesNotContain("done", first.Output, StringComparison.Ordinal);
        }

        // A row the next process cannot read (a stored request that is not JSON) is recorded as failed; the others run.
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={environment["ApiRoutes__Store__Path"]};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var corrupt = connection.CreateCommand();
            corrupt.CommandText = "UPDATE executions SET request = '{broken' WHERE id = $id";
            corrupt.Parameters.AddWithValue("$id", ids["job7"]);
            Assert.Equal(1, await corrupt.ExecuteNonQueryAsync());
        }

        names.Remove("job7");
        await using var second = await RunningApp.StartAsync(publish, environment, "Shop.dll");
        await second.WaitForOutputAsync("Recovered 6 unfinished execution(s) from the store; 1 recorded as failed", TimeSpan.FromSeconds(30));
        Assert.Contains($"Execution {ids["job7"]} in the store cannot be read", second.Output, StringComparison.Ordinal);

        // The jobs sleep 4 s each, two at a time: allow generously for a loaded machine.
        var deadline = Stopwatch.StartNew();
        while (Done(second.Output).Count < names.Count && deadline.Elapsed < TimeSpan.FromMinutes(3))
        {
            await Task.Delay(250);
        }

        Assert.Equal(names, Done(second.Output).Order());
    }

    private static List<string> Done(string output) => [.. DoneLine().Matches(output).Select(m => m.Groups["name"].Value)];

    [GeneratedRegex(@"Report (?<name>job\d+) done")]
    private static partial Regex DoneLine();
}
