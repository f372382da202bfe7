using Assay.Protocols.Tls;

namespace Assay.Protocols.Tests.Tls;

public class TlsVersionTests
{
    [Theory]
    [InlineData(0x0000, "UNDETERMINED")]
    [InlineData(0x0002, "SSLv2")]
    [InlineData(0x0300, "SSLv3")]
    [InlineData(0x0301, "TLSv1")]
    [InlineData(0x0302, "TLS 1.1")]
    [InlineData(0x0303, "TLS 1.2")]
    [InlineData(0x0304, "TLS 1.3")]
    [InlineData(0x7F1C, "TLS 1.3 draft-28")]
    [InlineData(0x7F10, "TLS 1.3 draft-16")]
    [InlineData(0x7F0E, "TLS 1.3 draft-<16")]
    [InlineData(0xFB17, "TLS 1.3 draft-23-fb")]
    [InlineData(0x0305, "0x0305")]
    public void NamesVersionsAsSuricataDoes(int version, string name) => Assert.Equal(name, TlsVersion.GetName((ushort)version));

    [Fact]
    public void GreaseIsTheSixteenReservedValues()
    {
        int count = 0;
        for (int value = 0; value <= ushort.MaxValue; value++)
        {
            if (TlsGrease.Is((ushort)value))
            {
                count++;
                Assert.Equal(0x0A0A, value & 0x0F0F);
            }
        }

        Assert.Equal(16, count);
        Assert.True(TlsGrease.Is(0xFAFA));
        Assert.False(TlsGrease.Is(0x0A1A));
    }
}
