namespace Assay.Synthesis.Tests.Support;

/// <summary>
/// A deliberately naive RFC 1071 checksum, 16 bits at a time, independent of the synthesizer's own implementation so the tests
/// do not check the code with itself.
/// </summary>
internal static class Checksum
{
    public static uint Sum(ReadOnlySpan<byte> data, uint sum = 0)
    {
        for (int i = 0; i < data.Length; i += 2)
        {
            int hi = data[i];
            int lo = i + 1 < data.Length ? data[i + 1] : 0;
            sum += (uint)((hi << 8) | lo);
        }

        return sum;
    }

    /// <summary>True when the data, checksum field included, sums to 0xFFFF.</summary>
    public static bool Verifies(uint sum)
    {
        while (sum > 0xFFFF)
            sum = (sum & 0xFFFF) + (sum >> 16);
        return sum == 0xFFFF;
    }

    public static uint PseudoHeader(byte[] source, byte[] destination, int protocol, int length)
    {
        uint sum = Sum(source);
        sum = Sum(destination, sum);
        return sum + (uint)protocol + (uint)length;
    }
}
