using System.Collections.Concurrent;

namespace Assay.Protocols.Intel;

/// <summary>A pool learned at run time.</summary>
/// <param name="Name">The pool name it was learned under (the list entry or DNS name, or the protocol that showed it).</param>
/// <param name="Reason">Why: <c>dns</c> (answer for a matched name), <c>stratum</c> (spoke a mining protocol), …</param>
/// <param name="Timestamp">When, in nanoseconds since the Unix epoch (packet time).</param>
public readonly record struct LearnedPool(string Name, string Reason, long Timestamp);

/// <summary>
/// Pools learned while running, shared by all worker threads: addresses that DNS resolved for a matched pool name
/// inherit the name, and a server seen speaking a mining protocol in cleartext becomes a pool endpoint. Bounded by
/// <see cref="MaxEntries"/>; when full, the entry learned (or last re-learned) longest ago is evicted first.
/// </summary>
/// <remarks>
/// Lookups are lock-free (<see cref="ConcurrentDictionary{TKey, TValue}"/> reads); learning takes one short lock
/// that also keeps the eviction order. Each write is stamped with a sequence number; the order queue may hold stale
/// stamps of entries re-learned since, which eviction skips and <see cref="Compact"/> drops when the queue outgrows
/// twice the table.
/// </remarks>
public sealed class LearnedPools
{
    /// <summary>Most entries kept (addresses and endpoints together).</summary>
    public const int MaxEntries = 65_536;

    private readonly ConcurrentDictionary<Key, Slot> _entries = new();
    private readonly Queue<(Key Key, long Sequence)> _order = new();
    private readonly Lock _gate = new();
    private readonly int _capacity;
    private long _sequence;
    private volatile int _count;

    public LearnedPools()
        : this(MaxEntries)
    {
    }

    /// <summary>A smaller table, for tests.</summary>
    internal LearnedPools(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <summary>Entries held now.</summary>
    public int Count => _count;

    /// <summary>Entries evicted to stay within <see cref="MaxEntries"/>.</summary>
    public long Evictions { get; private set; }

    /// <summary>Learns (or refreshes) an address: every port of it is the pool <paramref name="name"/>.</summary>
    public void LearnAddress(UInt128 address, string name, string reason, long timestamp) =>
        Learn(new Key(address, 0, IsEndpoint: false), new LearnedPool(name, reason, timestamp));

    /// <summary>Learns (or refreshes) one server endpoint.</summary>
    public void LearnEndpoint(UInt128 address, ushort port, string name, string reason, long timestamp) =>
        Learn(new Key(address, port, IsEndpoint: true), new LearnedPool(name, reason, timestamp));

    public bool TryGetAddress(UInt128 address, out LearnedPool pool) => TryGet(new Key(address, 0, IsEndpoint: false), out pool);

    public bool TryGetEndpoint(UInt128 address, ushort port, out LearnedPool pool) => TryGet(new Key(address, port, IsEndpoint: true), out pool);

    private bool TryGet(Key key, out LearnedPool pool)
    {
        bool found = _entries.TryGetValue(key, out Slot slot);
        pool = slot.Pool;
        return found;
    }

    private void Learn(Key key, LearnedPool pool)
    {
        ArgumentNullException.ThrowIfNull(pool.Name);
        ArgumentNullException.ThrowIfNull(pool.Reason);
        lock (_gate)
        {
            long sequence = ++_sequence;
            bool added = !_entries.ContainsKey(key);
            _entries[key] = new Slot(pool, sequence);
            _order.Enqueue((key, sequence));
            int count = _count + (added ? 1 : 0);
            while (count > _capacity)
            {
                (Key oldKey, long oldSequence) = _order.Dequeue();
                // NOTE: a stale stamp means the key was re-learned later; its newer stamp is further back in the queue.
                if (_entries.TryGetValue(oldKey, out Slot current) && current.Sequence == oldSequence)
                {
                    _entries.TryRemove(oldKey, out _);
                    count--;
                    Evictions++;
                }
            }

            _count = count;
            if (_order.Count > 2 * _capacity)
                Compact();
        }
    }

    /// <summary>Drops stale stamps from the order queue (under the lock).</summary>
    private void Compact()
    {
        int stale = _order.Count;
        for (int i = 0; i < stale; i++)
        {
            (Key key, long sequence) = _order.Dequeue();
            if (_entries.TryGetValue(key, out Slot current) && current.Sequence == sequence)
                _order.Enqueue((key, sequence));
        }
    }

    private readonly record struct Key(UInt128 Address, ushort Port, bool IsEndpoint);

    private readonly record struct Slot(LearnedPool Pool, long Sequence);
}
