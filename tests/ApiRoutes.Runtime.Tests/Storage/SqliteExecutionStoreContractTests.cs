using ApiRoutes.Storage;
using Microsoft.Data.Sqlite;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>The SQLite store passes the durable contract, on a file of its own per test.</summary>
public sealed class SqliteExecutionStoreContractTests : DurableExecutionStoreContract
{
    private readonly string _folder = Directory.CreateTempSubdirectory("apiroutes-contract-").FullName;

    private string DatabasePath => Path.Combine(_folder, "executions.db");

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private protected override Task<IExecutionStore> OpenAsync() => Task.FromResult<IExecutionStore>(SqliteExecutionStore.Open(DatabasePath, Time));

    // A time in a format the store never writes: the row's record cannot be read.
    private protected override async Task CorruptAsync(string id)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE executions SET accepted_at = 'yesterday' WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    private protected override async Task WriteEarlierAttemptsAsync(string id, string text)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE executions SET earlier_attempts = $text WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$text", text);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    [Fact]
    public async Task A_pause_row_whose_times_are_not_instants_is_left_out_and_the_others_are_read()
    {
        await Store.SetPauseAsync(new SchedulePause("/api/tick", null, At(0)), default);
        await Store.SetPauseAsync(new SchedulePause("/api/tock", At(60), At(0)), default);
        await using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE schedule_pauses SET until = 'soon' WHERE route = '/api/tock'; INSERT INTO schedule_pauses VALUES (x'00ff', NULL, 7)";
            await command.ExecuteNonQueryAsync();
        }

        Assert.Equal(["/api/tick"], (await Store.GetPausesAsync(default)).Select(p => p.Route));
    }

    [Theory]
    [InlineData("2026-01-01T05:00:00+05:00")]   // an instant, but not as the store writes one: the claim and the reads must agree
    [InlineData("2026-01-01T00:05:00Z")]
    [InlineData("soon")]
    public async Task A_pause_whose_until_was_edited_by_hand_is_no_pause_for_the_claim_either(string until)
    {
        await Store.SetPauseAsync(new SchedulePause("/api/tick", At(60), At(0)), default);
        await using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE schedule_pauses SET until = $until";
            command.Parameters.AddWithValue("$until", until);
            await command.ExecuteNonQueryAsync();
        }

        Assert.Empty(await Store.GetPausesAsync(default));
        Assert.True((await Store.ClaimOccurrenceAsync("/api/tick", At(1), "a", default)).Claimed);
    }

    [Fact]
    public async Task A_pause_row_whose_until_is_not_an_instant_becomes_no_record_when_another_pause_replaces_it()
    {
        // Review 32c F4: read as no pause, it became a span from its start to the new pause's, and refused what came then.
        await Store.SetPauseAsync(new SchedulePause("/api/tick", At(60), At(0)), default);
        await using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE schedule_pauses SET until = 'soon'";
            await command.ExecuteNonQueryAsync();
        }

        await Store.SetPauseAsync(new SchedulePause("/api/tick", At(400), At(360)), default);
        Time.Advance(TimeSpan.FromHours(8));

        Assert.Equal([At(360)], (await Store.GetPausesAsync(default)).Select(pause => pause.PausedAt));
        Assert.True((await Store.ClaimOccurrenceAsync("/api/tick", At(180), "a", default)).Claimed);
    }

    [Theory]
    [InlineData("UPDATE schedule_pauses_ended SET until = 'soon'")]
    [InlineData("UPDATE schedule_pauses_ended SET paused_at = '2026-01-01T00:00:00+00:00'")]
    [InlineData("UPDATE schedule_pauses_ended SET route = x'00ff', paused_at = 7")]
    public async Task An_ended_pause_row_whose_times_are_not_instants_is_no_pause_for_the_reads_or_the_claim(string damage)
    {
        await Store.SetPauseAsync(new SchedulePause("/api/tick", At(60), At(0)), default);
        await Store.SetPauseAsync(new SchedulePause("/api/tick", At(180), At(120)), default);   // the first kept, ended
        Time.Advance(TimeSpan.FromHours(5));
        await using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = damage;
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        Assert.Equal([At(120)], (await Store.GetPausesAsync(default)).Select(pause => pause.PausedAt));
        Assert.True((await Store.ClaimOccurrenceAsync("/api/tick", At(30), "a", default)).Claimed);
        Assert.False((await Store.ClaimOccurrenceAsync("/api/tick", At(150), "b", default)).Claimed);
    }

    [Theory]
    [InlineData("UPDATE schedules_served SET since = 'yesterday'")]
    [InlineData("UPDATE schedules_served SET schedule = x'00ff', since = 7")]
    [InlineData("UPDATE schedule_runs SET occurrence = 'soon' WHERE execution_id = 'b'")]
    public async Task A_served_schedule_or_claim_edited_by_hand_is_nothing_known_and_the_next_start_replaces_it(string damage)
    {
        await Store.ClaimOccurrenceAsync("/api/tick", At(0), "a", default);
        await Store.ClaimOccurrenceAsync("/api/tick", At(60), "b", default);
        await Store.ServeScheduleAsync("/api/tick", "0 * * * *", At(0), default);
        await using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = damage;
            await command.ExecuteNonQueryAsync();
        }

        var damagedClaim = damage.Contains("schedule_runs", StringComparison.Ordinal);
        Assert.Equal(damagedClaim ? new ServedSchedule("0 * * * *", At(0)) : default, await Store.ServeScheduleAsync("/api/tick", "0 * * * *", At(90), default));
        Assert.Equal(damagedClaim ? new ServedSchedule("0 * * * *", At(0)) : new ServedSchedule("0 * * * *", At(90)), await Store.ServeScheduleAsync("/api/tick", "0 * * * *", At(120), default));
        Assert.Equal(damagedClaim ? new LastClaims(At(0), At(0)) : new LastClaims(At(60), At(60)), await Store.GetLastOccurrenceAsync("/api/tick", At(100), default));
    }
}
