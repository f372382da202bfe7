using Assay.Decoding.Network;

namespace Assay.Decoding.Tests.Network;

public class InternetChecksumTests
{
    [Fact]
    public void SumMatchesTheRfc1071Example()
    {
        // RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
        Assert.Equal(0xDDF2, InternetChecksum.Sum([0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7]));
    }

    [Fact]
    public void SumMatchesANaiveSixteenBitSumAtEveryLength()
    {
        var random = new Random(1071);
        for (int length = 0; length < 300; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);
            if (length > 10)
                data.AsSpan(0, 10).Fill(0xFF);              // force carries
            Assert.Equal(NaiveSum(data), InternetChecksum.Sum(data));
        }
    }

    [Fact]
    public void ComputedChecksumValidates()
    {
        byte[] header = [0x45, 0, 0, 0x54, 0xA6, 0xF2, 0x40, 0, 0x40, 0x01, 0, 0, 0xC0, 0xA8, 0, 0x1F, 0xC0, 0xA8, 0, 0xC5];
        ushort checksum = InternetChecksum.Compute(header);
        header[10] = (byte)(checksum >> 8);
        header[11] = (byte)checksum;

        Assert.True(InternetChecksum.IsValid(header));
        header[5] ^= 0x10;
        Assert.False(InternetChecksum.IsValid(header));
    }

    private static ushort NaiveSum(byte[] data)
    {
        uint sum = 0;
        for (int i = 0; i < data.Length; i += 2)
        {
            uint word = (uint)data[i] << 8;
            if (i + 1 < data.Length)
                word |= data[i + 1];
            sum += word;
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)sum;
    }
}
