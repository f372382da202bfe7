using Assay.Protocols.Tls;
using static Assay.Protocols.Tests.TestSupport.TlsMessages;

namespace Assay.Protocols.Tests.Tls;

public class TlsDetectorTests
{
    [Fact]
    public void AcceptsTheStartOfAClientOrServerHelloRecord()
    {
        Assert.True(TlsDetector.LooksLikeTls(HandshakeRecord(Assay.Protocols.Tls.TlsHandshakeType.ClientHello, FoxIoClientHelloBody())));
        Assert.True(TlsDetector.LooksLikeTls(HandshakeRecord(Assay.Protocols.Tls.TlsHandshakeType.ServerHello, ServerHelloBody(TlsVersion.Tls12, 47, null))));
        Assert.True(TlsDetector.LooksLikeTls([0x16, 0x03, 0x00, 0x00, 0x30, 0x01]));
    }

    [Theory]
    [InlineData(new byte[] { 0x47, 0x45, 0x54, 0x20, 0x2f, 0x20 })]          // "GET / "
    [InlineData(new byte[] { 0x16, 0x03, 0x01, 0x00, 0x30 })]                // too short to decide
    [InlineData(new byte[] { 0x16, 0x03, 0x05, 0x00, 0x30, 0x01 })]          // version 3.5
    [InlineData(new byte[] { 0x16, 0x03, 0x01, 0x00, 0x00, 0x01 })]          // empty record
    [InlineData(new byte[] { 0x16, 0x03, 0x01, 0x48, 0x01, 0x01 })]          // longer than any record
    [InlineData(new byte[] { 0x17, 0x03, 0x03, 0x00, 0x30, 0x01 })]          // application data: not the start
    [InlineData(new byte[] { 0x16, 0x03, 0x01, 0x00, 0x30, 0x0b })]          // Certificate first
    [InlineData(new byte[] { 0x80, 0x2e, 0x02, 0x00, 0x02, 0x00 })]          // SSLv2 but not CLIENT-HELLO
    [InlineData(new byte[] { 0x7b, 0x22, 0x69, 0x64, 0x22, 0x3a })]          // '{"id":' (stratum)
    public void RejectsOtherBytes(byte[] bytes) => Assert.False(TlsDetector.LooksLikeTls(bytes));

    [Fact]
    public void AcceptsAnSslV2Hello()
    {
        Assert.True(TlsDetector.LooksLikeTls([0x80, 0x2e, 0x01, 0x00, 0x02, 0x00, 0x15]));
        Assert.True(TlsDetector.LooksLikeTls([0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15]));
    }
}
