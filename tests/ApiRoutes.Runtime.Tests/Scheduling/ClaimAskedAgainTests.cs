using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ApiRoutes.Execution;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Scheduling;
using ApiRoutes.Storage;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Scheduling;

/// <summary>
/// Review 38a F1, F2: with replicas, a claim of an occurrence that failed for the store's sake was given up at once
/// (event 3011) and recorded nowhere; one whose answer was lost after it landed ran nowhere. It is asked again, with the
/// same execution id, after 1, 2, 4 … s until the store answers or the window ends (here the next occurrence, a minute
/// on); without an answer it is recorded skipped, with why.
/// </summary>
public sealed class ClaimAskedAgainTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 31, 0, 0, 30, TimeSpan.Zero);

    private const string Occurrence = "2026-01-31T00:01:00.0000000+00:00";

    [Theory]
    [InlineData(false)]   // the database away: nothing landed
    [InlineData(true)]    // the first claim landed and its answer was lost (review 38a F2)
    public async Task A_claim_the_store_could_not_answer_is_asked_again_and_the_occurrence_runs_once_when_it_answers(bool firstLanded)
    {
        var store = new ClaimsFail { Failing = 3, FirstLands = firstLanded };
        await using var server = await StartAsync(store);

        server.FakeTime.Advance(TimeSpan.FromSeconds(30));
        await server.WaitForLogAsync(
            $"ApiRoutes[3033] Warning: Schedule /api/minutely: the store cannot be written to claim the occurrence {Occurrence}; the claim is asked again, with the same execution id, until 2026-01-31T00:02:00.0000000+00:00");
        foreach (var (at, wait) in new[] { ("00:01:01", 1), ("00:01:03", 2), ("00:01:07", 4) })
        {
            await server.WaitForLogAsync($"ApiRoutes[3034] Debug: Schedule /api/minutely: the claim of the occurrence {Occurrence} is asked again at 2026-01-31T{at}");
            server.FakeTime.Advance(TimeSpan.FromSeconds(wait));
        }

        var run = await server.WaitForExecutionAsync(r => r.Status == ExecutionStatus.Succeeded);
        await server.WaitForLogAsync($"ApiRoutes[3035] Information: Schedule /api/minutely: the occurrence {Occurrence} is claimed at 2026-01-31T00:01:07");
        await Poll.UntilAsync(async () => (await store.GetOccurrencesAsync(new OccurrenceQuery("/api/minutely"), default)).Count > 0);
        var record = Assert.Single(await store.GetOccurrencesAsync(new OccurrenceQuery("/api/minutely"), default));
        Assert.Equal((Start.AddSeconds(30), OccurrenceOutcome.Ran, run.Id), (record.Occurrence, record.Outcome, record.ExecutionId));
        Assert.Equal(1, server.Probe.Count(nameof(Tick)));
        Assert.Equal(4, store.Attempts);
        Assert.DoesNotContain(server.Logs, line => line.StartsWith("ApiRoutes[3011]", StringComparison.Ordinal) || line.StartsWith("ApiRoutes[3010]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_claim_never_answered_within_the_window_is_recorded_skipped_with_why_and_the_next_occurrence_runs()
    {
        var store = new ClaimsFail { Failing = int.MaxValue };
        await using var server = await StartAsync(store);

        server.FakeTime.Advance(TimeSpan.FromSeconds(30));
        foreach (var (at, wait) in new[] { ("00:01:01", 1), ("00:01:03", 2), ("00:01:07", 4), ("00:01:15", 8), ("00:01:31", 16) })
        {
            await server.WaitForLogAsync($"ApiRoutes[3034] Debug: Schedule /api/minutely: the claim of the occurrence {Occurrence} is asked again at 2026-01-31T{at}");
            server.FakeTime.Advance(TimeSpan.FromSeconds(wait));
        }

        // The next try would come at 00:02:01, past the next occurrence: given up at 00:01:31.
        await server.WaitForLogAsync(
            $"ApiRoutes[3011] Error: Schedule /api/minutely skipped the run at {Occurrence}: the store could not be written to claim it (asked again until 2026-01-31T00:01:31.0000000+00:00; another replica's record of the occurrence says whether it ran there)");
        await Poll.UntilAsync(async () => (await store.GetOccurrencesAsync(new OccurrenceQuery("/api/minutely"), default)).Count > 0);
        var record = Assert.Single(await store.GetOccurrencesAsync(new OccurrenceQuery("/api/minutely"), default));
        Assert.Equal((Start.AddSeconds(30), OccurrenceOutcome.Skipped, (string?)null), (record.Occurrence, record.Outcome, record.ExecutionId));
        Assert.Equal(
            "This replica could not reach the store to claim it (event 3011), though asked again until 2026-01-31T00:01:31.000Z; another replica's record of it says whether it ran there.",
            record.Detail);
        Assert.Equal(6, store.Attempts);
        Assert.Equal(0, server.Probe.Count(nameof(Tick)));

        // The store is back: the next occurrence is claimed and runs (the slot was freed).
        store.Failing = 0;
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/minutely waiting for 2026-01-31T00:02:00");
        server.FakeTime.Advance(TimeSpan.FromSeconds(29));
        await server.WaitForExecutionAsync(r => r.Status == ExecutionStatus.Succeeded && r.Occurrence == Start.AddSeconds(90));
        Assert.Equal(1, server.Probe.Count(nameof(Tick)));
    }

    [Fact]
    public async Task A_run_now_that_meets_a_claim_being_asked_again_is_answered_503_at_once()
    {
        // It would wait for the claim (minutes while the store is away), and a run by hand must not overlap its run.
        var store = new ClaimsFail { Failing = int.MaxValue };
        await using var server = await StartAsync(store, "Development");
        server.FakeTime.Advance(TimeSpan.FromSeconds(30));
        await server.WaitForLogAsync($"ApiRoutes[3034] Debug: Schedule /api/minutely: the claim of the occurrence {Occurrence} is asked again at 2026-01-31T00:01:01");

        var refused = await server.Client.SendAsync(
            new HttpRequestMessage(HttpMethod.Post, "/_apiroutes/api/schedules/run?route=/api/minutely") { Headers = { { "X-ApiRoutes-Dashboard", "1" } } });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(
            $"The occurrence {Occurrence} of /api/minutely is still being claimed (the store could not be written); try again shortly.",
            (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Equal(0, server.Probe.Count(nameof(Tick)));
    }

    // Review 38g: a Run now that came while the scheduler's first claim was under way waited for all of its retries.
    [Fact]
    public async Task A_run_now_that_came_while_the_first_claim_was_under_way_is_answered_503_once_the_claim_is_asked_again()
    {
        var store = new ClaimsFail { Failing = int.MaxValue, HoldFirst = new(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var server = await StartAsync(store, "Development");
        server.FakeTime.Advance(TimeSpan.FromSeconds(30));
        await store.FirstEntered.Task.WaitAsync(Probe.Patience);

        var request = server.Client.SendAsync(
            new HttpRequestMessage(HttpMethod.Post, "/_apiroutes/api/schedules/run?route=/api/minutely") { Headers = { { "X-ApiRoutes-Dashboard", "1" } } });
        await Task.Delay(200);   // in most runs it waits for the slot by then; it is answered alike if it comes later
        Assert.False(request.IsCompleted);
        store.HoldFirst.SetResult();

        var refused = await request.WaitAsync(Probe.Patience);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(0, server.Probe.Count(nameof(Tick)));
    }

    private static async Task<TestServer> StartAsync(ClaimsFail store, string environment = "Production")
    {
        var server = await TestServer.StartAsync(
            Create(ScheduledRoute("/api/minutely", typeof(Tick), "* * * * *")),
            environment,
            options: options => options.Scheduling.Enabled = true,   // in Development too
            now: Start,
            services: s => s.AddSingleton<IExecutionStore>(store).AddSingleton<IReplicaCoordination>(new ElsewhereCoordination()));
        await server.WaitForLogAsync("ApiRoutes[3006] Debug: Schedule /api/minutely waiting for 2026-01-31T00:01:00");
        return server;
    }

    // A store whose next Failing claims fail for the store's sake; the first of them, with FirstLands, after it landed
    // (the statement committed, its answer lost).
    private sealed class ClaimsFail : ForwardingStore
    {
        private int _attempts;
        private int _failing;

        public int Failing
        {
            get => Volatile.Read(ref _failing);
            set => Volatile.Write(ref _failing, value);
        }

        public bool FirstLands { get; init; }

        // The first claim waits for it (one under way).
        public TaskCompletionSource? HoldFirst { get; init; }

        public TaskCompletionSource FirstEntered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Attempts => Volatile.Read(ref _attempts);

        public override async Task<OccurrenceClaim> ClaimOccurrenceAsync(string route, DateTimeOffset occurrence, string executionId, CancellationToken cancellationToken)
        {
            var attempt = Interlocked.Increment(ref _attempts);
            if (attempt == 1)
            {
                FirstEntered.TrySetResult();
                if (HoldFirst is { } hold)
                {
                    await hold.Task.WaitAsync(Probe.Patience, cancellationToken);
                }
            }

            if (attempt > Failing)
            {
                return await base.ClaimOccurrenceAsync(route, occurrence, executionId, cancellationToken);
            }

            if (attempt == 1 && FirstLands)
            {
                await base.ClaimOccurrenceAsync(route, occurrence, executionId, cancellationToken);
            }

            throw new ExecutionStoreUnavailableException("The test's database is away.");
        }
    }
}
