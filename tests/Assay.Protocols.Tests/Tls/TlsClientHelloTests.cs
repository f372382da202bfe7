using System.Text;
using Assay.Decoding;
using Assay.Protocols.Tls;
using static Assay.Protocols.Tests.TestSupport.TlsMessages;

namespace Assay.Protocols.Tests.Tls;

public class TlsClientHelloTests
{
    [Fact]
    public void ReadsTheFixedPartAndTheExtensionsItKnows()
    {
        AnomalySet anomalies = default;
        byte[] sessionId = [1, 2, 3];
        byte[] body = ClientHelloBody(TlsVersion.Tls12, [Grease, 0x1301], [ServerName("www.example.org"), Alpn("h2", "http/1.1"),
            SupportedVersions(TlsVersion.Tls13, TlsVersion.Tls12), SupportedGroups(29, 23), PointFormats(0, 1), SignatureAlgorithms(0x0403)],
            sessionId);

        Assert.True(TlsClientHello.TryParse(body, ref anomalies, out TlsClientHello hello));

        Assert.Equal(0, anomalies.Count);
        Assert.Equal(TlsVersion.Tls12, hello.LegacyVersion);
        Assert.Equal(sessionId, hello.SessionId.ToArray());
        Assert.Equal(UInt16s(Grease, 0x1301), hello.CipherSuites.ToArray());
        Assert.Equal(new byte[] { 0 }, hello.CompressionMethods.ToArray());
        Assert.True(hello.HasServerName);
        Assert.Equal("www.example.org", Encoding.ASCII.GetString(hello.ServerName));
        Assert.Equal(Vector8("h2"u8.ToArray()).Concat(Vector8("http/1.1"u8.ToArray())), hello.AlpnProtocols.ToArray());
        Assert.Equal(UInt16s(TlsVersion.Tls13, TlsVersion.Tls12), hello.SupportedVersions.ToArray());
        Assert.Equal(TlsVersion.Tls13, hello.MaxVersion);
        Assert.Equal(UInt16s(29, 23), hello.SupportedGroups.ToArray());
        Assert.Equal(new byte[] { 0, 1 }, hello.EcPointFormats.ToArray());
        Assert.Equal(UInt16s(0x0403), hello.SignatureAlgorithms.ToArray());
    }

    [Fact]
    public void AcceptsAHelloWithoutExtensions()
    {
        AnomalySet anomalies = default;
        Assert.True(TlsClientHello.TryParse(ClientHelloBody(TlsVersion.Tls10, [47], null), ref anomalies, out TlsClientHello hello));
        Assert.True(hello.Extensions.IsEmpty);
        Assert.False(hello.HasServerName);
        Assert.Equal(TlsVersion.Tls10, hello.MaxVersion);
    }

    [Fact]
    public void EveryTruncationIsRejectedWithAnAnomaly()
    {
        byte[] body = FoxIoClientHelloBody();
        for (int length = 0; length < body.Length; length++)
        {
            AnomalySet anomalies = default;
            bool ok = TlsClientHello.TryParse(body.AsSpan(0, length), ref anomalies, out _);
            // Cutting exactly before the extensions block leaves a valid extension-less TLS 1.2 hello.
            if (ok)
                Assert.Equal(body.Length - 2 - BodyExtensionsLength(body), length);
            else
                Assert.True(anomalies.Contains(Anomaly.TlsHandshakeInvalidLength), $"length {length}");
        }
    }

    private static int BodyExtensionsLength(byte[] body)
    {
        AnomalySet anomalies = default;
        Assert.True(TlsClientHello.TryParse(body, ref anomalies, out TlsClientHello hello));
        return hello.Extensions.Length;
    }

    [Fact]
    public void ABrokenInnerListEmptiesOnlyThatList()
    {
        byte[] badSni = Extension(0x0000, [0, 9, 0, 0, 3, (byte)'a']);
        byte[] badGroups = Extension(0x000a, [0, 3, 0, 23, 0]);
        AnomalySet anomalies = default;
        Assert.True(TlsClientHello.TryParse(ClientHelloBody(TlsVersion.Tls12, [47], [badSni, badGroups, Alpn("h2")]), ref anomalies, out TlsClientHello hello));

        Assert.True(hello.HasServerName);
        Assert.True(hello.ServerName.IsEmpty);
        Assert.True(hello.SupportedGroups.IsEmpty);
        Assert.False(hello.AlpnProtocols.IsEmpty);
        Assert.True(anomalies.Contains(Anomaly.TlsInvalidSniLength));
        Assert.True(anomalies.Contains(Anomaly.TlsHandshakeInvalidLength));
    }

    [Fact]
    public void NamesSecondSniExtensionsAndUnknownNameTypes()
    {
        byte[] otherType = Extension(0x0000, Vector16(Concat([1], Vector16("x"u8.ToArray()), [0], Vector16("b.example"u8.ToArray()))));
        AnomalySet anomalies = default;
        Assert.True(TlsClientHello.TryParse(ClientHelloBody(TlsVersion.Tls12, [47], [otherType, ServerName("a.example")]), ref anomalies, out TlsClientHello hello));

        Assert.Equal("b.example", Encoding.ASCII.GetString(hello.ServerName));
        Assert.True(anomalies.Contains(Anomaly.TlsInvalidSniType));
        Assert.True(anomalies.Contains(Anomaly.TlsMultipleSniExtensions));
    }

    [Fact]
    public void AnExtensionOverrunningTheBlockEndsTheListWithAnAnomaly()
    {
        byte[] body = Concat(ClientHelloBody(TlsVersion.Tls12, [47], null), Vector16(Concat(Empty(0x0017), [0, 16, 0, 9, 1])));
        AnomalySet anomalies = default;
        Assert.True(TlsClientHello.TryParse(body, ref anomalies, out TlsClientHello hello));
        Assert.True(anomalies.Contains(Anomaly.TlsHandshakeInvalidLength));
        Assert.Equal("771,47,23,,", TlsFingerprint.Ja3(hello));
    }

    [Fact]
    public void BytesAfterTheExtensionsBlockAreNamedAndIgnored()
    {
        byte[] body = Concat(ClientHelloBody(TlsVersion.Tls12, [47], [Empty(0x0017)]), [0xEE]);
        AnomalySet anomalies = default;
        Assert.True(TlsClientHello.TryParse(body, ref anomalies, out TlsClientHello hello));
        Assert.True(anomalies.Contains(Anomaly.TlsHandshakeInvalidLength));
        Assert.Equal("771,47,23,,", TlsFingerprint.Ja3(hello));
    }
}
