using Assay.Decoding;
using Assay.Protocols.Tls;
using static Assay.Protocols.Tests.TestSupport.TlsMessages;

namespace Assay.Protocols.Tests.Tls;

public class TlsFingerprintTests
{
    private static string Ja4Of(byte[] body)
    {
        AnomalySet anomalies = default;
        Assert.True(TlsClientHello.TryParse(body, ref anomalies, out TlsClientHello hello));
        return TlsFingerprint.Ja4(hello);
    }

    private static string Ja4RawOf(byte[] body)
    {
        AnomalySet anomalies = default;
        Assert.True(TlsClientHello.TryParse(body, ref anomalies, out TlsClientHello hello));
        return TlsFingerprint.Ja4Raw(hello);
    }

    [Fact]
    public void Ja3OfTheSalesforceExampleIsItsPublishedHash()
    {
        // salesforce/ja3 README: 769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0
        byte[] body = ClientHelloBody(TlsVersion.Tls10, [47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4],
            [ServerName("example.com"), SupportedGroups(23, 24, 25), PointFormats(0)]);
        AnomalySet anomalies = default;
        Assert.True(TlsClientHello.TryParse(body, ref anomalies, out TlsClientHello hello));

        Assert.Equal("769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0", TlsFingerprint.Ja3(hello));
        Assert.Equal("ada70206e40642a3e4461f35503241d5", TlsFingerprint.Ja3Hash(hello));
    }

    [Fact]
    public void Ja3LeavesGreaseOutOfEveryListAndKeepsEmptyFields()
    {
        AnomalySet anomalies = default;
        Assert.True(TlsClientHello.TryParse(FoxIoClientHelloBody(), ref anomalies, out TlsClientHello hello));
        Assert.Equal(
            "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,"
            + "27-0-51-16-17513-23-45-13-5-35-18-43-65281-11-10-21,29-23-24,0",
            TlsFingerprint.Ja3(hello));

        Assert.True(TlsClientHello.TryParse(ClientHelloBody(TlsVersion.Tls12, [47], null), ref anomalies, out hello));
        Assert.Equal("771,47,,,", TlsFingerprint.Ja3(hello));
    }

    [Fact]
    public void Ja3SIsVersionCipherAndExtensions()
    {
        byte[] body = ServerHelloBody(TlsVersion.Tls10, 47, [Empty(65281), Empty(0), PointFormats(0), Empty(35), Empty(5), Alpn("h2")]);
        AnomalySet anomalies = default;
        Assert.True(TlsServerHello.TryParse(body, ref anomalies, out TlsServerHello hello));

        Assert.Equal("769,47,65281-0-11-35-5-16", TlsFingerprint.Ja3S(hello));
        Assert.Equal("836ce314215654b5b1f85f97c73e506f", TlsFingerprint.Ja3SHash(hello));
    }

    [Fact]
    public void Ja4OfFoxIosExampleIsItsPublishedFingerprint()
    {
        Assert.Equal("t13d1516h2_8daaf6152771_e5627efa2ab1", Ja4Of(FoxIoClientHelloBody()));
        Assert.Equal(
            "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_"
            + "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601",
            Ja4RawOf(FoxIoClientHelloBody()));
    }

    [Theory]
    [InlineData(new[] { "h2", "http/1.1" }, "h2")]
    [InlineData(new[] { "http/1.1", "h2" }, "h1")]
    [InlineData(new[] { "h" }, "hh")]
    [InlineData(new[] { "anydesk/6.2.0/linux" }, "ax")]
    public void Ja4TakesTheFirstAndLastCharacterOfTheFirstAlpnValue(string[] protocols, string expected)
    {
        byte[] body = ClientHelloBody(TlsVersion.Tls12, [47], [Alpn(protocols)]);
        Assert.Equal(expected, Ja4Of(body).Substring(8, 2));
    }

    [Theory]
    [InlineData(new byte[] { 0xAB }, "ab")]
    [InlineData(new byte[] { 0xAB, 0xCD }, "ad")]
    [InlineData(new byte[] { 0x30, 0xAB }, "3b")]
    [InlineData(new byte[] { 0x30, 0x31, 0xAB, 0xCD }, "3d")]
    [InlineData(new byte[] { 0x30, 0xAB, 0xCD, 0x31 }, "01")]
    public void Ja4WritesHexDigitsForANonAlphanumericAlpn(byte[] protocol, string expected)
    {
        // The examples of JA4.md "ALPN Extension Value".
        byte[] body = ClientHelloBody(TlsVersion.Tls12, [47], [AlpnRaw(protocol)]);
        Assert.Equal(expected, Ja4Of(body).Substring(8, 2));
    }

    [Fact]
    public void Ja4WithoutAlpnSniExtensionsOrCiphersUsesItsPlaceholders()
    {
        Assert.Equal("t12i010000_ba72b8082249_000000000000", Ja4Of(ClientHelloBody(TlsVersion.Tls12, [0x002f], null)));
        Assert.Equal("t12i000000_000000000000_000000000000", Ja4Of(ClientHelloBody(TlsVersion.Tls12, [], null)));
        // SNI and ALPN are counted but not hashed: an empty list hashes to zeros.
        Assert.Equal("t10d0102h2_ba72b8082249_000000000000",
            Ja4Of(ClientHelloBody(TlsVersion.Tls10, [0x002f], [ServerName("a.b"), Alpn("h2")])));
    }

    [Fact]
    public void Ja4VersionIsTheHighestNonGreaseSupportedVersion()
    {
        Assert.StartsWith("t13", Ja4Of(ClientHelloBody(TlsVersion.Tls12, [47], [SupportedVersions(Grease, TlsVersion.Tls12, TlsVersion.Tls13)])), StringComparison.Ordinal);
        Assert.StartsWith("t11", Ja4Of(ClientHelloBody(TlsVersion.Tls12, [47], [SupportedVersions(TlsVersion.Tls11, TlsVersion.Tls10)])), StringComparison.Ordinal);
        Assert.StartsWith("ts3", Ja4Of(ClientHelloBody(TlsVersion.Ssl30, [47], null)), StringComparison.Ordinal);
        Assert.StartsWith("t00", Ja4Of(ClientHelloBody(TlsVersion.Tls12, [47], [SupportedVersions(0x7f1c)])), StringComparison.Ordinal);
    }

    [Fact]
    public void Ja4CapsCountsAt99AndIgnoresGreaseSignatureAlgorithms()
    {
        var ciphers = new ushort[120];
        for (int i = 0; i < ciphers.Length; i++)
            ciphers[i] = (ushort)(0x0100 + i);
        string ja4 = Ja4Of(ClientHelloBody(TlsVersion.Tls12, ciphers, [SignatureAlgorithms(Grease, 0x0403)]));
        Assert.StartsWith("t12i9901", ja4, StringComparison.Ordinal);

        string withoutGrease = Ja4Of(ClientHelloBody(TlsVersion.Tls12, ciphers, [SignatureAlgorithms(0x0403)]));
        Assert.Equal(withoutGrease, ja4);
    }

    [Fact]
    public void SpanMethodsAgreeWithTheStringOnes()
    {
        AnomalySet anomalies = default;
        Assert.True(TlsClientHello.TryParse(FoxIoClientHelloBody(), ref anomalies, out TlsClientHello hello));

        Span<byte> ja4 = stackalloc byte[TlsFingerprint.Ja4Length];
        TlsFingerprint.FormatJa4(hello, ja4);
        Assert.Equal(TlsFingerprint.Ja4(hello), System.Text.Encoding.ASCII.GetString(ja4));

        Span<byte> md5 = stackalloc byte[TlsFingerprint.Md5Length];
        TlsFingerprint.HashJa3(hello, md5);
        Assert.Equal(TlsFingerprint.Ja3Hash(hello), Convert.ToHexStringLower(md5));

        Span<byte> tooShort = stackalloc byte[10];
        Assert.False(TlsFingerprint.TryFormatJa3(hello, tooShort, out _));
    }

    [Fact]
    public void HugeHellosUseRentedBuffersAndStillMatch()
    {
        var ciphers = new ushort[4000];
        for (int i = 0; i < ciphers.Length; i++)
            ciphers[i] = (ushort)(ciphers.Length - i);
        AnomalySet anomalies = default;
        Assert.True(TlsClientHello.TryParse(ClientHelloBody(TlsVersion.Tls12, ciphers, null), ref anomalies, out TlsClientHello hello));

        string ja3 = TlsFingerprint.Ja3(hello);
        Assert.StartsWith("771,4000-3999-", ja3, StringComparison.Ordinal);
#pragma warning disable CA5351 // JA3 is an MD5 by definition
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.ASCII.GetBytes(ja3))), TlsFingerprint.Ja3Hash(hello));
#pragma warning restore CA5351
        Assert.Equal(TlsFingerprint.Ja4(hello)[11..23], Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.ASCII.GetBytes(TlsFingerprint.Ja4Raw(hello)[11..^1])))[..12]);
    }
}
