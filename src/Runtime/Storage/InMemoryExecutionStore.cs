using System.Collections.Concurrent;
using ApiRoutes.Execution;

namespace ApiRoutes.Storage;

/// <summary>
/// Keeps nothing across restarts (ApiRoutes:Store:Provider = InMemory): executions, schedule claims and occurrence
/// records live in this process's memory, with the same answers as the durable stores while it lives. Unfinished
/// executions are kept with their requests until they finish; of the finished ones, the latest
/// <see cref="MaxFinished"/> (and only until retention prunes them), with the requests of the latest
/// <see cref="MaxReplayable"/> that failed (to replay them); of occurrence records, the latest
/// <see cref="MaxOccurrences"/>: so memory stays bounded.
/// </summary>
internal sealed class InMemoryExecutionStore(TimeProvider time) : IExecutionStore, IAsyncDisposable
{
    public const int MaxFinished = 10_000;

    public const int MaxReplayable = 1000;

    public const int MaxOccurrences = 10_000;

    // Striped plain dictionaries of struct entries, not a ConcurrentDictionary of objects: an execution held here costs
    // no object of its own (no node, no entry) beyond its record and request, and growth copies one stripe's array.
    private readonly StripedDictionary<Entry> _executions = new();
    private readonly ConcurrentQueue<string> _finished = new();
    // Skipped: the claim is a skip's (SkipOccurrenceAsync), its execution the run that still went (review 47C F1).
    private readonly ConcurrentDictionary<(string Route, DateTimeOffset Occurrence), (DateTimeOffset ClaimedAt, string ExecutionId, bool Skipped)> _claims = new();
    private readonly ConcurrentDictionary<string, (string Schedule, DateTimeOffset Since)> _served = new(StringComparer.Ordinal);

    private readonly ConcurrentQueue<string> _replayable = new();
    private readonly ConcurrentDictionary<(string Route, DateTimeOffset Occurrence, OccurrenceOutcome Outcome), OccurrenceRecord> _occurrences = new();
    private readonly ConcurrentDictionary<string, SchedulePauseHistory> _pauses = new(StringComparer.Ordinal);
    private readonly Lock _pausing = new();
    private readonly ConcurrentQueue<(string, DateTimeOffset, OccurrenceOutcome)> _occurrenceOrder = new();

    // Idempotency keys (route, key) and the execution each was accepted as; a key whose execution is gone is free again.
    // Behind one lock: a key and its execution's entry are added together, so no second add finds the key without it.
    private readonly Dictionary<(string Route, string Key), (string Id, string Fingerprint)> _keys = [];
    private int _sweepKeysAt = MinKeySweep;
    private volatile bool _closed;

    private const int MinKeySweep = 1024;

    public bool IsDurable => false;

    public Task AddAsync(ExecutionRecord record, RequestSnapshot? request, CancellationToken cancellationToken)
    {
        if (_closed)
        {
            return Closed<bool>();
        }

        _executions.Set(record.Id, new Entry(record, IsFinished(record.Status) ? null : request));
        if (IsFinished(record.Status))
        {
            Finished(record.Id);
        }

        return Task.CompletedTask;
    }

    public Task<KeyedAdd> AddOnceAsync(ExecutionRecord record, RequestSnapshot request, IdempotencyKey key, CancellationToken cancellationToken)
    {
        if (_closed)
        {
            return Closed<KeyedAdd>();
        }

        lock (_keys)
        {
            if (Held(record.Route, key) is { } held)
            {
                return Task.FromResult(held);
            }

            _keys[(record.Route, key.Value)] = (record.Id, key.Fingerprint);
            _ = AddAsync(record, request, cancellationToken);

            // Keys of executions let go (past MaxFinished, pruned) are dropped now and then: at most twice those kept.
            if (_keys.Count >= _sweepKeysAt)
            {
                SweepKeys();
                _sweepKeysAt = Math.Max(MinKeySweep, _keys.Count * 2);
            }
        }

        return Task.FromResult(KeyedAdd.Stored);
    }

    public Task<KeyedAdd?> FindKeyAsync(string route, IdempotencyKey key, CancellationToken cancellationToken)
    {
        lock (_keys)
        {
            return Task.FromResult(Held(route, key));
        }
    }

    // Under the keys' lock.
    private KeyedAdd? Held(string route, IdempotencyKey key) =>
        _keys.TryGetValue((route, key.Value), out var held) && _executions.TryGetValue(held.Id, out _)
            ? new KeyedAdd(held.Id, held.Fingerprint == key.Fingerprint)
            : null;

    // Under the keys' lock.
    private void SweepKeys()
    {
        foreach (var (slot, held) in _keys)
        {
            if (!_executions.TryGetValue(held.Id, out _))
            {
                _keys.Remove(slot);
            }
        }
    }

    public Task UpdateAsync(ExecutionRecord record, CancellationToken cancellationToken)
    {
        if (_closed)
        {
            return Closed<bool>();
        }

        var (finishedNow, replayable) = _executions.Update(record.Id, add: true, record, static (ref entry, existed, record) =>
        {
            var finishedNow = IsFinished(record.Status) && !(existed && IsFinished(entry.Record.Status));

            // Never run again: the request is kept only to replay a failure (an entry just added, a default, has none).
            entry = new Entry(record, record.Status == ExecutionStatus.Succeeded ? null : entry.Request);
            return (finishedNow, finishedNow && entry.Request is not null);
        });

        // The bounds are kept outside the entry's stripe lock: they take other stripes' locks.
        if (replayable)
        {
            Replayable(record.Id);
        }

        if (finishedNow)
        {
            Finished(record.Id);
        }

        return Task.CompletedTask;
    }

    public Task<ExecutionRecord?> FindAsync(string id, CancellationToken cancellationToken) =>
        Task.FromResult(_executions.TryGetValue(id, out var entry) ? entry.Record : null);

    public Task<IReadOnlyList<ExecutionRecord>> QueryAsync(ExecutionQuery query, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ExecutionRecord>>([.. _executions.Values().Select(entry => entry.Record).Where(query.Matches)
            .OrderByDescending(record => record.AcceptedAt).ThenBy(record => record.Id, StringComparer.Ordinal).Take(query.Limit)]);

    public Task<RequestSnapshot?> GetRequestAsync(string id, CancellationToken cancellationToken) =>
        Task.FromResult(_executions.TryGetValue(id, out var entry) ? entry.Request : null);

    public Task RecordOccurrenceAsync(OccurrenceRecord record, CancellationToken cancellationToken)
    {
        if (_closed)
        {
            return Closed<bool>();
        }

        var key = (record.Route, record.Occurrence.ToUniversalTime(), record.Outcome);
        if (_occurrences.TryAdd(key, record with { Occurrence = key.Item2, Detail = StoredOccurrence.Bounded(record.Detail), ExecutionStatus = null }))
        {
            _occurrenceOrder.Enqueue(key);
            while (_occurrenceOrder.Count > MaxOccurrences && _occurrenceOrder.TryDequeue(out var oldest))
            {
                _occurrences.TryRemove(oldest, out _);
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<SchedulePause>> GetPausesAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<SchedulePause>>([.. _pauses.Values.SelectMany(pauses => pauses.Pauses)]);

    // A pause of another start than the latest's keeps the latest as superseded (SchedulePauseHistory.With).
    public Task SetPauseAsync(SchedulePause pause, CancellationToken cancellationToken)
    {
        if (_closed)
        {
            return Closed<bool>();
        }

        lock (_pausing)
        {
            _pauses[pause.Route] = (_pauses.GetValueOrDefault(pause.Route) ?? SchedulePauseHistory.None).With(pause);
        }

        return Task.CompletedTask;
    }

    public Task EndPausesAsync(string route, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (_closed)
        {
            return Closed<bool>();
        }

        lock (_pausing)
        {
            if (_pauses.TryGetValue(route, out var pauses))
            {
                _pauses[route] = pauses.EndedAt(at);
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<OccurrenceRecord>> GetOccurrencesAsync(OccurrenceQuery query, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<OccurrenceRecord>>([.. _occurrences.Values.Where(query.Matches)
            .OrderByDescending(record => record.Occurrence).ThenBy(record => record.Route, StringComparer.Ordinal).ThenBy(record => OccurrenceRecord.Name(record.Outcome), StringComparer.Ordinal)
            .Take(query.Limit)
            .Select(record => record with { ExecutionStatus = record.ExecutionId is { } id && _executions.TryGetValue(id, out var entry) ? entry.Record.Status : null })]);

    public Task<IReadOnlyList<StoredExecution>> GetUnfinishedAsync(int limit, DateTimeOffset? runnableAt, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<StoredExecution>>([.. _executions.Values()
            .Select(entry => new StoredExecution(entry.Record, entry.Request))
            .Where(stored => !IsFinished(stored.Record.Status))
            .Order(UnfinishedOrder.Comparer(runnableAt)).Take(limit)]);

    public Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        if (_closed)
        {
            return Closed<int>();
        }

        var pruned = _executions.RemoveWhere(before, static (entry, before) =>
            entry.Record is { FinishedAt: { } finished } record && finished < before && IsFinished(record.Status));

        // Each schedule's latest claim stays, and its latest not ahead of now (the start-up counts what was missed from
        // it when a later one was written while a clock was ahead).
        var now = time.GetUtcNow();
        var latest = _claims.Keys.GroupBy(key => key.Route).ToDictionary(
            group => group.Key, group => group.Where(key => key.Occurrence <= now).Select(key => key.Occurrence).DefaultIfEmpty(DateTimeOffset.MinValue).Max());
        foreach (var (key, (claimedAt, _, _)) in _claims)
        {
            if (claimedAt < before && key.Occurrence < latest[key.Route])
            {
                _claims.TryRemove(key, out _);
            }
        }

        // A pause that ended stays until the schedule went on past it (a claim, or a start that counted what came while
        // no instance was up, at or after its end): the next start reads it to tell what came while it held (review 31c F6).
        var lastClaimed = _claims.Keys.GroupBy(key => key.Route).ToDictionary(group => group.Key, group => group.Max(key => key.Occurrence));
        bool Prunable(SchedulePause pause) =>
            pause.Until is { } until && until < before
            && ((lastClaimed.TryGetValue(pause.Route, out var claimed) && claimed >= until) || (_served.TryGetValue(pause.Route, out var served) && served.Since >= until));
        lock (_pausing)
        {
            foreach (var (route, pauses) in _pauses)
            {
                if (pauses.Pauses.Any(Prunable))
                {
                    SchedulePauseHistory kept = new([.. pauses.Pauses.Where(pause => !Prunable(pause))]);
                    if (kept.Pauses.Count == 0)
                    {
                        _pauses.TryRemove(route, out _);
                    }
                    else
                    {
                        _pauses[route] = kept;
                    }
                }
            }
        }

        // Each schedule's latest record that is not a refusal stays: the start-up counts what was missed from it.
        var latestTakenUp = _occurrences.Keys.Where(static key => key.Outcome != OccurrenceOutcome.Refused)
            .GroupBy(static key => key.Route).ToDictionary(static group => group.Key, static group => group.Max(static key => key.Occurrence));
        foreach (var key in _occurrences.Keys.Where(key => key.Occurrence < before
            && (key.Outcome == OccurrenceOutcome.Refused || !latestTakenUp.TryGetValue(key.Route, out var latest) || key.Occurrence < latest)))
        {
            _occurrences.TryRemove(key, out _);
        }

        lock (_keys)
        {
            SweepKeys();
        }

        return Task.FromResult(pruned);
    }

    public Task<OccurrenceClaim> ClaimOccurrenceAsync(string route, DateTimeOffset occurrence, string executionId, CancellationToken cancellationToken)
    {
        if (_closed)
        {
            return Closed<OccurrenceClaim>();
        }

        // Claimed before: that is the answer, paused or not; claimed by this very execution, it is its claim still (asked
        // again after an answer that was lost: review 38a F2).
        var (key, now) = ((route, occurrence.ToUniversalTime()), time.GetUtcNow());
        return Task.FromResult(!_claims.ContainsKey(key) && _pauses.GetValueOrDefault(route)?.Skipping(key.Item2, now) is { } pause
            ? new OccurrenceClaim(false, Paused: pause)
            : _claims.TryAdd(key, (now, executionId, false)) ? new OccurrenceClaim(true)
            : Held(key, executionId));
    }

    public Task<OccurrenceClaim> SkipOccurrenceAsync(string route, DateTimeOffset occurrence, string runningId, CancellationToken cancellationToken)
    {
        if (_closed)
        {
            return Closed<OccurrenceClaim>();
        }

        var key = (route, occurrence.ToUniversalTime());
        return Task.FromResult(_claims.TryAdd(key, (time.GetUtcNow(), runningId, true)) ? new OccurrenceClaim(true) : Held(key, executionId: null));
    }

    // The answer to a claim of an occurrence claimed before: skipped (review 47C F1), or claimed, by this very execution
    // (its claim still) or another.
    private OccurrenceClaim Held((string Route, DateTimeOffset Occurrence) key, string? executionId) =>
        _claims.TryGetValue(key, out var held) && held.Skipped
            ? new OccurrenceClaim(false, SkippedFor: held.ExecutionId)
            : new OccurrenceClaim(executionId is not null && held.ExecutionId == executionId);

    // Only the claim of that execution: one of the occurrence by another stays (review 35b F2).
    public Task ReleaseClaimsAsync(string route, IReadOnlyCollection<OccurrenceClaimed> claims, CancellationToken cancellationToken)
    {
        if (_closed)
        {
            return Closed<bool>();
        }

        foreach (var claim in claims)
        {
            var key = (route, claim.Occurrence.ToUniversalTime());
            if (_claims.TryGetValue(key, out var held) && held.ExecutionId == claim.ExecutionId)
            {
                _claims.TryRemove(new KeyValuePair<(string, DateTimeOffset), (DateTimeOffset, string, bool)>(key, held));
            }
        }

        return Task.CompletedTask;
    }

    public Task<LastClaims> GetLastOccurrenceAsync(string route, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var claimed = _claims.Keys.Where(key => key.Route == route).Select(key => (DateTimeOffset?)key.Occurrence).ToList();
        return Task.FromResult(new LastClaims(claimed.Max(), claimed.Where(occurrence => occurrence <= now).Max()));
    }

    public Task<ServedSchedule> GetServedScheduleAsync(string route, CancellationToken cancellationToken) =>
        _closed ? Closed<ServedSchedule>()
        : Task.FromResult(_served.TryGetValue(route, out var served) ? new ServedSchedule(served.Schedule, served.Since) : default);

    public Task<ServedSchedule> ServeScheduleAsync(string route, string schedule, DateTimeOffset from, CancellationToken cancellationToken)
    {
        if (_closed)
        {
            return Closed<ServedSchedule>();
        }

        var before = default(ServedSchedule);
        _served.AddOrUpdate(
            route,
            _ => (schedule, from),
            (_, served) =>
            {
                before = new ServedSchedule(served.Schedule, served.Since);
                return served.Schedule == schedule && served.Since <= from ? served : (schedule, from);
            });
        return Task.FromResult(before);
    }

    public ValueTask DisposeAsync()
    {
        _closed = true;
        return ValueTask.CompletedTask;
    }

    private static bool IsFinished(ExecutionStatus status) => status is not (ExecutionStatus.Queued or ExecutionStatus.Running);

    // The oldest finished ones beyond the bound are forgotten; one that runs again meanwhile (a retry) stays.
    private void Finished(string id)
    {
        _finished.Enqueue(id);
        while (_finished.Count > MaxFinished && _finished.TryDequeue(out var oldest))
        {
            _executions.RemoveIf(oldest, 0, static (old, _) => IsFinished(old.Record.Status));
        }
    }

    // The requests of the oldest failed ones beyond the bound are let go: those can no longer be replayed.
    private void Replayable(string id)
    {
        _replayable.Enqueue(id);
        while (_replayable.Count > MaxReplayable && _replayable.TryDequeue(out var oldest))
        {
            _executions.Update(oldest, add: false, 0, static (ref old, existed, _) =>
            {
                if (existed && IsFinished(old.Record.Status))
                {
                    old = old with { Request = null };
                }

                return 0;
            });
        }
    }

    // A write after the store closed fails (as the durable stores' writes do), never hangs nor throws at the caller.
    private static Task<T> Closed<T>() => Task.FromException<T>(new ExecutionStoreUnavailableException("The execution store is closed."));

    // In the dictionary's own array: no object per execution.
    private readonly record struct Entry(ExecutionRecord Record, RequestSnapshot? Request);
}
