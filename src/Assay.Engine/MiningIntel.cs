using Assay.Protocols.Intel;

namespace Assay.Engine;

/// <summary>
/// What every worker consults about mining pools: the lists (bundled and the user's, reloaded when their files change)
/// and the pools learned during the run (addresses DNS gave for pool names; servers seen speaking a mining protocol).
/// Shared by all workers; both parts are thread-safe.
/// </summary>
public sealed class MiningIntel
{
    private readonly PoolIntelProvider? _provider;

    /// <summary>Bundled list plus <paramref name="userFiles"/>; throws <see cref="IntelFormatException"/> on a bad line.</summary>
    public MiningIntel(IReadOnlyList<string> userFiles)
    {
        _provider = userFiles.Count == 0 ? null : new PoolIntelProvider(userFiles);
    }

    public PoolIntel Current => _provider?.Current ?? PoolIntel.Bundled;

    public LearnedPools Learned { get; } = new();

    public ResolvedNames Names { get; } = new();

    /// <summary>Re-reads the user's lists if any changed; a bad file keeps the previous lists and is reported.</summary>
    public bool ReloadIfChanged(out string? error)
    {
        error = null;
        return _provider is not null && _provider.ReloadIfChanged(out error);
    }
}

/// <summary>
/// The name DNS last gave for each address (passive DNS), so that a pool reached by address can be named by what the
/// miner looked up. Shared by all workers and written for every A/AAAA answer, so it allocates nothing there once grown:
/// a table split into <see cref="Stripes"/> independently locked stripes, each with open-addressed slots and its own byte
/// arena for the names, both doubled from a small start up to their share of <see cref="MaxEntries"/>; a full arena is
/// compacted (renamed addresses leave dead bytes). Bounded: a full stripe (¾ of its slots, or its arena ¾ full of live
/// names) starts over — names of current flows come back with their next lookups. Reading a name (<see cref="TryGet"/>, done when a mining report is written)
/// allocates its string.
/// </summary>
public sealed class ResolvedNames
{
    /// <summary>Addresses remembered at most (all stripes).</summary>
    public const int MaxEntries = 1 << 17;

    /// <summary>Longest name kept (a DNS name's text is at most 253 bytes); longer ones are not recorded.</summary>
    public const int MaxNameLength = 255;

    private const int Stripes = 64;
    private const int SlotsPerStripe = MaxEntries / Stripes;
    private const int MaxPerStripe = SlotsPerStripe / 4 * 3;

    /// <summary>Name bytes per stripe: 32 per slot in use on average before the stripe starts over.</summary>
    private const int ArenaPerStripe = MaxPerStripe * 32;

    private readonly Stripe[] _stripes = new Stripe[Stripes];

    public ResolvedNames()
    {
        for (int i = 0; i < _stripes.Length; i++)
            _stripes[i] = new Stripe();
    }

    /// <summary>Records <paramref name="name"/> (ASCII) for <paramref name="address"/>.</summary>
    public void Set(UInt128 address, ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty || name.Length > MaxNameLength)
            return;
        Stripe stripe = _stripes[StripeOf(address)];
        lock (stripe)
            stripe.Set(address, SlotHash(address), name);
    }

    public bool TryGet(UInt128 address, out string? name)
    {
        Stripe stripe = _stripes[StripeOf(address)];
        lock (stripe)
            return stripe.TryGet(address, SlotHash(address), out name);
    }

    /// <summary>Addresses remembered now.</summary>
    public int Count
    {
        get
        {
            int count = 0;
            foreach (Stripe stripe in _stripes)
                count += Volatile.Read(ref stripe.Count);
            return count;
        }
    }

    private static ulong Hash(UInt128 address) => Flows.FlowKey.Mix((ulong)address ^ ((ulong)(address >> 64) * 0x9E3779B97F4A7C15UL));

    private static int StripeOf(UInt128 address) => (int)(Hash(address) % Stripes);

    /// <summary>Bits of the hash above those that chose the stripe; a stripe masks them to its size.</summary>
    private static int SlotHash(UInt128 address) => (int)(Hash(address) / Stripes & int.MaxValue);

    private sealed class Stripe
    {
        // Small at first (a short capture resolves few names): doubled up to SlotsPerStripe and ArenaPerStripe.
        private const int InitialSlots = 64;
        private const int InitialArena = InitialSlots * 32;

        private UInt128[] _keys = new UInt128[InitialSlots];
        private int[] _offsets = NewOffsets(InitialSlots);   // into _arena; -1: empty slot
        private byte[] _lengths = new byte[InitialSlots];
        private byte[] _arena = new byte[InitialArena];
        private byte[]? _spare;
        private int _arenaUsed;
        public int Count;

        public void Set(UInt128 address, int hash, ReadOnlySpan<byte> name)
        {
            int found = Find(address, hash);
            if (found >= 0 && _arena.AsSpan(_offsets[found], _lengths[found]).SequenceEqual(name))
                return;
            if (found < 0 && Count >= _keys.Length / 4 * 3)
            {
                if (_keys.Length < SlotsPerStripe)
                    GrowSlots();
                else
                    Clear();
            }

            if (_arenaUsed + name.Length > _arena.Length)
            {
                if (_arena.Length < ArenaPerStripe)
                {
                    Array.Resize(ref _arena, Math.Min(ArenaPerStripe, Math.Max(_arena.Length * 2, _arenaUsed + name.Length)));
                }
                else
                {
                    // Renamed addresses (a CDN address answers for many names) leave dead bytes behind: compact first,
                    // start over only when the live names themselves fill the arena.
                    Compact();
                    if (_arenaUsed + name.Length > _arena.Length / 4 * 3)
                        Clear();
                }

                found = Find(address, hash);
            }

            if (found < 0)
            {
                found = FreeSlot(hash);
                _keys[found] = address;
                Volatile.Write(ref Count, Count + 1);
            }

            name.CopyTo(_arena.AsSpan(_arenaUsed));
            _offsets[found] = _arenaUsed;
            _lengths[found] = (byte)name.Length;
            _arenaUsed += name.Length;
        }

        public bool TryGet(UInt128 address, int hash, out string? name)
        {
            int found = Find(address, hash);
            name = found < 0 ? null : System.Text.Encoding.ASCII.GetString(_arena, _offsets[found], _lengths[found]);
            return found >= 0;
        }

        /// <summary>The slot holding <paramref name="address"/>, or -1. Never full (at most ¾ used), so the probe ends.</summary>
        private int Find(UInt128 address, int hash)
        {
            int mask = _keys.Length - 1;
            for (int i = hash & mask; _offsets[i] >= 0; i = (i + 1) & mask)
            {
                if (_keys[i] == address)
                    return i;
            }

            return -1;
        }

        private int FreeSlot(int hash)
        {
            int mask = _keys.Length - 1;
            int i = hash & mask;
            while (_offsets[i] >= 0)
                i = (i + 1) & mask;
            return i;
        }

        private void GrowSlots()
        {
            UInt128[] keys = _keys;
            int[] offsets = _offsets;
            byte[] lengths = _lengths;
            _keys = new UInt128[keys.Length * 2];
            _offsets = NewOffsets(keys.Length * 2);
            _lengths = new byte[keys.Length * 2];
            for (int i = 0; i < keys.Length; i++)
            {
                if (offsets[i] < 0)
                    continue;
                int slot = FreeSlot(SlotHash(keys[i]));
                _keys[slot] = keys[i];
                _offsets[slot] = offsets[i];
                _lengths[slot] = lengths[i];
            }
        }

        /// <summary>Copies the live names into the spare arena (made once, when the arena reached its full size) and swaps.</summary>
        private void Compact()
        {
            byte[] target = _spare ??= new byte[_arena.Length];
            int used = 0;
            for (int i = 0; i < _offsets.Length; i++)
            {
                if (_offsets[i] < 0)
                    continue;
                _arena.AsSpan(_offsets[i], _lengths[i]).CopyTo(target.AsSpan(used));
                _offsets[i] = used;
                used += _lengths[i];
            }

            _spare = _arena;
            _arena = target;
            _arenaUsed = used;
        }

        private void Clear()
        {
            Array.Fill(_offsets, -1);
            _arenaUsed = 0;
            Volatile.Write(ref Count, 0);
        }

        private static int[] NewOffsets(int length)
        {
            int[] offsets = new int[length];
            Array.Fill(offsets, -1);
            return offsets;
        }
    }
}
