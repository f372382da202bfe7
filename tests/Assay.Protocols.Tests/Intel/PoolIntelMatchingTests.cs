using System.Text;
using Assay.Protocols.Intel;
using static Assay.Protocols.Tests.Intel.IntelTestSupport;

namespace Assay.Protocols.Tests.Intel;

public sealed class PoolIntelMatchingTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly PoolIntel _intel;

    public PoolIntelMatchingTests()
    {
        string list = _dir.Write("user.list", """
            nanopool.org	Nanopool
            exact.example.net:3333
            sub.pool.example.com
            10.1.2.3
            192.168.0.0/16
            172.16.0.0/12
            172.16.5.0/24	inner
            224.0.0.0/3
            2001:db8::/32
            2001:db8:1::/48	inner6
            2001:db8::42
            198.51.100.7:14444
            [2001:db8::7]:443
            ja3:0123456789abcdef0123456789abcdef	test miner
            """);
        _intel = PoolIntel.Load([list], includeBundled: false);
    }

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("nanopool.org")]
    [InlineData("xmr-eu1.nanopool.org")]
    [InlineData("xmr-eu1.nanopool.org.")]
    [InlineData("XMR-EU1.NanoPool.ORG")]
    [InlineData("a.b.c.d.nanopool.org")]
    [InlineData("sub.pool.example.com")]
    [InlineData("x.sub.pool.example.com")]
    [InlineData("exact.example.net")]
    [InlineData("nanopool.org:3333")]
    [InlineData("xmr-eu1.nanopool.org.:14444")]
    public void NamesAtOrBelowAnEntryMatch(string name)
    {
        Assert.True(_intel.MatchDomain(name, out IntelMatch match));
        Assert.Equal(IntelCategory.User, match.Category);
    }

    [Theory]
    [InlineData("evilnanopool.org")]
    [InlineData("nanopool.org.evil.com")]
    [InlineData("nanopool.orgx")]
    [InlineData("xnanopool.org")]
    [InlineData("org")]
    [InlineData("pool.example.com")]
    [InlineData("example.com")]
    [InlineData("sub-pool.example.com")]
    [InlineData("x.exact.example.net")]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("nanopool.org..")]
    [InlineData(".nanopool.org.x")]
    [InlineData("nanopool.org:")]
    [InlineData("nanopool.org:x")]
    [InlineData("nanopool.org:1:2")]
    [InlineData("evilnanopool.org:3333")]
    public void OtherNamesDoNotMatch(string name) => Assert.False(_intel.MatchDomain(name));

    [Fact]
    public void TheMatchNamesTheEntryAndCarriesItsLabelAndFile()
    {
        Assert.True(_intel.MatchDomain("xmr-eu1.nanopool.org.", out IntelMatch match));
        Assert.Equal("nanopool.org", match.Name);
        Assert.Equal("Nanopool", match.Label);
        Assert.EndsWith("user.list", match.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void NonAsciiBytesNeverMatchAnEntryButDoNotHideOneAbove()
    {
        Assert.False(_intel.TryMatchDomain(Encoding.UTF8.GetBytes("xmr.nanöpool.org"), out _));
        Assert.False(_intel.TryMatchDomain(Encoding.Latin1.GetBytes("NANOPOOL.\u00d6RG"), out _));
        Assert.True(_intel.TryMatchDomain(Encoding.UTF8.GetBytes("pööl.nanopool.org"), out _));
        Assert.True(_intel.TryMatchDomain([0xFF, 0x80, (byte)'.', .. "nanopool.org"u8], out _));
    }

    [Fact]
    public void OverlongNamesMissWithoutThrowing()
    {
        byte[] longName = Encoding.ASCII.GetBytes(new string('a', PoolIntel.MaxNameLength - "nanopool.org".Length - 1) + ".nanopool.org");
        Assert.Equal(PoolIntel.MaxNameLength, longName.Length);
        Assert.True(_intel.TryMatchDomain(longName, out _));
        Assert.False(_intel.TryMatchDomain([(byte)'a', .. longName], out _));
        Assert.False(_intel.TryMatchDomain(new byte[4096], out _));
    }

    [Fact]
    public void ALabelWithAnEmbeddedZeroOrDotRunDoesNotConfuseTheWalk()
    {
        Assert.False(_intel.TryMatchDomain("a\0.nanopool.or"u8, out _));
        Assert.True(_intel.TryMatchDomain("a\0.nanopool.org"u8, out _));
        Assert.True(_intel.TryMatchDomain("a..nanopool.org"u8, out _));
    }

    [Fact]
    public void DomainLookupsAllocateNothing()
    {
        byte[] miss = "www.example-benign-site.co.uk."u8.ToArray();
        byte[] hit = "xmr-eu1.nanopool.org"u8.ToArray();
        UInt128 google = V4("8.8.8.8");
        global::Assay.Tests.Allocations.WarmUp(() =>
        {
            _intel.TryMatchDomain(miss, out _);
            _intel.TryMatchDomain(hit, out _);
            _intel.TryMatchAddress(google, out _);
        });
        long before = GC.GetAllocatedBytesForCurrentThread();
        int hits = 0;
        for (int i = 0; i < 10_000; i++)
        {
            hits += _intel.TryMatchDomain(miss, out _) ? 1 : 0;
            hits += _intel.TryMatchDomain(hit, out _) ? 1 : 0;
            hits += _intel.TryMatchAddress(google, out _) ? 1 : 0;
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(10_000, hits);
    }

    [Theory]
    [InlineData("10.1.2.3", "10.1.2.3")]
    [InlineData("192.168.0.0", "192.168.0.0/16")]
    [InlineData("192.168.255.255", "192.168.0.0/16")]
    [InlineData("172.16.0.0", "172.16.0.0/12")]
    [InlineData("172.31.255.255", "172.16.0.0/12")]
    [InlineData("172.16.5.200", "172.16.5.0/24")]
    [InlineData("224.0.0.0", "224.0.0.0/3")]
    [InlineData("255.255.255.255", "224.0.0.0/3")]
    public void IPv4AddressesMatchTheMostSpecificEntry(string address, string expected)
    {
        Assert.True(_intel.TryMatchAddress(V4(address), out IntelMatch match));
        Assert.Equal(expected, match.Name);
    }

    [Theory]
    [InlineData("10.1.2.4")]
    [InlineData("10.1.2.2")]
    [InlineData("192.169.0.0")]
    [InlineData("192.167.255.255")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.0")]
    [InlineData("223.255.255.255")]
    [InlineData("0.0.0.0")]
    public void IPv4AddressesOutsideEveryEntryMiss(string address) => Assert.False(_intel.TryMatchAddress(V4(address), out _));

    [Fact]
    public void IPv4BlocksDoNotLeakIntoIPv6()
    {
        // 224.0.0.0/3 is ::ffff:e000:0/99, not e000::/3: the IPv6 address e000:: (and ::1) must stay unmatched.
        Assert.False(_intel.TryMatchAddress(V6("e000::"), out _));
        Assert.False(_intel.TryMatchAddress(V6("ffff:ffff::"), out _));
        Assert.False(_intel.TryMatchAddress(V6("::1"), out _));
        Assert.False(_intel.TryMatchAddress(V6("::a01:203"), out _));      // 10.1.2.3 as an IPv4-compatible, not mapped, address
    }

    [Theory]
    [InlineData("2001:db8::", "2001:db8::/32")]
    [InlineData("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8::/32")]
    [InlineData("2001:db8:1::5", "2001:db8:1::/48")]
    [InlineData("2001:db8:1:ffff:ffff:ffff:ffff:ffff", "2001:db8:1::/48")]
    [InlineData("2001:db8::42", "2001:db8::42")]
    public void IPv6AddressesMatchTheMostSpecificEntry(string address, string expected)
    {
        Assert.True(_intel.TryMatchAddress(V6(address), out IntelMatch match));
        Assert.Equal(expected, match.Name);
    }

    [Theory]
    [InlineData("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff")]
    [InlineData("2001:db9::")]
    [InlineData("::ffff:10.1.2.4")]
    [InlineData("::ffff:200.1.2.4")]
    public void IPv6AddressesOutsideEveryEntryMiss(string address) => Assert.False(_intel.TryMatchAddress(V6(address), out _));

    [Fact]
    public void EndpointsMatchOnlyTheirPort()
    {
        Assert.True(_intel.TryMatchEndpoint(V4("198.51.100.7"), 14444, out IntelMatch match));
        Assert.Equal("198.51.100.7:14444", match.Name);
        Assert.False(_intel.TryMatchEndpoint(V4("198.51.100.7"), 14445, out _));
        Assert.False(_intel.TryMatchAddress(V4("198.51.100.7"), out _));
        Assert.True(_intel.TryMatchEndpoint(V6("2001:db8::7"), 443, out match));
        Assert.Equal("[2001:db8::7]:443", match.Name);
        Assert.Equal(2, _intel.EndpointCount);
    }

    [Fact]
    public void FingerprintsFromUserListsMatchCaseInsensitively()
    {
        Assert.True(_intel.TryMatchTlsFingerprint("0123456789ABCDEF0123456789abcdef", null, out TlsFingerprintMatch match));
        Assert.Equal("test miner", match.Software);
        Assert.False(match.Shared);
        Assert.False(_intel.TryMatchTlsFingerprint(null, null, out _));
        Assert.False(_intel.TryMatchTlsFingerprint("ffffffffffffffffffffffffffffffff", "t13d1516h2_8daaf6152771_e5627efa2ab1", out _));
    }

    [Fact]
    public void TheEmptySnapshotMatchesNothing()
    {
        Assert.False(PoolIntel.Empty.MatchDomain("nanopool.org"));
        Assert.False(PoolIntel.Empty.TryMatchAddress(V4("10.1.2.3"), out _));
        Assert.False(PoolIntel.Empty.TryMatchEndpoint(V4("10.1.2.3"), 1, out _));
        Assert.False(PoolIntel.Empty.TryMatchTlsFingerprint("c34a54599a1fbaf1786aa6d633545a60", null, out _));
        Assert.Equal(0, PoolIntel.Empty.DomainCount + PoolIntel.Empty.AddressCount + PoolIntel.Empty.FingerprintCount);
    }
}
