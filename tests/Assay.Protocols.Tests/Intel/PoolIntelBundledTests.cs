using Assay.Protocols.Intel;
using Xunit.Abstractions;
using static Assay.Protocols.Tests.Intel.IntelTestSupport;

namespace Assay.Protocols.Tests.Intel;

public class PoolIntelBundledTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryBundledEntryHasADeclaredSourceAndDateAndNoneRepeats()
    {
        string text = PoolIntel.ReadResource(PoolIntel.PoolsResource);
        List<PoolIntel.BundledPoolEntry> entries = PoolIntel.ParseBundledPools(text, PoolIntel.PoolsResource);
        var seen = new HashSet<(string, string)>();
        var perSource = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var perKind = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var perCategory = new SortedDictionary<IntelCategory, int>();
        foreach (PoolIntel.BundledPoolEntry entry in entries)
        {
            Assert.True(seen.Add((entry.Kind, entry.Value)), $"line {entry.Line}: {entry.Kind} {entry.Value} repeats");
            Assert.False(string.IsNullOrWhiteSpace(entry.SourceId));
            Assert.True(PoolIntel.IsListDate(entry.Date), $"line {entry.Line}: date {entry.Date}");
            Assert.Contains(entry.Date, entry.Match.Source, StringComparison.Ordinal);
            Assert.Equal(entry.Value, entry.Value.ToLowerInvariant());
            perSource[entry.SourceId] = perSource.GetValueOrDefault(entry.SourceId) + 1;
            perKind[entry.Kind] = perKind.GetValueOrDefault(entry.Kind) + 1;
            perCategory[entry.Match.Category] = perCategory.GetValueOrDefault(entry.Match.Category) + 1;
        }

        output.WriteLine($"bundled pool list: {entries.Count} entries");
        foreach ((string source, int count) in perSource)
            output.WriteLine($"  source {source}: {count}");
        foreach ((string kind, int count) in perKind)
            output.WriteLine($"  kind {kind}: {count}");
        foreach ((IntelCategory category, int count) in perCategory)
            output.WriteLine($"  category {category}: {count}");

        // Every declared source contributes, and nothing else was read.
        int declared = text.Split('\n').Count(line => line.StartsWith("#@source\t", StringComparison.Ordinal));
        Assert.Equal(declared, perSource.Count);
        Assert.True(entries.Count > 1000, $"{entries.Count} entries");
    }

    [Fact]
    public void TheBundledSnapshotCountsEveryRowOnce()
    {
        List<PoolIntel.BundledPoolEntry> entries = PoolIntel.ParseBundledPools(PoolIntel.ReadResource(PoolIntel.PoolsResource), PoolIntel.PoolsResource);
        int domains = entries.Count(e => e.Kind == "domain");
        int addresses = entries.Count(e => e.Kind == "address");
        int namedEndpoints = entries.Count(e => e.Kind == "endpoint" && !char.IsAsciiDigit(e.Value[0]) && e.Value[0] != '[');
        int addressEndpoints = entries.Count(e => e.Kind == "endpoint") - namedEndpoints;
        PoolIntel bundled = PoolIntel.Bundled;
        output.WriteLine($"Bundled: {bundled.DomainCount} names, {bundled.AddressCount} addresses, {bundled.EndpointCount} endpoints, {bundled.FingerprintCount} fingerprints; {namedEndpoints} name:port rows fold into their name");
        Assert.Equal(domains, bundled.DomainCount);                  // every name:port row names a host also listed as a domain
        Assert.Equal(addresses, bundled.AddressCount);
        Assert.Equal(addressEndpoints, bundled.EndpointCount);
        Assert.Same(bundled, PoolIntel.Bundled);
    }

    [Theory]
    [InlineData("xmr-eu1.nanopool.org", "xmr-eu1.nanopool.org", IntelCategory.Pool)]      // the most specific entry wins
    [InlineData("zec-eu1.nanopool.org", "nanopool.org", IntelCategory.Pool)]
    [InlineData("eth-eu1.nanopool.org.", "nanopool.org", IntelCategory.Pool)]
    [InlineData("pool.supportxmr.com", "pool.supportxmr.com", IntelCategory.Pool)]
    [InlineData("la01.supportxmr.com", "supportxmr.com", IntelCategory.Pool)]
    [InlineData("gulf.moneroocean.stream", "moneroocean.stream", IntelCategory.Pool)]
    [InlineData("mine.c3pool.com", "mine.c3pool.com", IntelCategory.Pool)]
    [InlineData("xmr.2miners.com", "xmr.2miners.com", IntelCategory.Pool)]
    [InlineData("xmr.f2pool.com", "xmr.f2pool.com", IntelCategory.Pool)]
    [InlineData("btc.f2pool.com", "f2pool.com", IntelCategory.Pool)]
    [InlineData("monero.herominers.com", "monero.herominers.com", IntelCategory.Pool)]
    [InlineData("pool.hashvault.pro", "pool.hashvault.pro", IntelCategory.Pool)]
    [InlineData("us.litecoinpool.org", "litecoinpool.org", IntelCategory.Pool)]
    [InlineData("donate.v2.xmrig.com", "donate.v2.xmrig.com", IntelCategory.Donation)]
    [InlineData("donate.ssl.xmrig.com", "donate.ssl.xmrig.com", IntelCategory.Donation)]
    [InlineData("coinhive.com", "coinhive.com", IntelCategory.WebMiner)]
    [InlineData("ws027.authedmine.com", "authedmine.com", IntelCategory.WebMiner)]
    public void WellKnownPoolsAndMinersMatch(string name, string entry, IntelCategory category)
    {
        Assert.True(PoolIntel.Bundled.MatchDomain(name, out IntelMatch match), name);
        Assert.Equal((entry, category), (match.Name, match.Category));
        Assert.Contains("@", match.Source, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("xmrig.com")]
    [InlineData("github.com")]
    [InlineData("x.mooo.com")]                 // excluded: FreeDNS parent
    [InlineData("seed1.joulecoin.org")]        // excluded: coin P2P seed
    [InlineData("emercoin.com")]
    [InlineData("evilnanopool.org")]
    [InlineData("nanopool.org.example.com")]
    public void ExcludedAndLookalikeNamesDoNotMatch(string name) => Assert.False(PoolIntel.Bundled.MatchDomain(name), name);

    [Fact]
    public void BundledAddressesAndEndpointsMatch()
    {
        Assert.True(PoolIntel.Bundled.TryMatchEndpoint(V4("149.210.234.234"), 3333, out IntelMatch match));
        Assert.Contains("maltrail", match.Source, StringComparison.Ordinal);
        Assert.True(PoolIntel.Bundled.TryMatchAddress(V4("163.172.226.194"), out match));
        Assert.Equal("163.172.226.194", match.Name);
        Assert.False(PoolIntel.Bundled.TryMatchAddress(V4("149.210.234.234"), out _));
    }

    [Fact]
    public void TheBundledFingerprintListParsesAndMarksXmrigAsShared()
    {
        List<PoolIntel.BundledFingerprint> fingerprints =
            PoolIntel.ParseBundledFingerprints(PoolIntel.ReadResource(PoolIntel.FingerprintsResource), PoolIntel.FingerprintsResource);
        Assert.NotEmpty(fingerprints);
        foreach (PoolIntel.BundledFingerprint fingerprint in fingerprints)
            Assert.True(PoolIntel.IsListDate(fingerprint.Date));
        Assert.True(PoolIntel.Bundled.TryMatchTlsFingerprint("c34a54599a1fbaf1786aa6d633545a60", null, out TlsFingerprintMatch match));
        Assert.Equal("XMRig 6.16.0", match.Software);
        Assert.True(match.Shared);
        Assert.Contains("OpenSSL", match.Notes, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("domain\tx.com\t-\tpool\tnope\t2021", "source 'nope' is not declared")]
    [InlineData("domain\tx.com\t-\tpool\ts\t2020", "differs from its source's date")]
    [InlineData("domain\tx.com\t-\tminer\ts\t2021", "unknown category")]
    [InlineData("host\tx.com\t-\tpool\ts\t2021", "unknown kind")]
    [InlineData("domain\tx.com\t-\tpool\ts", "expected 6")]
    [InlineData("address\tx.com\t-\tpool\ts\t2021", "kind column says address")]
    [InlineData("domain\t10.0.0.0/8\t-\tpool\ts\t2021", "kind column says domain")]
    public void ABadBundledRowIsRejectedWithItsLine(string row, string reason)
    {
        string text = "# header\n#@source\ts\t2021\tsome/repo@abc file\n" + row + "\n";
        var e = Assert.Throws<IntelFormatException>(() => PoolIntel.FromPoolListText(text, "test.tsv"));
        Assert.Equal(3, e.Line);
        Assert.Contains(reason, e.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("#@source\ts\t2021-13\tx", "#@source needs")]
    [InlineData("#@source\ts\t2021", "#@source needs")]
    [InlineData("#@source\ts\t2021\tx\n#@source\ts\t2021\ty", "declared twice")]
    public void ABadSourceDirectiveIsRejected(string directives, string reason)
    {
        var e = Assert.Throws<IntelFormatException>(() => PoolIntel.ParseBundledPools(directives + "\n", "test.tsv"));
        Assert.Contains(reason, e.Reason, StringComparison.Ordinal);
    }
}
