using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Assay.Decoding.Network;

/// <summary>
/// The Internet checksum (RFC 1071): the ones' complement of the ones' complement sum of 16-bit big-endian words.
/// Summing 64-bit words with end-around carry and folding gives the same result as the 16-bit definition (RFC 1071 §2(B)).
/// </summary>
public static class InternetChecksum
{
    /// <summary>The folded 16-bit ones' complement sum of <paramref name="data"/> (odd length: a zero pad byte is implied).</summary>
    public static ushort Sum(ReadOnlySpan<byte> data, uint initial = 0)
    {
        ulong sum = initial;
        while (data.Length >= sizeof(ulong))
        {
            ulong word = BinaryPrimitives.ReadUInt64BigEndian(data);
            sum += word;
            if (sum < word)
                sum++;                                    // end-around carry
            data = data[sizeof(ulong)..];
        }

        // At most 7 bytes left: each addition below is < 2^32, and a carry out of 64 bits is folded the same way.
        ulong tail = 0;
        if (data.Length >= sizeof(uint))
        {
            tail += BinaryPrimitives.ReadUInt32BigEndian(data);
            data = data[sizeof(uint)..];
        }

        if (data.Length >= sizeof(ushort))
        {
            tail += BinaryPrimitives.ReadUInt16BigEndian(data);
            data = data[sizeof(ushort)..];
        }

        if (!data.IsEmpty)
            tail += (uint)data[0] << 8;

        sum += tail;
        if (sum < tail)
            sum++;
        return Fold(sum);
    }

    /// <summary>The checksum field value for <paramref name="data"/> (with its checksum field zeroed).</summary>
    public static ushort Compute(ReadOnlySpan<byte> data, uint initial = 0) => (ushort)~Sum(data, initial);

    /// <summary><see langword="true"/> when <paramref name="data"/>, checksum field included, sums to 0xFFFF.</summary>
    public static bool IsValid(ReadOnlySpan<byte> data) => Sum(data) == 0xFFFF;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ushort Fold(ulong sum)
    {
        sum = (sum >> 32) + (sum & 0xFFFF_FFFF);
        sum = (sum >> 32) + (sum & 0xFFFF_FFFF);
        sum = (sum >> 16) + (sum & 0xFFFF);
        sum = (sum >> 16) + (sum & 0xFFFF);
        return (ushort)sum;
    }
}
