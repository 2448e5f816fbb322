using System.Globalization;
using System.Net;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Scheduling;
using ApiRoutes.Storage;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Scheduling;

/// <summary>
/// Review 47C F1 (the race 46b F2 left): a skip is final only once the store says so. The trigger endpoint refused an
/// occurrence skipped for an overlap by reading its skip record, which is written apart and not awaited (the
/// <see cref="OccurrenceLog"/>, again every 5 s while the store fails): a trigger sent again before it landed — a
/// proxy's retry, the platform's resend, another replica — claimed the occurrence and ran it late. The skip now claims
/// the occurrence in the store, as a run does, so any later claim of it is refused as skipped.
/// </summary>
public sealed class DurableSkipTests
{
    private const string Secret = "0123456789abcdef0123456789abcdef-test-secret";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_occurrence_skipped_for_an_overlap_is_not_run_late_by_a_trigger_sent_before_its_skip_record_landed(bool sqlite)
    {
        var folder = Directory.CreateTempSubdirectory("apiroutes-47c-").FullName;
        SkipRecordsHeldBack? store = null;
        try
        {
            await using var server = await TestServer.StartAsync(
                Create(ScheduledRoute("/api/tick", typeof(Tick), "*/5 * * * *", timeLimitSeconds: 900)),
                options: o =>
                {
                    o.Scheduling.Enabled = false;
                    o.Scheduling.ExternalTriggerSecret = Secret;
                },
                services: s => s.AddSingleton<IExecutionStore>(sp => store = new SkipRecordsHeldBack(
                    sqlite ? SqliteExecutionStore.Open(Path.Combine(folder, "store.db"), sp.GetRequiredService<TimeProvider>()) : null)));
            server.FakeTime.Advance(TimeSpan.FromMinutes(10));   // 00:10
            server.Services.GetRequiredService<TickOptions>().Block = true;
            Assert.Equal(HttpStatusCode.Accepted, (await Trigger(server, "2026-01-01T00:10:00Z")).StatusCode);
            await server.Probe.NextAsync();

            // 00:15: the 00:10 run still goes, so 00:15 is skipped; its record does not land (held back, as a store that
            // cannot be written holds it, or as it is on its way).
            server.FakeTime.Advance(TimeSpan.FromMinutes(5));
            Assert.Equal(HttpStatusCode.Conflict, (await Trigger(server, "2026-01-01T00:15:00Z")).StatusCode);
            Assert.True(store!.HeldBack > 0);

            server.Probe.Open("tick");
            await server.WaitForExecutionAsync(r => r.Status == ExecutionStatus.Succeeded);
            server.FakeTime.Advance(TimeSpan.FromMinutes(2));   // 00:17, the previous run over, the skip record still held back

            var again = await Trigger(server, "2026-01-01T00:15:00Z");

            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
            Assert.StartsWith("The occurrence 2026-01-01T00:15:00.0000000+00:00 of /api/tick was skipped: the previous run (", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(1, server.Probe.Count(nameof(Tick)));
            var records = await server.Services.GetRequiredService<IExecutionStore>().GetOccurrencesAsync(new OccurrenceQuery("/api/tick", Limit: 10), default);
            Assert.DoesNotContain(records, record => record.Occurrence.Minute == 15 && record.Outcome == OccurrenceOutcome.Ran);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static Task<HttpResponseMessage> Trigger(TestServer server, string occurrence) =>
        server.Client.SendAsync(TriggerSignature.CreateRequest(
            Secret, "/api/tick", occurrence, server.FakeTime.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));

    // Records of skips do not land (the store "cannot be written" for them: kept and written again, and failing again).
    private sealed class SkipRecordsHeldBack(IExecutionStore? inner) : ForwardingStore(inner), IAsyncDisposable
    {
        private int _heldBack;

        public int HeldBack => Volatile.Read(ref _heldBack);

        public override Task RecordOccurrenceAsync(OccurrenceRecord record, CancellationToken cancellationToken)
        {
            if (record.Outcome != OccurrenceOutcome.Skipped)
            {
                return base.RecordOccurrenceAsync(record, cancellationToken);
            }

            Interlocked.Increment(ref _heldBack);
            return Task.FromException(new ExecutionStoreUnavailableException("The test's store holds the skip records back."));
        }

        public ValueTask DisposeAsync() => Inner is IAsyncDisposable disposable ? disposable.DisposeAsync() : ValueTask.CompletedTask;
    }
}
