using Assay.Protocols.Intel;
using static Assay.Protocols.Tests.Intel.IntelTestSupport;

namespace Assay.Protocols.Tests.Intel;

public sealed class PoolIntelUserListTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void EveryFormCommentsAndLabelsAreRead()
    {
        string file = _dir.Write("all.list", """
            # a comment line
               # an indented comment

            Pool.Example.ORG.	Example pool   # trailing comment
            *.wild.example.net
            203.0.113.9
            203.0.113.0/25
            2001:db8:abcd::1
            2001:db8:abcd:1::/64
            203.0.113.200:3333	stratum
            [2001:db8::3]:5555
            named.example.com:4444
            ja4:t12i3006h2_a0f71150605f_1da50ec048a3	custom
            """);
        PoolIntel intel = PoolIntel.Load([file], includeBundled: false);

        Assert.True(intel.MatchDomain("a.pool.example.org", out IntelMatch match));
        Assert.Equal(("pool.example.org", "Example pool", IntelCategory.User, file), (match.Name, match.Label, match.Category, match.Source));
        Assert.True(intel.MatchDomain("x.wild.example.net"));
        Assert.True(intel.MatchDomain("wild.example.net"));
        Assert.True(intel.MatchDomain("named.example.com", out match));
        Assert.Equal("named.example.com:4444", match.Name);
        Assert.False(intel.MatchDomain("x.named.example.com"));
        Assert.True(intel.TryMatchAddress(V4("203.0.113.9"), out match));
        Assert.Equal("203.0.113.9", match.Name);
        Assert.True(intel.TryMatchAddress(V4("203.0.113.127"), out match));
        Assert.Equal("203.0.113.0/25", match.Name);
        Assert.False(intel.TryMatchAddress(V4("203.0.113.128"), out _));
        Assert.True(intel.TryMatchAddress(V6("2001:db8:abcd::1"), out _));
        Assert.True(intel.TryMatchAddress(V6("2001:db8:abcd:1:ffff::"), out _));
        Assert.True(intel.TryMatchEndpoint(V4("203.0.113.200"), 3333, out match));
        Assert.Equal("stratum", match.Label);
        Assert.True(intel.TryMatchEndpoint(V6("2001:db8::3"), 5555, out _));
        Assert.True(intel.TryMatchTlsFingerprint(null, "t12i3006h2_a0f71150605f_1da50ec048a3", out TlsFingerprintMatch fingerprint));
        Assert.Equal("custom", fingerprint.Software);
        Assert.Equal((3, 4, 2, 1), (intel.DomainCount, intel.AddressCount, intel.EndpointCount, intel.FingerprintCount));
    }

    [Fact]
    public void UserEntriesComeOnTopOfTheBundledList()
    {
        string file = _dir.Write("extra.list", "nanopool.org\tmine\nmy-private-pool.example\n");
        PoolIntel intel = PoolIntel.Load([file]);
        Assert.Equal(PoolIntel.Bundled.DomainCount + 1, intel.DomainCount);
        Assert.True(intel.MatchDomain("zz.nanopool.org", out IntelMatch match));
        Assert.Equal((IntelCategory.User, "mine"), (match.Category, match.Label));
        Assert.True(intel.MatchDomain("supportxmr.com", out match));
        Assert.Equal(IntelCategory.Pool, match.Category);
        Assert.True(intel.MatchDomain("a.my-private-pool.example"));
    }

    [Theory]
    [InlineData("evil..com", "empty label")]
    [InlineData("-evil.com", "starts or ends with '-'")]
    [InlineData("localhost", "single-label")]
    [InlineData("bad_char!.com", "invalid character")]
    [InlineData("10.0.0.0/33", "prefix length '33' out of range 1-32")]
    [InlineData("10.0.0.0/0", "out of range 1-32")]
    [InlineData("10.0.0.0/", "out of range")]
    [InlineData("10.0.0.0/8x", "out of range")]
    [InlineData("10.0.0.1/8", "host bits set")]
    [InlineData("2001:db8::/129", "out of range 1-128")]
    [InlineData("2001:db8::1/64", "host bits set")]
    [InlineData("300.1.1.1", "not an IPv4 address")]
    [InlineData("1.2.3", "not an IPv4 address")]
    [InlineData("2001:db8:::1", "not an IPv6 address")]
    [InlineData("1.2.3.4:0", "port '0' out of range")]
    [InlineData("1.2.3.4:70000", "out of range")]
    [InlineData("pool.example.com:", "out of range")]
    [InlineData("[2001:db8::1]", "expected [IPv6]:port")]
    [InlineData("[2001:db8::1]:", "out of range")]
    [InlineData("[1.2.3.4]:80", "not an IPv6 address")]
    [InlineData("ja3:1234", "not a JA3")]
    [InlineData("ja4:t13d1516h2_8daaf6152771", "not a JA4")]
    [InlineData("two words.com", "spaces inside an entry")]
    [InlineData("a.com\tlabel\textra", "more than two")]
    public void ABadLineIsReportedWithFileAndLine(string line, string reason)
    {
        string file = _dir.Write("bad.list", $"# header\ngood.example.com\n\n{line}\nother.example.com\n");
        var e = Assert.Throws<IntelFormatException>(() => PoolIntel.Load([file], includeBundled: false));
        Assert.Equal(file, e.File);
        Assert.Equal(4, e.Line);
        Assert.Contains(reason, e.Reason, StringComparison.Ordinal);
        Assert.StartsWith($"{file}:4: ", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void AMissingFileIsAFormatErrorWithoutALine()
    {
        string missing = Path.Combine(_dir.Path, "nope.list");
        var e = Assert.Throws<IntelFormatException>(() => PoolIntel.Load([missing]));
        Assert.Equal((missing, 0), (e.File, e.Line));
        Assert.Equal($"{missing}: file not found", e.Message);
    }

    [Fact]
    public void ADirectoryIsAFormatErrorToo()
    {
        var e = Assert.Throws<IntelFormatException>(() => PoolIntel.Load([_dir.Path], includeBundled: false));
        Assert.Equal(_dir.Path, e.File);
    }

    [Fact]
    public void AnEmptyListLoadsEmpty()
    {
        string file = _dir.Write("empty.list", "# nothing\n\n");
        PoolIntel intel = PoolIntel.Load([file], includeBundled: false);
        Assert.Equal(0, intel.DomainCount + intel.AddressCount + intel.EndpointCount + intel.FingerprintCount);
    }
}
