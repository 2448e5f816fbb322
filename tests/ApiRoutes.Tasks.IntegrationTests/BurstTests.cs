using System.Collections.Concurrent;
using System.Net;
using ApiRoutes.Tasks.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace ApiRoutes.Tasks.IntegrationTests;

/// <summary>
/// Exactly once where the promise says once: bursts of background requests to the published app on its SQLite store,
/// stopped mid-burst with SIGTERM (nothing may run twice) or SIGKILL (every 202 runs at least once, and only what had
/// started may run again). The handler writes a journal line when it starts and when it is done, with its process id
/// and execution id, synchronously, so a SIGKILL loses none.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class BurstTests(PackageFixture package, ITestOutputHelper output)
{
    private const int Bursts = 4;
    private const int RequestsPerBurst = 30;

    private const string Work = """
        using ApiRoutes;
        using Microsoft.AspNetCore.Http;

        namespace Shop.Api;

        [BackgroundRoute]
        public sealed class Work : IApiHandler
        {
            private static readonly object Gate = new();

            public async Task HandleAsync(HttpContext context)
            {
                Journal("start", context.TraceIdentifier);
                var ms = int.Parse(context.Request.Query["ms"]!);

                // Some handlers ignore RequestAborted, as real ones do: they finish although shutdown cut them.
                await (context.Request.Query["ignore"] == "1" ? Task.Delay(ms) : Task.Delay(ms, context.RequestAborted));
                Journal("done", context.TraceIdentifier);
            }

            private static void Journal(string what, string id)
            {
                lock (Gate)
                {
                    File.AppendAllText(Environment.GetEnvironmentVariable("WORK_JOURNAL")!, $"{what} {Environment.ProcessId} {id}\n");
                }
            }
        }
        """;

    [Fact]
    public async Task Sigterm_mid_burst_never_runs_an_execution_twice()
    {
        var (accepted, journal, _) = await BurstAsync(app => app.TerminateAsync(TimeSpan.FromSeconds(60)));

        var done = Done(journal);
        output.WriteLine($"SIGTERM: {Bursts} bursts, {accepted.Count} accepted, {done.Count} done, {done.Count(pair => pair.Value > 1)} twice, {accepted.Count(id => !done.ContainsKey(id))} lost");
        Assert.Equal([], accepted.Where(id => !done.ContainsKey(id)));                // lost
        Assert.Equal([], done.Where(pair => pair.Value > 1).Select(pair => pair.Key));   // ran twice
        Assert.InRange(accepted.Count, Bursts * RequestsPerBurst / 3, Bursts * RequestsPerBurst);
    }

    [Fact]
    public async Task Sigkill_mid_burst_runs_every_accepted_execution_and_repeats_only_started_ones()
    {
        var (accepted, journal, killed) = await BurstAsync(app =>
        {
            app.Kill();
            return Task.FromResult(137);
        });

        var done = Done(journal);
        var startedInKilled = journal.Where(line => line[0] == "start" && killed.Contains(line[1])).Select(line => line[2]).ToHashSet();
        output.WriteLine($"SIGKILL: {Bursts} bursts, {accepted.Count} accepted, {done.Count} done, {done.Count(pair => pair.Value > 1)} repeated after a kill, {accepted.Count(id => !done.ContainsKey(id))} lost");
        Assert.Equal([], accepted.Where(id => !done.ContainsKey(id)));
        Assert.Equal([], done.Where(pair => pair.Value > 1 && !startedInKilled.Contains(pair.Key)).Select(pair => pair.Key));
    }

    // Bursts against a fresh process each, each stopped by STOP once a third of its requests were accepted; then one
    // last process runs what was left. Returns the accepted ids, the journal and the stopped processes' ids.
    private async Task<(List<string> Accepted, List<string[]> Journal, HashSet<string> Stopped)> BurstAsync(Func<RunningApp, Task<int>> stop)
    {
        var project = Sources.Shop(package).Write("Api/Work.cs", Work);
        var publish = Path.Combine(project.Directory, "out");
        (await project.RunAsync("publish", "-o", publish)).ShouldSucceed();
        var journalPath = Path.Combine(project.Directory, "journal.txt");
        var environment = new Dictionary<string, string>(project.Environment)
        {
            ["ApiRoutes__Store__Path"] = Path.Combine(project.Directory, "store", "executions.db"),
            ["ApiRoutes__Background__MaxConcurrency"] = "4",
            ["ApiRoutes__ShutdownDrainTimeout"] = "00:00:01",
            ["WORK_JOURNAL"] = journalPath,
        };

        // A run cut by a stop counts as an attempt: allow more attempts than there are stops, so that every accepted
        // execution must finish (with the default three, one cut in three stops in a row is recorded as failed).
        for (var retry = 0; retry <= Bursts; retry++)
        {
            environment[$"ApiRoutes__Background__RetryDelays__{retry}"] = "00:00:00";
        }

        var accepted = new ConcurrentBag<string>();
        var stopped = new HashSet<string>();
        var random = new Random(20261201);
        for (var burst = 0; burst < Bursts; burst++)
        {
            await using var app = await RunningApp.StartAsync(publish, environment, "Shop.dll");
            stopped.Add(app.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var third = new TaskCompletionSource();
            // Most are short; some outlast the 1-second drain, and half of those ignore the cut.
            var delays = Enumerable.Range(0, RequestsPerBurst).Select(i => (Ms: i % 5 == 0 ? random.Next(1000, 1800) : random.Next(50, 400), Ignore: i % 2)).ToList();
            var requests = delays.Select(async work =>
            {
                try
                {
                    var response = await app.Client.PostAsync($"/api/work?ms={work.Ms}&ignore={work.Ignore}", null);
                    if (response.StatusCode == HttpStatusCode.Accepted)
                    {
                        accepted.Add(response.Headers.GetValues("X-ApiRoutes-Execution-Id").Single());
                    }
                }
                catch (HttpRequestException)
                {
                    // The process went away before it answered: not accepted.
                }

                if (accepted.Count >= (burst * RequestsPerBurst) + (RequestsPerBurst / 3))
                {
                    third.TrySetResult();
                }
            }).ToList();
            await third.Task.WaitAsync(TimeSpan.FromSeconds(60));
            await stop(app);
            await Task.WhenAll(requests);
        }

        await using (var last = await RunningApp.StartAsync(publish, environment, "Shop.dll"))
        {
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (accepted.Any(id => !Done(Read(journalPath)).ContainsKey(id)) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }

            await last.TerminateAsync(TimeSpan.FromSeconds(60));
        }

        return ([.. accepted], Read(journalPath), stopped);
    }

    private static List<string[]> Read(string path) =>
        File.Exists(path) ? [.. File.ReadAllLines(path).Select(line => line.Split(' '))] : [];

    private static Dictionary<string, int> Done(List<string[]> journal) =>
        journal.Where(line => line[0] == "done").GroupBy(line => line[2]).ToDictionary(group => group.Key, group => group.Count());
}
