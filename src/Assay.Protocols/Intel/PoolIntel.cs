using System.Collections.Frozen;

namespace Assay.Protocols.Intel;

/// <summary>
/// An immutable snapshot of mining intelligence: pool / web-miner / donation host names (matched on DNS questions and
/// answers, TLS SNI, HTTP Host), pool addresses and CIDR blocks, pool endpoints (address + port) and miner TLS client
/// fingerprints. Built once by <see cref="Load"/>; every lookup is read-only, so one instance is shared by all worker
/// threads without locks. <see cref="PoolIntelProvider"/> swaps snapshots when user lists change.
/// </summary>
/// <remarks>
/// Lookups allocate nothing. A name is lower-cased into a stack buffer and looked up whole, then once per label
/// boundary (<c>a.b.pool.org</c> → <c>b.pool.org</c> → <c>pool.org</c> → <c>org</c>) in a frozen hash set keyed by
/// <c>ReadOnlySpan&lt;char&gt;</c>: a miss costs one hash per label. Addresses are looked up once per distinct CIDR
/// prefix length present in the lists (most specific first), exact addresses being the /128 table.
/// </remarks>
public sealed partial class PoolIntel
{
    /// <summary>Names longer than this (after dropping a trailing dot) are not DNS names and never match.</summary>
    public const int MaxNameLength = IntelText.MaxDomainLength;

    private const int AddressBits = 128;

    private static readonly Lazy<PoolIntel> s_bundled = new(LoadBundled);

    private readonly FrozenDictionary<string, DomainEntry> _domains;
    private readonly FrozenDictionary<string, DomainEntry>.AlternateLookup<ReadOnlySpan<char>> _domainLookup;

    /// <summary>Index = prefix length; exact addresses are /128. Null where no entry has that length.</summary>
    private readonly FrozenDictionary<UInt128, IntelMatch>?[] _byPrefix;

    /// <summary>The prefix lengths present, longest first.</summary>
    private readonly int[] _prefixLengths;

    private readonly FrozenDictionary<EndpointKey, IntelMatch> _endpoints;
    private readonly FrozenDictionary<string, TlsFingerprintMatch> _ja3;
    private readonly FrozenDictionary<string, TlsFingerprintMatch> _ja4;

    private PoolIntel(Builder builder)
    {
        _domains = builder.Domains.ToFrozenDictionary(StringComparer.Ordinal);
        _domainLookup = _domains.GetAlternateLookup<ReadOnlySpan<char>>();
        _byPrefix = new FrozenDictionary<UInt128, IntelMatch>?[AddressBits + 1];
        var lengths = new List<int>();
        for (int length = AddressBits; length >= 0; length--)
        {
            if (builder.ByPrefix[length] is { Count: > 0 } table)
            {
                _byPrefix[length] = table.ToFrozenDictionary();
                lengths.Add(length);
                AddressCount += table.Count;
            }
        }

        _prefixLengths = [.. lengths];
        _endpoints = builder.Endpoints.ToFrozenDictionary();
        _ja3 = builder.Ja3.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        _ja4 = builder.Ja4.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        DomainCount = _domains.Count;
        FingerprintCount = _ja3.Count + _ja4.Count;
    }

    /// <summary>The bundled lists (embedded <c>Intel/Data/pools.tsv</c> and <c>tls-fingerprints.tsv</c>), loaded once.</summary>
    public static PoolIntel Bundled => s_bundled.Value;

    /// <summary>No entries: every lookup misses.</summary>
    public static PoolIntel Empty { get; } = new(new Builder());

    /// <summary>Host names (domain entries and named endpoints).</summary>
    public int DomainCount { get; }

    /// <summary>Addresses and CIDR blocks.</summary>
    public int AddressCount { get; }

    /// <summary>Address + port endpoints.</summary>
    public int EndpointCount => _endpoints.Count;

    /// <summary>JA3 hashes and JA4 fingerprints.</summary>
    public int FingerprintCount { get; }

    /// <summary>
    /// Loads the user lists (and the bundled ones, first, unless <paramref name="includeBundled"/> is false). A user file
    /// has one entry per line: a domain (matches itself and its subdomains), an IPv4/IPv6 address, a CIDR block, an
    /// endpoint <c>host:port</c> or <c>[v6]:port</c>, or a TLS fingerprint <c>ja3:&lt;md5&gt;</c> / <c>ja4:&lt;ja4&gt;</c>;
    /// an optional second TAB-separated column is a label; <c>#</c> starts a comment. User entries override bundled
    /// ones with the same value.
    /// </summary>
    /// <exception cref="IntelFormatException">A bad line (with file and line), or a file that cannot be read.</exception>
    public static PoolIntel Load(IReadOnlyList<string> userFiles, bool includeBundled = true)
    {
        ArgumentNullException.ThrowIfNull(userFiles);
        var builder = new Builder();
        if (includeBundled)
            AddBundled(builder);
        foreach (string file in userFiles)
            AddUserFile(builder, file);
        return new PoolIntel(builder);
    }

    /// <summary>
    /// Matches a host name (DNS question or answer name, TLS SNI, HTTP Host with or without its <c>:port</c>) against
    /// the domain entries: ASCII case-insensitive, one trailing dot allowed; an entry matches itself and every name below it at a
    /// label boundary (<c>nanopool.org</c> matches <c>xmr-eu1.nanopool.org</c>, not <c>evilnanopool.org</c>). The most
    /// specific entry wins. Allocates nothing.
    /// </summary>
    public bool TryMatchDomain(ReadOnlySpan<byte> name, out IntelMatch match)
    {
        match = default;
        int colon = name.LastIndexOf((byte)':');
        if (colon >= 0 && colon == name.IndexOf((byte)':') && colon + 1 < name.Length && name[(colon + 1)..].IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0)
            name = name[..colon];                      // HTTP Host "pool.example.org:3333"; an IPv6 literal has several colons
        if (!name.IsEmpty && name[^1] == (byte)'.')
            name = name[..^1];
        if (name.IsEmpty || name.Length > MaxNameLength || _domains.Count == 0)
            return false;

        // Entries are ASCII; other bytes are copied as Latin-1 characters so they never equal an entry but do not hide a
        // matching suffix (a wildcard zone answers "\xff.pool.org" as well as "x.pool.org").
        Span<char> lower = stackalloc char[MaxNameLength];
        for (int i = 0; i < name.Length; i++)
        {
            byte b = name[i];
            lower[i] = (char)(b is >= (byte)'A' and <= (byte)'Z' ? b | 0x20 : b);
        }

        ReadOnlySpan<char> candidate = lower[..name.Length];
        if (_domainLookup.TryGetValue(candidate, out DomainEntry entry))
        {
            match = entry.Match;
            return true;
        }

        // Walk up one label at a time; only subtree entries match a proper suffix.
        while (true)
        {
            int dot = candidate.IndexOf('.');
            if (dot < 0)
                return false;
            candidate = candidate[(dot + 1)..];
            if (_domainLookup.TryGetValue(candidate, out entry) && entry.IncludeSubdomains)
            {
                match = entry.Match;
                return true;
            }
        }
    }

    /// <summary>Matches an address against the exact addresses and CIDR blocks (IPv4 mapped as in <c>FlowKey</c>); the longest prefix wins.</summary>
    public bool TryMatchAddress(UInt128 address, out IntelMatch match)
    {
        foreach (int length in _prefixLengths)
        {
            UInt128 masked = length == 0 ? UInt128.Zero : address & (UInt128.MaxValue << (AddressBits - length));
            if (_byPrefix[length]!.TryGetValue(masked, out match))
                return true;
        }

        match = default;
        return false;
    }

    /// <summary>Matches a server address and port against the endpoint entries (address:port). Does not fall back to <see cref="TryMatchAddress"/>.</summary>
    public bool TryMatchEndpoint(UInt128 address, ushort port, out IntelMatch match) =>
        _endpoints.TryGetValue(new EndpointKey(address, port), out match);

    /// <summary>Matches a client hello's JA4 (checked first) or JA3 hash against the miner fingerprints; either may be null.</summary>
    public bool TryMatchTlsFingerprint(string? ja3Hash, string? ja4, out TlsFingerprintMatch match)
    {
        if (ja4 is not null && _ja4.TryGetValue(ja4, out match))
            return true;
        if (ja3Hash is not null && _ja3.TryGetValue(ja3Hash, out match))
            return true;
        match = default;
        return false;
    }

    /// <remarks>A malformed bundled list throws <see cref="IntelFormatException"/> here: a build defect, caught by the tests.</remarks>
    private static PoolIntel LoadBundled()
    {
        var builder = new Builder();
        AddBundled(builder);
        return new PoolIntel(builder);
    }

    private readonly record struct EndpointKey(UInt128 Address, ushort Port);

    /// <summary>A domain-table value: the match, and whether names below the entry match too (false for a named endpoint).</summary>
    private readonly record struct DomainEntry(IntelMatch Match, bool IncludeSubdomains);
}
