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
/// miner looked up. Shared by all workers; bounded: past <see cref="MaxEntries"/> it starts over (names of current flows
/// come back with the next lookups).
/// </summary>
public sealed class ResolvedNames
{
    public const int MaxEntries = 1 << 17;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<UInt128, string> _names = new();

    // ConcurrentDictionary.Count takes every lock: the size is tracked here instead (approximately, which is all the cap needs).
    private int _count;

    /// <summary>Records <paramref name="name"/> (ASCII) for <paramref name="address"/>; allocates only when the name changed.</summary>
    public void Set(UInt128 address, ReadOnlySpan<byte> name)
    {
        bool known = _names.TryGetValue(address, out string? current);
        if (known && System.Text.Ascii.Equals(name, current))
            return;
        if (!known && Interlocked.Increment(ref _count) > MaxEntries)
        {
            _names.Clear();
            Interlocked.Exchange(ref _count, 1);
        }

        _names[address] = System.Text.Encoding.ASCII.GetString(name);
    }

    public bool TryGet(UInt128 address, out string? name) => _names.TryGetValue(address, out name);

    public int Count => Volatile.Read(ref _count);
}
