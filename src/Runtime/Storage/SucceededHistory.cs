using System.Globalization;
using ApiRoutes.Execution;

namespace ApiRoutes.Storage;

/// <summary>
/// The in-memory store's latest succeeded executions, as structs in one array (a ring, grown up to its capacity, then
/// the oldest replaced), indexed by the id's <see cref="Guid"/>: a succeeded execution kept here holds no object of its
/// own — no record, no id string — and is made into a record again only when read. At full load the store's history
/// was ~320 B and two objects per execution, living just long enough for every gen0 collection to promote them
/// (bench/load/README.md, "Background 202 p99, sixth pass"). Only ids in the runtime's form (a Guid's 32 lowercase hex
/// digits) fit; the store keeps any other as before.
/// </summary>
internal sealed class SucceededHistory(int capacity)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, int> _index = [];
    private Item[] _items = new Item[Math.Min(capacity, 256)];
    private int _next;   // where the next one goes once the ring is full
    private int _count;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _index.Count;
            }
        }
    }

    /// <summary>The id as a key, when it is in the runtime's form (and formats back to itself).</summary>
    public static bool TryKey(string id, out Guid key)
    {
        if (id.Length != 32 || !Guid.TryParseExact(id, "N", out key))
        {
            key = default;
            return false;
        }

        Span<char> formatted = stackalloc char[32];
        return key.TryFormat(formatted, out _, "N") && formatted.SequenceEqual(id);
    }

    /// <summary>Keeps a succeeded record (replacing one of the same id); the oldest leaves once it is full.</summary>
    public void Add(Guid key, ExecutionRecord record)
    {
        var item = Item.Of(key, record);
        lock (_lock)
        {
            if (_index.TryGetValue(key, out var at))
            {
                _items[at] = item;
                return;
            }

            if (_count < capacity)
            {
                if (_count == _items.Length)
                {
                    Array.Resize(ref _items, Math.Min(capacity, _items.Length * 2));
                }

                at = _count++;
            }
            else
            {
                // The slot of the oldest: taken out of the index unless it is already gone (removed, pruned).
                at = _next;
                _next = (_next + 1) % capacity;
                if (_items[at].Used)
                {
                    _index.Remove(_items[at].Key);
                }
            }

            _items[at] = item;
            _index[key] = at;
        }
    }

    public ExecutionRecord? Find(Guid key)
    {
        lock (_lock)
        {
            return _index.TryGetValue(key, out var at) ? _items[at].Record() : null;
        }
    }

    /// <summary>Takes one out (it was written again, not as succeeded: the store keeps it elsewhere now).</summary>
    public bool Remove(Guid key)
    {
        lock (_lock)
        {
            if (!_index.Remove(key, out var at))
            {
                return false;
            }

            _items[at] = default;
            return true;
        }
    }

    public List<ExecutionRecord> All()
    {
        lock (_lock)
        {
            var records = new List<ExecutionRecord>(_index.Count);
            foreach (var at in _index.Values)
            {
                records.Add(_items[at].Record());
            }

            return records;
        }
    }

    /// <summary>Forgets those that finished before <paramref name="before"/>; returns how many.</summary>
    public int Prune(DateTimeOffset before)
    {
        lock (_lock)
        {
            var pruned = 0;
            foreach (var (key, at) in _index)
            {
                if (_items[at].FinishedAt is { } finished && finished < before)
                {
                    _index.Remove(key);
                    _items[at] = default;
                    pruned++;
                }
            }

            return pruned;
        }
    }

    // A succeeded record's fields; the strings are the route's (shared) or, rarely, the execution's own.
    private readonly record struct Item(
        Guid Key, bool Used, string Route, string Kind, int Attempt, DateTimeOffset AcceptedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt,
        DateTimeOffset? Occurrence, string? Error, string? ReplayOf, string? TraceParentText, PackedTraceParent TraceParent, string? TraceState)
    {
        public static Item Of(Guid key, ExecutionRecord record)
        {
            var (text, packed) = record.TraceParentParts;
            return new Item(key, true, record.Route, record.Kind, record.Attempt, record.AcceptedAt, record.StartedAt, record.FinishedAt,
                record.Occurrence, record.Error, record.ReplayOf, text, packed, record.TraceState);
        }

        public ExecutionRecord Record() => new()
        {
            Id = Key.ToString("N", CultureInfo.InvariantCulture), Route = Route, Kind = Kind, Status = ExecutionStatus.Succeeded, Attempt = Attempt,
            AcceptedAt = AcceptedAt, StartedAt = StartedAt, FinishedAt = FinishedAt, Occurrence = Occurrence, Error = Error, ReplayOf = ReplayOf,
            TraceParent = TraceParentText ?? TraceParent.Text(), TraceState = TraceState,
        };
    }
}
