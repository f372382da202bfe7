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
/// miner looked up. Shared by all workers and written for every A/AAAA answer, so it allocates nothing there: a fixed
/// table split into <see cref="Stripes"/> independently locked stripes, each with open-addressed slots and its own byte
/// arena for the names. Bounded: a stripe that fills (¾ of its slots, or its arena) starts over — names of current flows
/// come back with their next lookups. Reading a name (<see cref="TryGet"/>, done when a mining report is written)
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
        ulong hash = Hash(address);
        Stripe stripe = _stripes[(int)(hash % Stripes)];
        lock (stripe)
            stripe.Set(address, (int)(hash / Stripes % SlotsPerStripe), name);
    }

    public bool TryGet(UInt128 address, out string? name)
    {
        ulong hash = Hash(address);
        Stripe stripe = _stripes[(int)(hash % Stripes)];
        lock (stripe)
            return stripe.TryGet(address, (int)(hash / Stripes % SlotsPerStripe), out name);
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

    private sealed class Stripe
    {
        private readonly UInt128[] _keys = new UInt128[SlotsPerStripe];
        private readonly int[] _offsets = new int[SlotsPerStripe];   // into _arena; -1: empty slot
        private readonly byte[] _lengths = new byte[SlotsPerStripe];
        private readonly byte[] _arena = new byte[ArenaPerStripe];
        private int _arenaUsed;
        public int Count;

        public Stripe() => Array.Fill(_offsets, -1);

        public void Set(UInt128 address, int slot, ReadOnlySpan<byte> name)
        {
            int found = Find(address, slot);
            if (found >= 0 && _arena.AsSpan(_offsets[found], _lengths[found]).SequenceEqual(name))
                return;
            if ((found < 0 && Count >= MaxPerStripe) || _arenaUsed + name.Length > _arena.Length)
            {
                Clear();
                found = -1;
            }

            if (found < 0)
            {
                found = slot;
                while (_offsets[found] >= 0)
                    found = (found + 1) % SlotsPerStripe;
                _keys[found] = address;
                Volatile.Write(ref Count, Count + 1);
            }

            name.CopyTo(_arena.AsSpan(_arenaUsed));
            _offsets[found] = _arenaUsed;
            _lengths[found] = (byte)name.Length;
            _arenaUsed += name.Length;
        }

        public bool TryGet(UInt128 address, int slot, out string? name)
        {
            int found = Find(address, slot);
            name = found < 0 ? null : System.Text.Encoding.ASCII.GetString(_arena, _offsets[found], _lengths[found]);
            return found >= 0;
        }

        /// <summary>The slot holding <paramref name="address"/>, or -1. Never full (at most ¾ used), so the probe ends.</summary>
        private int Find(UInt128 address, int slot)
        {
            for (int i = slot; _offsets[i] >= 0; i = (i + 1) % SlotsPerStripe)
            {
                if (_keys[i] == address)
                    return i;
            }

            return -1;
        }

        private void Clear()
        {
            Array.Fill(_offsets, -1);
            _arenaUsed = 0;
            Volatile.Write(ref Count, 0);
        }
    }
}
