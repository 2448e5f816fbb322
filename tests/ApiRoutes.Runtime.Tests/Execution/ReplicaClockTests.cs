using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using ApiRoutes.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Execution;

/// <summary>
/// Review 17a F3: leases follow the database's clock, schedules and retry delays each replica's own, and nothing said
/// when a replica's clock was off the database's. Each renewal now reads it; a difference beyond a second is told
/// (4009), once, and its end (4010).
/// </summary>
public sealed class ReplicaClockTests
{
    private static readonly DateTimeOffset Sent = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_reading_puts_the_databases_clock_in_the_middle_of_the_round_trip_and_counts_only_what_the_trip_cannot_explain()
    {
        var reading = ClockReading.Of(Sent, TimeSpan.FromMilliseconds(10), Sent.AddMilliseconds(5).AddSeconds(-30));

        Assert.Equal(TimeSpan.FromSeconds(-30), reading.DatabaseAhead);
        Assert.Equal(TimeSpan.FromMilliseconds(5), reading.Uncertainty);
        Assert.Equal(TimeSpan.FromSeconds(30) - TimeSpan.FromMilliseconds(5), reading.AtLeast);
        Assert.Equal(TimeSpan.Zero, ClockReading.Of(Sent, TimeSpan.FromSeconds(4), Sent.AddSeconds(3)).AtLeast);   // 1 s ahead, ± 2 s: perhaps none
        Assert.Equal(TimeSpan.FromSeconds(2), ClockReading.Of(Sent, TimeSpan.FromSeconds(2), Sent.AddSeconds(4)).AtLeast);
    }

    [Fact]
    public async Task A_replica_whose_clock_is_off_the_databases_is_told_once_and_again_when_it_agrees()
    {
        var coordination = new ElsewhereCoordination { NextClock = new ClockReading(TimeSpan.FromSeconds(-30.25), TimeSpan.FromMilliseconds(2)) };
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/slow", typeof(Slow))), services: s => s.AddSingleton<IReplicaCoordination>(coordination));

        await RenewAsync(server, coordination);
        await server.WaitForLogAsync("ApiRoutes[4009] Warning: Replica this-replica's clock is 30.25 s ahead of the database's at a test coordination (read to within 0.002 s). "
            + "Leases follow the database's clock, but schedules and retry delays each replica's own: a scheduled run this replica claims starts that much early, "
            + "and a retry it schedules waits that much more or less where another replica takes it over. Synchronise the machines' clocks (NTP: chrony, systemd-timesyncd); "
            + "when every replica says so, the database's is the one off");
        await RenewAsync(server, coordination);   // still off: not told again
        coordination.NextClock = new ClockReading(TimeSpan.FromSeconds(0.8), TimeSpan.FromMilliseconds(2));   // within the second, not within half of it
        await RenewAsync(server, coordination);
        coordination.NextClock = new ClockReading(TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(400));   // a slow reading: within half a second or not, it cannot say
        await RenewAsync(server, coordination);
        await RenewAsync(server, coordination);   // judged in order: the readings before this one are judged
        Assert.DoesNotContain(server.Logs, line => line.StartsWith("ApiRoutes[4010]", StringComparison.Ordinal));
        coordination.NextClock = new ClockReading(TimeSpan.FromMilliseconds(3), TimeSpan.FromMilliseconds(2));
        await RenewAsync(server, coordination);
        await server.WaitForLogAsync("ApiRoutes[4010] Information: Replica this-replica's clock agrees with the database's again (within 0.5 s)");
        coordination.NextClock = new ClockReading(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1));   // 4 s at least, whenever it was read
        await RenewAsync(server, coordination);
        await server.WaitForLogAsync("ApiRoutes[4009] Warning: Replica this-replica's clock is 5 s behind the database's at a test coordination (read to within 1 s). "
            + "Leases follow the database's clock, but schedules and retry delays each replica's own: a scheduled run this replica claims starts that much late");

        coordination.NextClock = new ClockReading(TimeSpan.FromSeconds(-3), TimeSpan.FromMilliseconds(1));   // stepped past the other way: told again
        await RenewAsync(server, coordination);
        await server.WaitForLogAsync("ApiRoutes[4009] Warning: Replica this-replica's clock is 3 s ahead of the database's");

        // The service judges one renewal after the other: once the last line is there, every earlier judgement is.
        Assert.Equal(3, server.Logs.Count(line => line.StartsWith("ApiRoutes[4009]", StringComparison.Ordinal)));
        Assert.Single(server.Logs, line => line.StartsWith("ApiRoutes[4010]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_reading_within_the_round_trip_of_a_second_is_not_told()
    {
        var coordination = new ElsewhereCoordination { NextClock = new ClockReading(TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(0.6)) };
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/slow", typeof(Slow))), services: s => s.AddSingleton<IReplicaCoordination>(coordination));

        await RenewAsync(server, coordination);
        coordination.NextClock = new ClockReading(TimeSpan.FromSeconds(-1.5), TimeSpan.FromMilliseconds(600));
        await RenewAsync(server, coordination);
        coordination.NextClock = new ClockReading(TimeSpan.FromSeconds(-1.5), TimeSpan.FromMilliseconds(1));   // the same difference read closely: told
        await RenewAsync(server, coordination);

        await server.WaitForLogAsync("ApiRoutes[4009] Warning: Replica this-replica's clock is 1.5 s ahead of the database's at a test coordination (read to within 0.001 s)");
        Assert.Single(server.Logs, line => line.StartsWith("ApiRoutes[4009]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_renewal_at_PostgreSQL_reads_its_clock_which_on_this_machine_agrees_with_the_machines()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        await using var store = PostgresExecutionStore.Open(database, TimeSpan.FromSeconds(30), new FakeTimeProvider(new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero)), NullLogger.Instance);
        Assert.Null(store.Coordination.Clock);

        Assert.Equal(LeaseRenewal.Renewed, await store.Coordination.RenewLeaseAsync(default));

        // The server runs on this machine: one clock, read over a round trip (the app's fake clock, years ahead, is not it).
        var clock = Assert.NotNull(store.Coordination.Clock);
        Assert.InRange(clock.Uncertainty, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        Assert.InRange(clock.DatabaseAhead, -(clock.Uncertainty + TimeSpan.FromMilliseconds(50)), clock.Uncertainty + TimeSpan.FromMilliseconds(50));
    }

    // One renewal (every third of the test coordination's minute) that read the clock set last, stepped until it has
    // happened: a renewal due from a step before may run without one and read the clock set before.
    private static async Task RenewAsync(TestServer server, ElsewhereCoordination coordination)
    {
        var before = coordination.Renewals;
        await Poll.SteppingAsync(server.FakeTime, TimeSpan.FromSeconds(20), maxSteps: 5, Renewed);
        Assert.True(Renewed(), "no renewal after five periods");

        bool Renewed() => coordination.LastRead is var (count, clock) && count > before && clock == coordination.NextClock;
    }
}
