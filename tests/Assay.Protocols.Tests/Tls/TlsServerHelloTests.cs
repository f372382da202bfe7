using System.Text;
using Assay.Decoding;
using Assay.Protocols.Tls;
using static Assay.Protocols.Tests.TestSupport.TlsMessages;

namespace Assay.Protocols.Tests.Tls;

public class TlsServerHelloTests
{
    [Fact]
    public void SupportedVersionsGivesTheNegotiatedVersion()
    {
        AnomalySet anomalies = default;
        byte[] body = ServerHelloBody(TlsVersion.Tls12, 0x1302, [Extension(0x002b, UInt16(TlsVersion.Tls13)), Alpn("h2")]);
        Assert.True(TlsServerHello.TryParse(body, ref anomalies, out TlsServerHello hello));

        Assert.Equal(TlsVersion.Tls12, hello.LegacyVersion);
        Assert.Equal(TlsVersion.Tls13, hello.SelectedVersion);
        Assert.Equal(TlsVersion.Tls13, hello.NegotiatedVersion);
        Assert.Equal(0x1302, hello.CipherSuite);
        Assert.Equal(32, hello.SessionId.Length);
        Assert.False(hello.IsHelloRetryRequest);
        var alpn = new TlsAlpnReader(hello.AlpnProtocols);
        Assert.True(alpn.TryReadNext(out ReadOnlySpan<byte> protocol));
        Assert.Equal("h2", Encoding.ASCII.GetString(protocol));
    }

    [Fact]
    public void WithoutSupportedVersionsTheLegacyVersionIsNegotiated()
    {
        AnomalySet anomalies = default;
        Assert.True(TlsServerHello.TryParse(ServerHelloBody(TlsVersion.Tls10, 47, null), ref anomalies, out TlsServerHello hello));
        Assert.Equal(TlsVersion.Tls10, hello.NegotiatedVersion);
        Assert.True(hello.Extensions.IsEmpty);
    }

    [Fact]
    public void RecognizesAHelloRetryRequestByItsRandom()
    {
        AnomalySet anomalies = default;
        byte[] body = ServerHelloBody(TlsVersion.Tls12, 0x1301, [Extension(0x002b, UInt16(TlsVersion.Tls13))],
            random: TlsServerHello.HelloRetryRequestRandom.ToArray());
        Assert.True(TlsServerHello.TryParse(body, ref anomalies, out TlsServerHello hello));
        Assert.True(hello.IsHelloRetryRequest);
    }

    [Fact]
    public void ReadsTheDraftLayoutWithoutSessionIdOrCompression()
    {
        // TLS 1.3 draft 18 (0x7F12): version, random, cipher_suite, extensions.
        byte[] body = Concat(UInt16(0x7F12), new byte[32], UInt16(0x1301), Vector16(Extension(0x0033, [0, 29, 0, 0])));
        AnomalySet anomalies = default;
        Assert.True(TlsServerHello.TryParse(body, ref anomalies, out TlsServerHello hello));
        Assert.Equal(0x1301, hello.CipherSuite);
        Assert.Equal(0x7F12, hello.NegotiatedVersion);
        Assert.Equal("TLS 1.3 draft-18", TlsVersion.GetName(hello.NegotiatedVersion));
    }

    [Fact]
    public void ReadsAPreDraft16HelloWhoseVersionFieldSays0304()
    {
        // TLS 1.3 draft 14 (suricata-verify tls13-draft14): 0x0304, random, cipher_suite, extensions.
        byte[] body = Concat(UInt16(TlsVersion.Tls13), new byte[32], UInt16(0xc02b), Vector16(Extension(0x0028, [0, 23])));
        AnomalySet anomalies = default;
        Assert.True(TlsServerHello.TryParse(body, ref anomalies, out TlsServerHello hello));
        Assert.Equal(0xc02b, hello.CipherSuite);
        Assert.Equal("TLS 1.3 draft-<16", TlsVersion.GetName(hello.NegotiatedVersion));
    }

    [Fact]
    public void RejectsTruncatedHellos()
    {
        byte[] body = ServerHelloBody(TlsVersion.Tls12, 47, [Empty(0xff01)]);
        for (int length = 0; length < body.Length; length++)
        {
            AnomalySet anomalies = default;
            if (!TlsServerHello.TryParse(body.AsSpan(0, length), ref anomalies, out _))
                Assert.True(anomalies.Contains(Anomaly.TlsHandshakeInvalidLength));
            else
                Assert.Equal(2 + 32 + 33 + 2 + 1, length); // the extension-less prefix is itself a valid hello
        }
    }
}
