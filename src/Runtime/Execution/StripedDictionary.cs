using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ApiRoutes.Execution;

/// <summary>
/// Executions by id, for the execution log and the in-memory store: plain <see cref="Dictionary{TKey,TValue}"/>s in
/// stripes, each under its own lock. Unlike a <see cref="System.Collections.Concurrent.ConcurrentDictionary{TKey,TValue}"/>,
/// an entry is a struct in the dictionary's array, not a node object of its own, so an execution queued or kept in
/// history costs the garbage collector one object fewer to mark and copy; and a stripe grows by copying its array
/// (under its own lock, the other stripes go on) where a concurrent dictionary's growth makes a new node for every
/// entry under all its locks — with a backlog of hundreds of thousands, a stall of every 202 and a burst of survivors
/// for the next collection (bench/load/README.md, "Background 202 p99, sixth pass").
/// </summary>
internal sealed class StripedDictionary<TValue>
{
    // Many small stripes: little contention, and each stripe's array stays off the large object heap for longer.
    private const int StripeCount = 128;

    private readonly Dictionary<string, TValue>[] _stripes = new Dictionary<string, TValue>[StripeCount];

    public StripedDictionary()
    {
        for (var i = 0; i < _stripes.Length; i++)
        {
            _stripes[i] = new Dictionary<string, TValue>(StringComparer.Ordinal);
        }
    }

    /// <summary>Called under the key's stripe lock with the entry itself (default when absent, then added).</summary>
    public delegate TResult Updater<TState, TResult>(ref TValue value, bool existed, TState state);

    /// <summary>The entries counted stripe by stripe (not one moment's count while others write).</summary>
    public int Count => Sum(static stripe => stripe.Count);

    /// <summary>The room the stripes hold, in entries (what their arrays cost while empty).</summary>
    internal int Capacity => Sum(static stripe => stripe.Capacity);

    public bool TryGetValue(string key, out TValue value)
    {
        var stripe = StripeOf(key);
        lock (stripe)
        {
            return stripe.TryGetValue(key, out value!);
        }
    }

    public TValue? GetValueOrDefault(string key) => TryGetValue(key, out var value) ? value : default;

    /// <summary>Adds or replaces; returns what was there (default when nothing was).</summary>
    public TValue? Set(string key, TValue value)
    {
        var stripe = StripeOf(key);
        lock (stripe)
        {
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(stripe, key, out _);
            var previous = slot;
            slot = value;
            return previous;
        }
    }

    public bool TryAdd(string key, TValue value)
    {
        var stripe = StripeOf(key);
        lock (stripe)
        {
            return stripe.TryAdd(key, value);
        }
    }

    /// <summary>Removes the key's entry when <paramref name="remove"/> says so, atomically with the look.</summary>
    public bool RemoveIf<TState>(string key, TState state, Func<TValue, TState, bool> remove)
    {
        var stripe = StripeOf(key);
        lock (stripe)
        {
            if (stripe.TryGetValue(key, out var value) && remove(value, state) && stripe.Remove(key))
            {
                Shrink(stripe);
                return true;
            }

            return false;
        }
    }

    /// <summary>
    /// Changes the key's entry in place, under its stripe's lock: when absent, <paramref name="add"/> adds it (the
    /// updater sees a default value), else the updater sees a default that is not kept; both with existed false.
    /// </summary>
    public TResult Update<TState, TResult>(string key, bool add, TState state, Updater<TState, TResult> update)
    {
        var stripe = StripeOf(key);
        lock (stripe)
        {
            if (add)
            {
                ref var added = ref CollectionsMarshal.GetValueRefOrAddDefault(stripe, key, out var existed)!;
                return update(ref added, existed, state);
            }

            ref var slot = ref CollectionsMarshal.GetValueRefOrNullRef(stripe, key);
            if (Unsafe.IsNullRef(ref slot))
            {
                var none = default(TValue)!;
                return update(ref none, false, state);
            }

            return update(ref slot, true, state);
        }
    }

    /// <summary>Every value, copied stripe by stripe (each stripe as one moment saw it).</summary>
    public List<TValue> Values()
    {
        var values = new List<TValue>();
        foreach (var stripe in _stripes)
        {
            lock (stripe)
            {
                values.AddRange(stripe.Values);
            }
        }

        return values;
    }

    /// <summary>Removes every entry <paramref name="remove"/> selects, stripe by stripe; returns how many.</summary>
    public int RemoveWhere<TState>(TState state, Func<TValue, TState, bool> remove)
    {
        var removed = 0;
        foreach (var stripe in _stripes)
        {
            lock (stripe)
            {
                // Removing while enumerating a Dictionary is allowed (it does not invalidate the enumerator).
                foreach (var (key, value) in stripe)
                {
                    if (remove(value, state) && stripe.Remove(key))
                    {
                        removed++;
                    }
                }

                Shrink(stripe);
            }
        }

        return removed;
    }

    // A stripe a backlog grew gives its arrays back once it is a quarter full (to half full: no trim at every removal),
    // so that the memory of a burst is not held for the life of the process.
    private static void Shrink(Dictionary<string, TValue> stripe)
    {
        if (stripe.Capacity > 64 && stripe.Count < stripe.Capacity / 4)
        {
            stripe.TrimExcess(Math.Max(stripe.Count * 2, 16));
        }
    }

    private int Sum(Func<Dictionary<string, TValue>, int> measure)
    {
        var sum = 0;
        foreach (var stripe in _stripes)
        {
            lock (stripe)
            {
                sum += measure(stripe);
            }
        }

        return sum;
    }

    private Dictionary<string, TValue> StripeOf(string key) => _stripes[(StringComparer.Ordinal.GetHashCode(key) & int.MaxValue) % StripeCount];
}
