using Assay.Protocols.Intel;
using static Assay.Protocols.Tests.Intel.IntelTestSupport;

namespace Assay.Protocols.Tests.Intel;

public class IntelTextTests
{
    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("1.2.3.4")]
    [InlineData("255.255.255.255")]
    [InlineData("10.0.0.1")]
    public void IPv4ParsesAsTheBclDoesAndIsMapped(string text)
    {
        Assert.True(IntelText.TryParseAddress(text, out UInt128 address, out bool isIPv4));
        Assert.True(isIPv4);
        Assert.Equal(V4(text), address);
    }

    [Theory]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("1::")]
    [InlineData("2001:db8::1")]
    [InlineData("2001:DB8:0:0:0:0:0:1")]
    [InlineData("fe80::1:2:3:4")]
    [InlineData("1:2:3:4:5:6:7:8")]
    [InlineData("1:2:3:4:5:6:7::")]
    [InlineData("::2:3:4:5:6:7:8")]
    [InlineData("::ffff:1.2.3.4")]
    [InlineData("64:ff9b::192.0.2.33")]
    [InlineData("1:2:3:4:5:6:1.2.3.4")]
    [InlineData("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]
    public void IPv6ParsesAsTheBclDoes(string text)
    {
        Assert.True(IntelText.TryParseAddress(text, out UInt128 address, out bool isIPv4));
        Assert.False(isIPv4);
        Assert.Equal(V6(text), address);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1.2.3")]
    [InlineData("1.2.3.4.5")]
    [InlineData("256.1.1.1")]
    [InlineData("01.2.3.4")]
    [InlineData("1..2.3")]
    [InlineData("1.2.3.4.")]
    [InlineData("1.2.3.-4")]
    [InlineData("1.2.3.1000")]
    [InlineData(":::")]
    [InlineData("1:::2")]
    [InlineData("1::2::3")]
    [InlineData(":1::")]
    [InlineData("1:2:3:4:5:6:7:8:9")]
    [InlineData("1:2:3:4:5:6:7:8::")]
    [InlineData("12345::")]
    [InlineData("g::1")]
    [InlineData("fe80::1%eth0")]
    [InlineData("::1.2.3")]
    [InlineData("1:2:3:4:5:6:7:1.2.3.4")]
    public void MalformedAddressesAreRefused(string text) =>
        Assert.False(IntelText.TryParseAddress(text, out _, out _));

    [Theory]
    [InlineData("Example.COM", "example.com")]
    [InlineData("example.com.", "example.com")]
    [InlineData("*.pool.example.org", "pool.example.org")]
    [InlineData("_srv.xn--80ak6aa92e.com", "_srv.xn--80ak6aa92e.com")]
    [InlineData("a-b.c-d.e", "a-b.c-d.e")]
    public void DomainsAreNormalised(string text, string expected)
    {
        Assert.True(IntelText.TryNormalizeDomain(text, out string domain, out string? error), error);
        Assert.Equal(expected, domain);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("localhost")]
    [InlineData("a..b")]
    [InlineData(".a.b")]
    [InlineData("-a.b")]
    [InlineData("a-.b")]
    [InlineData("a b.c")]
    [InlineData("exa mple.com")]
    [InlineData("bad!.com")]
    [InlineData("ünïcode.com")]
    [InlineData("1.2.3.4")]
    public void BadDomainsAreRefused(string text) =>
        Assert.False(IntelText.TryNormalizeDomain(text, out _, out _));

    [Fact]
    public void OverlongNamesAndLabelsAreRefused()
    {
        Assert.False(IntelText.TryNormalizeDomain(new string('a', 64) + ".com", out _, out _));
        Assert.True(IntelText.TryNormalizeDomain(new string('a', 63) + ".com", out _, out _));
        string label = new('a', 63);
        string name = $"{label}.{label}.{label}.{new string('b', 62)}";     // 254 characters
        Assert.Equal(254, name.Length);
        Assert.False(IntelText.TryNormalizeDomain(name, out _, out _));
        Assert.True(IntelText.TryNormalizeDomain(name.AsSpan(1), out _, out _));
        Assert.True(IntelText.TryNormalizeDomain(name[1..] + ".", out _, out _));          // the trailing dot does not count
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("65535", true)]
    [InlineData("0", false)]
    [InlineData("65536", false)]
    [InlineData("-1", false)]
    [InlineData("+80", false)]
    [InlineData("", false)]
    [InlineData("123456", false)]
    public void PortsAreOneTo65535(string text, bool valid) => Assert.Equal(valid, IntelText.TryParsePort(text, out _));
}
