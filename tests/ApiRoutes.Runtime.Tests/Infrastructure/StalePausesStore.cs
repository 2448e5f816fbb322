using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Storage;

namespace ApiRoutes.Runtime.Tests.Infrastructure;

/// <summary>
/// A store shared with another replica whose dashboard pauses a schedule right after this replica last read the
/// pauses: this replica's reads never see the pause, but the store holds it.
/// </summary>
internal sealed class StalePausesStore : ForwardingStore
{
    public override Task<IReadOnlyList<SchedulePause>> GetPausesAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<SchedulePause>>([]);

    /// <summary>Pauses the schedule as the other replica's dashboard does.</summary>
    public Task PauseElsewhereAsync(string route, DateTimeOffset now) => Inner.SetPauseAsync(new SchedulePause(route, null, now), default);

    /// <summary>The occurrence records of <paramref name="route"/> once there are any (bounded by the probe's patience).</summary>
    public async Task<IReadOnlyList<OccurrenceRecord>> WaitForOccurrencesAsync(string route)
    {
        var deadline = DateTime.UtcNow + Probe.Patience;
        IReadOnlyList<OccurrenceRecord> records;
        while ((records = await GetOccurrencesAsync(new OccurrenceQuery(route), default)).Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        return records;
    }
}
