using ApiRoutes.Background;
using ApiRoutes.Diagnostics;
using ApiRoutes.Execution;
using ApiRoutes.Scheduling;
using ApiRoutes.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ApiRoutes.Hosting;

/// <summary>
/// At start-up, in the background, once the <see cref="StartupWorkGate"/> opens (after the first answer, at the latest
/// a second after the app listens: the first request neither waits for it nor shares the CPU with it): loads the recent history for the
/// dashboard, and takes up the work that did not finish before the last stop or crash — every unfinished execution
/// when the process is alone with its store, those of replicas gone when replicas share it. It takes a queue's room at
/// a time (as <see cref="TakeOverService"/> does), so unfinished work past <c>MaxQueueLength</c> is never all in memory
/// at once: alone, it reads the next page as soon as the queue has room again, and new requests wait behind it (they are
/// refused while it has rows that could run and waits for room: <see cref="BackgroundQueue.RecoveryAhead"/>); with
/// replicas, what it cannot take now is left to the take-over of the others, and of its own. Stopping waits for it, so
/// what it queues is in the queue before the drain.
/// </summary>
internal sealed class StartupRecoveryService(
    IExecutionStore store,
    ExecutionLifecycle lifecycle,
    ExecutionLog log,
    BackgroundQueue queue,
    TimeProvider time,
    IOptions<ApiRoutesOptions> options,
    ILoggerFactory loggerFactory,
    StartupWorkGate gate,
    OccurrenceLog occurrences,
    IReplicaCoordination? coordination = null,
    StartupRecoveryService.Limits? limits = null) : IHostedService, IDisposable
{
    /// <summary>Bounds of one start's recovery; the defaults in production, lower in tests.</summary>
    internal sealed class Limits
    {
        /// <summary>
        /// At most how many pages that take up nothing are read (those whose rows' ends are still being written, or
        /// whose retries wait for room). A page that takes rows up is not counted: those pages are bounded by the rows
        /// stored, each taken up once (note 42: counting them stopped recovery after 100,000 pages of one freed place).
        /// </summary>
        public int MaxIdlePages { get; init; } = 100_000;
    }

    private const int History = 1000;

    // How often rows whose end is still being written, or retries past their room, are looked at again (a wait for a freed
    // place of a full queue reads no page: review 39a F5).
    private static readonly TimeSpan PageWait = TimeSpan.FromSeconds(1);

    // How long a wait for a place beside the queue for stored retries lasts at most, should a wake-up be missed: such a
    // place frees when a retry held here comes due, which may be hours away.
    private static readonly TimeSpan RetryRoomWait = TimeSpan.FromMinutes(1);

    private readonly ILogger _logger = loggerFactory.CreateLogger(Log.Category);

    // Never disposed (without a timer it holds nothing to release), as the runner's cut: the container may be disposed
    // before the host stops its services (WebApplicationFactory does), and both must be able to cancel, in any order.
    private readonly CancellationTokenSource _stopping = new();
    private Task _recovery = Task.CompletedTask;
    private DateTimeOffset _startedAt;

    /// <summary>Completes when recovery has done all it does at this start (or was stopped).</summary>
    internal Task Recovered => _recovery;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _startedAt = time.GetUtcNow();   // before any claim of this process (the scheduler waits for the gate)
        _recovery = Task.Run(RecoverAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    // What is not taken up by then stays in the store, for the next start (or another replica).
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _recovery.WaitAsync(cancellationToken);
    }

    // Disposed before it was stopped: a wait for the gate or for room ends now.
    public void Dispose() => _stopping.Cancel();

    private async Task RecoverAsync()
    {
        try
        {
            // Stopped before it opened: the unfinished work stays in the store for the next start (or another replica).
            await gate.WaitAsync(_stopping.Token);
            var history = await store.GetRecentAsync(History, CancellationToken.None);
            lifecycle.Remember(history);
            _logger.HistoryLoaded(history.Count);

            if (coordination is not null)
            {
                var room = queue.RoomToClaim(options.Value.Background.MaxQueueLength);
                if (room > 0)
                {
                    // Every row claimed is taken up (the claim made this replica its holder: one left aside would run
                    // nowhere while it lives); the claim's limit is the room (review 17d M4).
                    Report(lifecycle.Resume(await coordination.ClaimUnfinishedAsync(room, lifecycle.ServedRoutes, CancellationToken.None), int.MaxValue));
                }

                return;
            }

            try
            {
                await RecoverAloneAsync();
            }
            finally
            {
                queue.RecoveryAhead = false;
            }

            await RecordClaimsNeverRunAsync();
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stopped while it waited for the gate, or for room.
        }
#pragma warning disable CA1031 // Recovery must never take the process down, at start-up or at shutdown.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _logger.StoreWriteFailed("(recovery at start-up)", e);
        }
    }

    // Occurrences a process before this one claimed and wrote no run of (a kill in the moment between; or a store that
    // could not be written then, while the run went ahead: review 32d F2): claimed, they are not run again by a replayed
    // trigger or the scheduler; they are recorded missed with why, rather than left without a word (review 32b F4).
    // Those within retention (the runs of older claims may be pruned; retention keeps the run of each schedule's latest).
    // Occurrences whose run was written and whose record was not (a kill between them) are recorded ran (review 44b F2),
    // and those claimed as skipped whose record was not, skipped (review 48A F1).
    private async Task RecordClaimsNeverRunAsync()
    {
        var since = time.GetUtcNow() - options.Value.Store.Retention;
        foreach (var claim in await store.GetClaimsNeverRunAsync(since, _startedAt, CancellationToken.None))
        {
            occurrences.ClaimNeverRun(claim);
        }

        foreach (var claim in await store.GetClaimsRunUnrecordedAsync(since, _startedAt, CancellationToken.None))
        {
            occurrences.Unrecorded(claim);
        }
    }

    // Page by page, each of at most the queue's room, until no unfinished row is left that this process does not hold.
    // A page reads as many more rows as this process holds (they are skipped) and as it took up before and still finds
    // unfinished (their ends may not have been written yet), so each page has room's worth of rows to take up, if the
    // store has them. What it took up is remembered here too, not only by the log: the log keeps an execution it holds
    // until its end is written (UnwrittenEnds), but a row recorded failed as it was taken up (its route gone, unreadable)
    // is not held, and is not run again while its end is still being written.
    private async Task RecoverAloneAsync()
    {
        var taken = new Dictionary<string, ExecutionRecord>(StringComparer.Ordinal);   // id -> its row as last read
        var maxIdle = (limits ?? new Limits()).MaxIdlePages;
        for (var idle = 0; idle < maxIdle && !queue.IsClosed;)
        {
            var room = Room();
            while (room <= 0)
            {
                // Woken by the place a worker frees, not by a poll: a new request would take it first (review 39a F5). Looked
                // for again after PageWait all the same, should a wake-up have crossed the wait (review 39g F4).
                await WakeAsync(queue.RoomFreedAsync(), PageWait);

                if (queue.IsClosed)
                {
                    return;
                }

                room = Room();
            }

            var limit = room + log.HeldUnfinished().Count + taken.Count;
            // Rows that can run now first: retries past their room never hide them (review 41c R3).
            var now = time.GetUtcNow();
            var rows = await store.GetUnfinishedAsync(limit, now, CancellationToken.None);
            Landed(taken, rows, rows.Count < limit, now);
            var fresh = rows.Where(row => !taken.ContainsKey(row.Record.Id)).ToList();
            var resumed = lifecycle.Resume(fresh, room);
            foreach (var row in fresh.Where(row => log.Held(row.Record.Id) is not null || log.Find(row.Record.Id) is { Status: ExecutionStatus.Failed }))
            {
                taken[row.Record.Id] = row.Record;
            }

            Report(resumed);
            if (rows.Count < limit && resumed.Left == 0)
            {
                return;
            }

            // Rows that could run now wait for room ahead of new requests; so may more behind a page read whole that filled
            // the room. Not retries waiting out their delay: they need no room to run now, and a store holding many of them
            // refused every new request with the workers idle (review 39g F2).
            queue.RecoveryAhead = resumed.LeftToRun > 0 || (rows.Count == limit && Room() <= 0);

            if (resumed.Requeued + resumed.Failed > 0)
            {
                continue;
            }

            idle++;
            if (resumed.Left > 0 && resumed.LeftToRun == 0)
            {
                // Only retries past their room: looked for again when a place of it frees, not every second (each page
                // read their rows with their requests, for hours when they were due in hours).
                // Or when the first of them comes due (it runs then, as work that can run now), and, while new requests
                // are refused for recovery, when a place of the queue frees (the next page says whether to go on refusing).
                now = time.GetUtcNow();
                var until = fresh.Where(row => !taken.ContainsKey(row.Record.Id) && log.Held(row.Record.Id) is null && row.Record.RetryAt is not null)
                    .Select(row => row.Record.RetryAt!.Value).Append(now + RetryRoomWait).Min();
                var wake = queue.RecoveryAhead ? Task.WhenAny(queue.RetryRoomFreedAsync(), queue.RoomFreedAsync()) : queue.RetryRoomFreedAsync();
                await WakeAsync(wake, until > now ? until - now : TimeSpan.Zero);
            }
            else
            {
                await Task.Delay(PageWait, time, _stopping.Token);   // only rows whose end is still being written
            }
        }
    }

    // Until wake completes or at most for the given time (by the app's clock); cancelled by the stop.
    private async Task WakeAsync(Task wake, TimeSpan most)
    {
        try
        {
            await wake.WaitAsync(most, time, _stopping.Token);
        }
        catch (TimeoutException)
        {
        }
    }

    // The rows come in the store's order (those that can run at now, then retries still waiting: UnfinishedOrder): one
    // taken up here that is missing from a page, though before its last row in that order (or from a page that holds every
    // unfinished row), has its end written, and is forgotten. Its place is judged by its row as last read (this process
    // writes it, and keeps one whose end did not land: UnwrittenEnds).
    private static void Landed(Dictionary<string, ExecutionRecord> taken, IReadOnlyList<StoredExecution> rows, bool all, DateTimeOffset now)
    {
        if (taken.Count == 0 || rows.Count == 0 && !all)
        {
            return;
        }

        var seen = rows.Select(row => row.Record.Id).ToHashSet(StringComparer.Ordinal);
        var last = all ? null : rows[^1].Record;
        foreach (var id in taken.Where(entry => (last is null || UnfinishedOrder.Before(entry.Value, last, now)) && !seen.Contains(entry.Key)).Select(entry => entry.Key).ToList())
        {
            taken.Remove(id);
        }
    }

    // Room to run: retries waiting out their delay are bounded apart (Resume), and never take the room of runnable rows.
    private int Room() => Math.Min(1000, options.Value.Background.MaxQueueLength - queue.Waiting);

    private void Report((int Requeued, int Failed, int Left, int LeftToRun) resumed)
    {
        if (resumed.Requeued + resumed.Failed > 0)
        {
            _logger.Recovered(resumed.Requeued, resumed.Failed);
        }
    }
}
