using System.Net;
using System.Text;
using Assay.Output;

namespace Assay.Tests.Output;

public class Utf8FormatTests
{
    private static UInt128 Parse(string text)
    {
        UInt128 value = 0;
        foreach (byte b in IPAddress.Parse(text).MapToIPv6().GetAddressBytes())
            value = (value << 8) | b;
        return value;
    }

    [Theory]
    [InlineData("2001:db8::1")]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("fe80::217:f2ff:fed7:cf65")]
    [InlineData("2001:db8:0:1:1:1:1:1")]
    [InlineData("2001:0:0:1::1")]
    [InlineData("1::")]
    [InlineData("ff02::1:ff07:69ea")]
    [InlineData("2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff")]
    public void IPv6IsWrittenAsRfc5952Text(string address)
    {
        Span<byte> buffer = stackalloc byte[Utf8Format.MaxAddressLength];
        int n = Utf8Format.WriteAddress(Parse(address), ipv6: true, buffer);
        // .NET's formatter follows RFC 5952 too (lower case, longest zero run, first on a tie, no single-group "::").
        Assert.Equal(IPAddress.Parse(address).ToString(), Encoding.ASCII.GetString(buffer[..n]));
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("192.168.10.1")]
    [InlineData("255.255.255.255")]
    public void IPv4IsDottedQuad(string address)
    {
        Span<byte> buffer = stackalloc byte[Utf8Format.MaxAddressLength];
        int n = Utf8Format.WriteAddress(Parse(address), ipv6: false, buffer);
        Assert.Equal(address, Encoding.ASCII.GetString(buffer[..n]));
    }

    [Theory]
    [InlineData(0L, "1970-01-01T00:00:00.000000+0000")]
    [InlineData(1_700_000_000_123_456_789L, "2023-11-14T22:13:20.123456+0000")]
    [InlineData(-1_000L, "1969-12-31T23:59:59.999999+0000")]
    [InlineData(long.MaxValue, "2262-04-11T23:47:16.854775+0000")]
    public void TimestampsAreSuricatasFormat(long nanos, string expected)
    {
        Span<byte> buffer = stackalloc byte[Utf8Format.TimestampLength];
        Assert.Equal(Utf8Format.TimestampLength, Utf8Format.WriteTimestamp(nanos, buffer));
        Assert.Equal(expected, Encoding.ASCII.GetString(buffer));
    }
}
